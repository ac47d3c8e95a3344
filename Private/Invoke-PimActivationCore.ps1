function Invoke-PimActivationCore {
    # Shared by Invoke-PimActivation and Invoke-PimDeactivation: confirmation per role, one native
    # batch for every confirmed role, one output object per input role, and the summary line.
    [CmdletBinding()]
    [OutputType('PimRust.ActivationRequest')]
    param(
        [Parameter(Mandatory)]
        [AllowEmptyCollection()]
        [System.Collections.Generic.List[psobject]] $Roles,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary] $Options,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Caller,

        [switch] $Deactivate,

        [switch] $PassThru
    )

    $confirmed = [System.Collections.Generic.List[psobject]]::new()
    foreach ($role in $Roles) {
        $target = if ($role.AccessId) { "$($role.RoleName) ($($role.AccessId)) in $($role.ScopeDisplayName)" } else { "$($role.RoleName) at $($role.ScopeDisplayName) [$($role.Kind)]" }
        $action = if ($Deactivate) {
            'Deactivate'
        }
        else {
            $length = if ($Options.duration -eq 'Max') { 'the policy maximum' } elseif ($Options.duration) { $Options.duration } else { 'PT1H (or the policy maximum if shorter)' }
            $from = if ($Options.startAt) { $Options.startAt } else { 'now' }
            $verb = if ($Options.validateOnly) { 'Validate activation' } else { 'Activate' }
            "$verb for $length from $from"
        }
        if ($Caller.ShouldProcess($target, $action)) {
            $confirmed.Add($role)
        }
    }
    if ($confirmed.Count -eq 0) {
        return
    }
    $Options.roles = @($confirmed | ForEach-Object { ConvertTo-PimActivationTarget -Role $_ })
    $Options.deactivate = [bool]$Deactivate
    $activity = if ($Deactivate) { 'Deactivating PIM roles' } else { 'Activating PIM roles' }
    $outcomes = Invoke-PimNativeOperation -Method 'pim.activate' -Parameters $Options -Activity $activity
    $requests = foreach ($outcome in @($outcomes)) {
        ConvertTo-PimActivationRequest -Outcome $outcome -Caller $Caller -Deactivate:$Deactivate
    }
    if (-not $PassThru) {
        $counts = $requests | Group-Object Status | ForEach-Object { "$($_.Count) $($_.Name)" }
        Write-Information -MessageData ("PIM: " + ($counts -join ', ')) -Tags 'PimRust.Summary' -InformationAction Continue
    }
    $requests
}
