function Write-PimNativeEvent {
    <#
    .SYNOPSIS
    Relays one native event to the matching PowerShell stream.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string] $EventJson,

        [Parameter(Mandatory)]
        [string] $Activity
    )

    $nativeEvent = ConvertFrom-Json -InputObject $EventJson
    switch ($nativeEvent.event) {
        'log' {
            $text = "[native] $($nativeEvent.message)"
            switch ($nativeEvent.level) {
                { $_ -in 'error', 'warn' } { Write-Warning $text }
                'info' { Write-Verbose $text }
                default { Write-Debug "$text ($($nativeEvent.target))" }
            }
        }
        'progress' {
            $percent = [int][math]::Min(100, [math]::Max(0, $nativeEvent.percent))
            Write-Progress -Activity $Activity -Status "$percent%" -PercentComplete $percent
        }
        'eventsDropped' {
            Write-Debug "[native] $($nativeEvent.count) events were dropped because the queue was full"
        }
        default {
            Write-Debug "[native] unhandled event: $EventJson"
        }
    }
}
