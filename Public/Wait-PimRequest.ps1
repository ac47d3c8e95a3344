function Wait-PimRequest {
    <#
    .SYNOPSIS
    Waits until PIM requests are done and access is real (the role shows up as active).

    .DESCRIPTION
    All requests are watched by one native operation that asks each service once per interval for
    your requests (not once per request), backs off, honours Retry-After, and confirms that provisioned
    roles are active. Progress shows one bar per request. Ctrl+C stops waiting at once; the requests
    themselves keep going unless -CancelOnStop. Objects that need no wait (Activated, AlreadyActive,
    Failed...) pass through unchanged.

    .EXAMPLE
    Get-PimEligibleRole -Name 'Security Administrator' | Invoke-PimActivation -Justification 'x' | Wait-PimRequest -TimeoutSec 900
    #>
    [CmdletBinding()]
    [OutputType('PimRust.ActivationRequest')]
    param(
        # Request objects from Invoke-PimActivation.
        [Parameter(Mandatory, ValueFromPipeline)]
        [PSTypeName('PimRust.ActivationRequest')]
        [psobject[]] $InputObject,

        [ValidateRange(1, 86400)]
        [int] $TimeoutSec = 600,

        [ValidateRange(0.2, 300)]
        [double] $IntervalSec = 5,

        # Cancel the requests still pending if waiting is stopped (Ctrl+C).
        [switch] $CancelOnStop
    )

    begin {
        $waiting = [System.Collections.Generic.List[psobject]]::new()
    }
    process {
        foreach ($request in $InputObject) {
            if ($request.RequestId -and $request.Status -in 'PendingApproval', 'PendingProvisioning', 'Scheduled') {
                $waiting.Add($request)
            }
            else {
                $request
            }
        }
    }
    end {
        if ($waiting.Count -eq 0) {
            return
        }
        $targets = @($waiting | ForEach-Object {
            [ordered]@{ requestId = $_.RequestId; kind = $_.Kind; key = $_.Key; roleName = $_.RoleName; deactivate = [bool]$_.Deactivate }
        })
        $finished = $false
        try {
            $results = Invoke-PimNativeOperation -Method 'pim.wait' -Parameters @{ requests = $targets; timeoutSec = $TimeoutSec; intervalSec = $IntervalSec } -Activity 'Waiting for PIM requests'
            $finished = $true
        }
        finally {
            if (-not $finished -and $CancelOnStop) {
                Invoke-PimNativeOperation -Method 'pim.cancel' -Parameters @{ requests = $targets } | Out-Null
            }
        }
        $byId = @{}
        foreach ($result in @($results)) { $byId[$result.requestId] = $result }
        foreach ($request in $waiting) {
            $result = $byId[$request.RequestId]
            $request.RequestStatus = $result.requestStatus
            switch ($result.status) {
                'Active' { $request.Status = 'Activated'; if ($result.activeUntil) { $request.End = [datetimeoffset]$result.activeUntil } }
                'Deactivated' { $request.Status = 'Deactivated' }
                'TimedOut' {
                    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                        [System.TimeoutException]::new("$($request.RoleName): $($result.message)"), 'PimRust.Timeout', 'OperationTimeout', $request))
                }
                default {
                    $request.Status = 'Failed'
                    $request.ErrorCode = $result.status
                    $request.ErrorMessage = "The request ended as $($result.requestStatus)."
                    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                        [System.InvalidOperationException]::new("$($request.RoleName): the request ended as $($result.requestStatus)."),
                        "PimRust.Request.$($result.status)", 'PermissionDenied', $request))
                }
            }
            $request
        }
    }
}
