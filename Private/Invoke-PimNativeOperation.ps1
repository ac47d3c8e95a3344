function Invoke-PimNativeOperation {
    <#
    .SYNOPSIS
    Runs one native operation: starts it, waits in short slices (so Ctrl+C is honoured between them),
    relays its events to the PowerShell streams, and returns its data or throws its error.

    .DESCRIPTION
    The operation is released in `finally`, first thing: when the pipeline is stopped the native side
    is cancelled at once and no operation is left running.
    #>
    [CmdletBinding()]
    [OutputType([psobject])]
    param(
        # Method name, e.g. 'sys.echo'.
        [Parameter(Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string] $Method,

        # Method params: a hashtable or object, sent as JSON.
        [AllowNull()]
        [object] $Parameters,

        # Write-Progress activity text for the operation's progress events.
        [string] $Activity = $Method
    )

    $paramsJson = if ($null -eq $Parameters) { 'null' } else { ConvertTo-Json -InputObject $Parameters -Depth 32 -Compress }
    $operation = (Get-PimSession).Start($Method, $paramsJson, (Get-PimNativeLogLevel))
    try {
        do {
            $finished = $operation.Wait([PimRust.Interop.PimSession]::DefaultWaitSliceMs)
            foreach ($eventJson in $operation.DrainEvents()) {
                Write-PimNativeEvent -EventJson $eventJson -Activity $Activity
            }
        } until ($finished)
        $result = $operation.TakeResult()
    }
    finally {
        $operation.Dispose()
        Write-Progress -Id 1 -Activity $Activity -Completed
    }

    if (-not $result.Ok) {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-PimErrorRecord -PimError $result.Error -TargetObject $Method))
    }
    ConvertFrom-Json -InputObject $result.DataJson -Depth 100
}

function Get-PimNativeLogLevel {
    # The caller's -Debug/-Verbose decide how much of the native side's tracing comes back.
    [CmdletBinding()]
    [OutputType([string])]
    param()

    if ($DebugPreference -ne 'SilentlyContinue') { 'debug' }
    elseif ($VerbosePreference -ne 'SilentlyContinue') { 'info' }
    else { 'warn' }
}
