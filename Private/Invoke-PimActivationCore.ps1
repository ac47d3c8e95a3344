function Invoke-PimActivationCore {
    # Shared by Invoke-PimActivation and Invoke-PimDeactivation: one native batch for the roles the user
    # confirmed, one output object per role, and the summary line.
    [CmdletBinding()]
    [OutputType('PimRust.ActivationRequest')]
    param(
        [Parameter(Mandatory)]
        [AllowEmptyCollection()]
        [psobject[]] $Roles,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary] $Options,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Caller,

        [switch] $Deactivate,

        [switch] $PassThru
    )

    if ($Roles.Count -eq 0) {
        return
    }
    $Options.roles = @($Roles | ForEach-Object { ConvertTo-PimActivationTarget -Role $_ })
    $Options.deactivate = [bool]$Deactivate
    $activity = if ($Deactivate) { 'Deactivating PIM roles' } else { 'Activating PIM roles' }
    $outcomes = Invoke-PimNativeOperation -Method 'pim.activate' -Parameters $Options -Activity $activity
    $requests = foreach ($outcome in @($outcomes)) {
        ConvertTo-PimActivationRequest -Outcome $outcome -Caller $Caller -Deactivate:$Deactivate
    }
    if (-not $PassThru) {
        $counts = $requests | Group-Object -Property Status | ForEach-Object { "$($_.Count) $($_.Name)" }
        Write-PimSummary -Message ('PIM: ' + ($counts -join ', ')) -Caller $Caller
    }
    $requests
}

function Format-PimRoleTarget {
    # How a role is named in -WhatIf and -Confirm: name, scope and kind (or the group's access).
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [psobject] $Role)

    if ($Role.AccessId) {
        "$($Role.RoleName) ($($Role.AccessId)) in $($Role.ScopeDisplayName)"
    }
    else {
        "$($Role.RoleName) at $($Role.ScopeDisplayName) [$($Role.Kind)]"
    }
}

function Format-PimActivationAction {
    # The -WhatIf/-Confirm action text for an activation batch.
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [System.Collections.IDictionary] $Options)

    $duration = $Options['duration']
    $length = if ($duration -eq 'Max') { 'the policy maximum' } elseif ($duration) { $duration } else { 'PT1H (or the policy maximum if shorter)' }
    $from = if ($Options['startAt']) { $Options['startAt'] } else { 'now' }
    $verb = if ($Options['validateOnly']) { 'Validate activation' } else { 'Activate' }
    "$verb for $length from $from"
}
