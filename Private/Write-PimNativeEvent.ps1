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
            $status = if ($nativeEvent.PSObject.Properties['status']) { $nativeEvent.status } else { "$percent%" }
            Write-Progress -Id 1 -Activity $Activity -Status $status -PercentComplete $percent
        }
        'requestStatus' {
            # One child bar per request under the parent bar.
            $childId = 2 + [math]::Abs($nativeEvent.requestId.GetHashCode() % 100000)
            $text = switch ($nativeEvent.status) {
                'PendingApproval' { 'Pending approval' }
                'Provisioning' { 'Provisioning' }
                'Active' { 'Active' }
                default { $nativeEvent.status }
            }
            if ($nativeEvent.status -in 'PendingApproval', 'Provisioning') {
                Write-Progress -Id $childId -ParentId 1 -Activity $nativeEvent.roleName -Status $text
            }
            else {
                Write-Progress -Id $childId -ParentId 1 -Activity $nativeEvent.roleName -Status $text -Completed
            }
        }
        'activation' {
            Write-Verbose "[native] $($nativeEvent.roleName): $($nativeEvent.status)"
        }
        { $_ -in 'deviceCode', 'browser' } {
            # A sign-in prompt must reach the user even when the information stream is silenced.
            $prompt = if ($nativeEvent.event -eq 'browser' -and -not $nativeEvent.opened) {
                "$($nativeEvent.message)`n$($nativeEvent.url)"
            }
            else {
                $nativeEvent.message
            }
            Write-Information -MessageData $prompt -Tags 'PimRust.Prompt' -InformationAction Continue
        }
        'eventsDropped' {
            Write-Debug "[native] $($nativeEvent.count) events were dropped because the queue was full"
        }
        default {
            Write-Debug "[native] unhandled event: $EventJson"
        }
    }
}
