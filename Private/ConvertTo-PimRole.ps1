function ConvertTo-PimRole {
    # Shapes one native role into PimRust.EligibleRole (or PimRust.ActiveRole): real properties only,
    # so format views, Out-GridView and pipeline binding all see the same thing.
    [CmdletBinding()]
    [OutputType('PimRust.EligibleRole', 'PimRust.ActiveRole')]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [psobject] $Role,

        [ValidateSet('PimRust.EligibleRole', 'PimRust.ActiveRole')]
        [string] $TypeName = 'PimRust.EligibleRole'
    )

    process {
        $policy = $Role.policy
        $maxDuration = if ($policy.maxDuration) { [System.Xml.XmlConvert]::ToTimeSpan($policy.maxDuration) }
        $requirements = @(
            if ($policy.requiresJustification) { 'Justification' }
            if ($policy.requiresTicket) { 'Ticket' }
            if ($policy.requiresMfa) { 'MFA' }
            if ($policy.requiresApproval) { 'Approval' }
            if ($policy.authenticationContext) { "AuthContext:$($policy.authenticationContext)" }
        ) -join ','
        $activeUntil = if ($Role.activeUntil) { [datetimeoffset]$Role.activeUntil }
        $output = [ordered]@{
            PSTypeName            = $TypeName
            Kind                  = $Role.kind
            RoleName              = $Role.roleName
            AccessId              = $Role.accessId
            Scope                 = $Role.scope
            ScopeDisplayName      = $Role.scopeDisplayName
            MemberType            = $Role.memberType
            GrantedVia            = $Role.grantedVia
            Status                = $Role.status
            EligibilityStart      = if ($Role.eligibilityStart) { [datetimeoffset]$Role.eligibilityStart }
            EligibilityEnd        = if ($Role.eligibilityEnd) { [datetimeoffset]$Role.eligibilityEnd }
            ActiveUntil           = $activeUntil
            MaxDuration           = $maxDuration
            RequiresJustification = $policy.requiresJustification
            RequiresTicket        = $policy.requiresTicket
            RequiresMfa           = $policy.requiresMfa
            RequiresApproval      = $policy.requiresApproval
            AuthenticationContext = $policy.authenticationContext
            Requirements          = $requirements
            RoleDefinitionId      = $Role.roleDefinitionId
            PrincipalId           = $Role.principalId
            GroupId               = $Role.groupId
            DirectoryScopeId      = $Role.directoryScopeId
            EligibilityScheduleId = $Role.eligibilityScheduleId
            EligibilityInstanceId = $Role.eligibilityInstanceId
            PolicyId              = $policy.policyId
            Key                   = $Role.key
        }
        if ($TypeName -eq 'PimRust.ActiveRole') {
            $output.TimeRemaining = if ($activeUntil) { $activeUntil - [datetimeoffset]::UtcNow }
        }
        [pscustomobject]$output
    }
}
