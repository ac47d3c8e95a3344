function ConvertTo-PimActivationRequest {
    # Shapes a native activation outcome into PimRust.ActivationRequest; failures also become a
    # non-terminating ErrorRecord with a stable id (PimRust.<Kind>.<Code>).
    [CmdletBinding()]
    [OutputType('PimRust.ActivationRequest')]
    param(
        [Parameter(Mandatory)]
        [psobject] $Outcome,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Caller,

        [switch] $Deactivate
    )

    $request = [pscustomobject]@{
        PSTypeName    = 'PimRust.ActivationRequest'
        RoleName      = $Outcome.roleName
        Kind          = $Outcome.kind
        Scope         = $Outcome.scope
        Status        = $Outcome.status
        RequestId     = $Outcome.requestId
        RequestStatus = $Outcome.requestStatus
        Start         = if ($Outcome.start) { [datetimeoffset]$Outcome.start }
        End           = if ($Outcome.end) { [datetimeoffset]$Outcome.end }
        Duration      = if ($Outcome.duration) { [System.Xml.XmlConvert]::ToTimeSpan($Outcome.duration) }
        ErrorCode     = $Outcome.error.code
        ErrorMessage  = $Outcome.error.message
        FailedRules   = @($Outcome.error.failedRules | Where-Object { $_ })
        Warnings      = @($Outcome.warnings | Where-Object { $_ })
        Deactivate    = [bool]$Deactivate
        Key           = $Outcome.key
    }
    foreach ($warning in $request.Warnings) {
        Write-Warning "$($request.RoleName): $warning"
    }
    if ($Outcome.status -eq 'Failed') {
        $category = switch ($Outcome.error.kind) {
            'PolicyViolation' { 'PermissionDenied' }
            'Forbidden' { 'PermissionDenied' }
            'InteractionRequired' { 'AuthenticationError' }
            'AuthenticationRequired' { 'AuthenticationError' }
            'Throttled' { 'LimitsExceeded' }
            'Network' { 'ConnectionError' }
            default { 'NotSpecified' }
        }
        $errorId = if ($Outcome.error.code -eq $Outcome.error.kind) { "PimRust.$($Outcome.error.kind)" } else { "PimRust.$($Outcome.error.kind).$($Outcome.error.code)" }
        $exception = [System.InvalidOperationException]::new("$($request.RoleName): $($Outcome.error.message)")
        $Caller.WriteError([System.Management.Automation.ErrorRecord]::new($exception, $errorId, $category, $request))
    }
    $request
}
