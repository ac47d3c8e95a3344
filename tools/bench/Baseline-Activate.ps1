#Requires -Version 7.4
<#
.SYNOPSIS
Activates PIM roles by name the way community scripts do: plain Invoke-RestMethod, one request at a
time.

.DESCRIPTION
The baseline of the activation measures of tools/bench/Invoke-PimBench.ps1. Lists the eligibilities
of the three kinds and reads the policy of each named role (Baseline-ListEligible.ps1 -Name), then
sends one activation request per role, one after the other: a Graph POST for directory roles and
groups, an ARM PUT of a new request name for Azure roles. The duration is -Duration, or the role's
maximum when that is shorter.

.EXAMPLE
./Baseline-Activate.ps1 -GraphToken $graph -ArmToken $arm -Name 'Global Reader', 'Finance Approvers' -Justification 'INC-1234'
#>
[CmdletBinding()]
[OutputType([pscustomobject])]
param(
    [Parameter(Mandatory)] [string] $GraphToken,
    [Parameter(Mandatory)] [string] $ArmToken,
    [Parameter(Mandatory)] [string[]] $Name,
    [Parameter(Mandatory)] [string] $Justification,
    [string] $Duration = 'PT1H',
    [string] $GraphUrl = 'https://graph.microsoft.com',
    [string] $ArmUrl = 'https://management.azure.com'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$graph = "$($GraphUrl.TrimEnd('/'))/v1.0"
$arm = $ArmUrl.TrimEnd('/')

$listing = @{ GraphToken = $GraphToken; ArmToken = $ArmToken; GraphUrl = $GraphUrl; ArmUrl = $ArmUrl; Name = $Name }
$roles = @(& (Join-Path -Path $PSScriptRoot -ChildPath 'Baseline-ListEligible.ps1') @listing)
foreach ($missing in $Name | Where-Object { $roles.Name -notcontains $_ }) {
    Write-Error -Message "No eligible role is named '$missing'." -Category ObjectNotFound
}

foreach ($role in $roles) {
    $wanted = [System.Xml.XmlConvert]::ToTimeSpan($Duration)
    $duration = $Duration
    if ($role.MaxDuration -and [System.Xml.XmlConvert]::ToTimeSpan($role.MaxDuration) -lt $wanted) {
        $duration = $role.MaxDuration
    }
    $start = [DateTime]::UtcNow.ToString('o')
    $headers = @{ Authorization = "Bearer $(if ($role.Kind -eq 'AzureResource') { $ArmToken } else { $GraphToken })" }
    $request = switch ($role.Kind) {
        'DirectoryRole' {
            @{
                Method = 'Post'; Uri = "$graph/roleManagement/directory/roleAssignmentScheduleRequests"
                Body   = @{
                    action = 'selfActivate'; principalId = $role.PrincipalId; roleDefinitionId = $role.RoleDefinitionId
                    directoryScopeId = $role.DirectoryScopeId; justification = $Justification
                    scheduleInfo = @{ startDateTime = $start; expiration = @{ type = 'afterDuration'; duration = $duration } }
                }
            }
        }
        'Group' {
            @{
                Method = 'Post'; Uri = "$graph/identityGovernance/privilegedAccess/group/assignmentScheduleRequests"
                Body   = @{
                    action = 'selfActivate'; principalId = $role.PrincipalId; groupId = $role.GroupId; accessId = $role.AccessId
                    justification = $Justification
                    scheduleInfo = @{ startDateTime = $start; expiration = @{ type = 'afterDuration'; duration = $duration } }
                }
            }
        }
        'AzureResource' {
            $properties = @{
                principalId = $role.PrincipalId; roleDefinitionId = $role.RoleDefinitionId; requestType = 'SelfActivate'
                justification = $Justification
                scheduleInfo = @{ startDateTime = $start; expiration = @{ type = 'AfterDuration'; duration = $duration } }
            }
            if ($role.EligibilityScheduleId) {
                $properties.linkedRoleEligibilityScheduleId = $role.EligibilityScheduleId
            }
            @{
                Method = 'Put'
                Uri    = "$arm$($role.Scope)/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/$([guid]::NewGuid())?api-version=2020-10-01"
                Body   = @{ properties = $properties }
            }
        }
    }
    $answer = Invoke-RestMethod -Method $request.Method -Uri $request.Uri -Headers $headers -ContentType 'application/json' -Body ($request.Body | ConvertTo-Json -Depth 6 -Compress)
    $status = if ($role.Kind -eq 'AzureResource') { $answer.properties.status } else { $answer.status }
    [pscustomobject]@{ Kind = $role.Kind; Name = $role.Name; Scope = $role.Scope; Status = $status; RequestId = $answer.id }
}
