function ConvertTo-PimActivationTarget {
    # The fields of a listed role (PimRust.EligibleRole or PimRust.ActiveRole) that activation needs.
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory)]
        [psobject] $Role
    )

    [ordered]@{
        key                   = $Role.Key
        kind                  = $Role.Kind
        roleName              = $Role.RoleName
        roleDefinitionId      = $Role.RoleDefinitionId
        scope                 = $Role.Scope
        principalId           = $Role.PrincipalId
        groupId               = $Role.GroupId
        accessId              = $Role.AccessId
        directoryScopeId      = $Role.DirectoryScopeId
        eligibilityScheduleId = $Role.EligibilityScheduleId
        status                = $Role.Status
        policy                = [ordered]@{
            maxDuration           = if ($Role.MaxDuration) { [System.Xml.XmlConvert]::ToString([timespan]$Role.MaxDuration) }
            requiresJustification = $Role.RequiresJustification
            requiresTicket        = $Role.RequiresTicket
            requiresMfa           = $Role.RequiresMfa
            requiresApproval      = $Role.RequiresApproval
            authenticationContext = $Role.AuthenticationContext
            policyId              = $Role.PolicyId
        }
    }
}
