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

    $failure = $Outcome.error
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
        ErrorCode     = if ($failure) { $failure.code }
        ErrorMessage  = if ($failure) { $failure.message }
        FailedRules   = @(if ($failure) { $failure.failedRules | Where-Object { $_ } })
        Warnings      = @($Outcome.warnings | Where-Object { $_ })
        Deactivate    = [bool]$Deactivate
        Key           = $Outcome.key
    }
    foreach ($warning in $request.Warnings) {
        Write-Warning "$($request.RoleName): $warning"
    }
    if ($Outcome.status -eq 'Failed') {
        $category = switch ($failure.kind) {
            'PolicyViolation' { 'PermissionDenied' }
            'Forbidden' { 'PermissionDenied' }
            'InteractionRequired' { 'AuthenticationError' }
            'AuthenticationRequired' { 'AuthenticationError' }
            'Throttled' { 'LimitsExceeded' }
            'Network' { 'ConnectionError' }
            default { 'NotSpecified' }
        }
        $errorId = if ($failure.code -eq $failure.kind) { "PimRust.$($failure.kind)" } else { "PimRust.$($failure.kind).$($failure.code)" }
        $exception = [System.InvalidOperationException]::new("$($request.RoleName): $($failure.message)")
        $Caller.WriteError([System.Management.Automation.ErrorRecord]::new($exception, $errorId, $category, $request))
    }
    $request
}
