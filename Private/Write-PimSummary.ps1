function Write-PimSummary {
    # A command's closing line on the information stream: shown by default, yet silenced or captured with
    # the caller's own -InformationAction or -InformationVariable.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string] $Message,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Caller
    )

    $action = if ($Caller.MyInvocation.BoundParameters.ContainsKey('InformationAction')) {
        $Caller.MyInvocation.BoundParameters['InformationAction']
    }
    else {
        'Continue'
    }
    Write-Information -MessageData $Message -Tags 'PimRust.Summary' -InformationAction $action
}
