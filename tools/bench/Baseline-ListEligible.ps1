#Requires -Version 7.4
<#
.SYNOPSIS
Lists my PIM eligibilities with their activation policies the way community scripts do: plain
Invoke-RestMethod, one request at a time.

.DESCRIPTION
The baseline of the listing measures of tools/bench/Invoke-PimBench.ps1. Three listings (directory
roles, PIM for Groups, Azure resource roles at every scope), then one policy read per eligibility,
in order: Microsoft Graph roleManagementPolicyAssignments with $expand=policy($expand=rules) for
directory roles and groups, ARM roleManagementPolicyAssignments at the role's scope for Azure
roles. No batching, no concurrency, no cache: what a script written from the API docs does.

It also works against the real services: the defaults of -GraphUrl and -ArmUrl are the public cloud.

.PARAMETER Name
Only these roles (role or group display names); their policies alone are read. All when omitted.

.EXAMPLE
./Baseline-ListEligible.ps1 -GraphToken $graph -ArmToken $arm | Format-Table Kind, Name, Scope, MaxDuration
#>
[CmdletBinding()]
[OutputType([pscustomobject])]
param(
    [Parameter(Mandatory)] [string] $GraphToken,
    [Parameter(Mandatory)] [string] $ArmToken,
    [string] $GraphUrl = 'https://graph.microsoft.com',
    [string] $ArmUrl = 'https://management.azure.com',
    [string[]] $Name
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$graph = "$($GraphUrl.TrimEnd('/'))/v1.0"
$arm = $ArmUrl.TrimEnd('/')
$apiVersion = '2020-10-01'

function Get-Property {
    # A property of a JSON object, or $null when the service left it out (strict-mode safe).
    param($Object, [string] $Property)
    if ($null -eq $Object) { return $null }
    $found = $Object.PSObject.Properties[$Property]
    if ($found) { $found.Value } else { $null }
}

function Get-PagedItem {
    # Every item of a Graph or ARM collection, following @odata.nextLink / nextLink.
    param([string] $Uri, [string] $Token)
    while ($Uri) {
        $page = Invoke-RestMethod -Uri $Uri -Headers @{ Authorization = "Bearer $Token" }
        $page.value
        $Uri = Get-Property $page '@odata.nextLink'
        if (-not $Uri) { $Uri = Get-Property $page 'nextLink' }
    }
}

function ConvertFrom-PolicyRule {
    # The end-user activation rules of a policy (Graph rules or ARM effectiveRules) as one object.
    param([object[]] $Rule)
    $settings = [ordered]@{
        MaxDuration = $null; RequiresJustification = $false; RequiresTicket = $false; RequiresMfa = $false
        RequiresApproval = $false; AuthenticationContext = $null
    }
    foreach ($item in $Rule) {
        switch ($item.id) {
            'Expiration_EndUser_Assignment' {
                $settings.MaxDuration = Get-Property $item 'maximumDuration'
            }
            'Enablement_EndUser_Assignment' {
                $enabled = @(Get-Property $item 'enabledRules')
                $settings.RequiresJustification = $enabled -contains 'Justification'
                $settings.RequiresTicket = $enabled -contains 'Ticketing'
                $settings.RequiresMfa = $enabled -contains 'MultiFactorAuthentication'
            }
            'Approval_EndUser_Assignment' {
                $settings.RequiresApproval = [bool](Get-Property (Get-Property $item 'setting') 'isApprovalRequired')
            }
            'AuthenticationContext_EndUser_Assignment' {
                if (Get-Property $item 'isEnabled') { $settings.AuthenticationContext = Get-Property $item 'claimValue' }
            }
        }
    }
    $settings
}

function Get-GraphPolicy {
    # One Graph policy read: the assignment of a directory role ('/') or of a group's member/owner access.
    param([string] $ScopeId, [string] $ScopeType, [string] $RoleDefinitionId)
    $filter = "scopeId eq '$ScopeId' and scopeType eq '$ScopeType' and roleDefinitionId eq '$RoleDefinitionId'"
    $uri = "$graph/policies/roleManagementPolicyAssignments?`$filter=$filter&`$expand=policy(`$expand=rules)"
    $assignment = @(Get-PagedItem -Uri $uri -Token $GraphToken) | Select-Object -First 1
    ConvertFrom-PolicyRule -Rule @(Get-Property (Get-Property $assignment 'policy') 'rules')
}

function Get-ArmPolicy {
    # One ARM policy read: the policy assignment of a role at the scope where it is eligible.
    param([string] $Scope, [string] $RoleDefinitionId)
    $uri = "$arm$Scope/providers/Microsoft.Authorization/roleManagementPolicyAssignments?api-version=$apiVersion&`$filter=roleDefinitionId eq '$RoleDefinitionId'"
    $assignment = @(Get-PagedItem -Uri $uri -Token $ArmToken) |
        Where-Object { $_.properties.roleDefinitionId.Split('/')[-1] -eq $RoleDefinitionId.Split('/')[-1] } |
        Select-Object -First 1
    ConvertFrom-PolicyRule -Rule @(Get-Property (Get-Property $assignment 'properties') 'effectiveRules')
}

# 1. The eligibilities, one kind after the other.
$directory = "$graph/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')?`$expand=roleDefinition"
$groups = "$graph/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/filterByCurrentUser(on='principal')?`$expand=group"
$azure = "$arm/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=$apiVersion&`$filter=asTarget()"
$roles = @(
    foreach ($item in Get-PagedItem -Uri $directory -Token $GraphToken) {
        [pscustomobject]@{
            Kind = 'DirectoryRole'; Name = $item.roleDefinition.displayName; Scope = $item.directoryScopeId
            PrincipalId = $item.principalId; RoleDefinitionId = $item.roleDefinitionId
            DirectoryScopeId = $item.directoryScopeId; GroupId = $null; AccessId = $null; EligibilityScheduleId = $null
        }
    }
    foreach ($item in Get-PagedItem -Uri $groups -Token $GraphToken) {
        [pscustomobject]@{
            Kind = 'Group'; Name = $item.group.displayName; Scope = $item.groupId
            PrincipalId = $item.principalId; RoleDefinitionId = $item.accessId
            DirectoryScopeId = $null; GroupId = $item.groupId; AccessId = $item.accessId; EligibilityScheduleId = $null
        }
    }
    foreach ($item in Get-PagedItem -Uri $azure -Token $ArmToken) {
        $properties = $item.properties
        [pscustomobject]@{
            Kind = 'AzureResource'; Name = $properties.expandedProperties.roleDefinition.displayName; Scope = $properties.scope
            PrincipalId = $properties.principalId; RoleDefinitionId = $properties.roleDefinitionId
            DirectoryScopeId = $null; GroupId = $null; AccessId = $null
            EligibilityScheduleId = Get-Property $properties 'roleEligibilityScheduleId'
        }
    }
)

# 2. One policy read per role, one after the other.
foreach ($role in $roles | Where-Object { -not $Name -or $Name -contains $_.Name }) {
    $policy = switch ($role.Kind) {
        'DirectoryRole' { Get-GraphPolicy -ScopeId '/' -ScopeType 'DirectoryRole' -RoleDefinitionId $role.RoleDefinitionId }
        'Group' { Get-GraphPolicy -ScopeId $role.GroupId -ScopeType 'Group' -RoleDefinitionId $role.AccessId }
        'AzureResource' { Get-ArmPolicy -Scope $role.Scope -RoleDefinitionId $role.RoleDefinitionId }
    }
    foreach ($setting in $policy.GetEnumerator()) {
        $role | Add-Member -NotePropertyName $setting.Key -NotePropertyValue $setting.Value
    }
    $role
}
