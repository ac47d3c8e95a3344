#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop
    $sandbox = Start-PimSandbox
    Connect-PimSandbox $sandbox
}

AfterAll {
    Remove-Module PimRust -ErrorAction Ignore
    Stop-PimSandbox $sandbox
}

Describe 'Get-PimEligibleRole' {
    BeforeAll {
        $roles = Get-PimEligibleRole
    }

    It 'lists every kind as one object type' {
        ($roles.Kind | Sort-Object -Unique) | Should -Be @('AzureResource', 'DirectoryRole', 'Group')
        $roles | ForEach-Object { $_.PSTypeNames[0] | Should -Be 'PimRust.EligibleRole' }
    }

    It 'carries the policy requirements' {
        $security = $roles | Where-Object RoleName -EQ 'Security Administrator'
        $security.RequiresApproval | Should -BeTrue
        $security.MaxDuration | Should -Be ([timespan]::FromHours(4))
        ($roles | Where-Object RoleName -EQ 'Exchange Administrator').AuthenticationContext | Should -Be 'c1'
        ($roles | Where-Object RoleName -EQ 'Privileged Role Administrator').Requirements | Should -Match 'Ticket'
    }

    It 'marks active roles and group-derived eligibility' {
        ($roles | Where-Object RoleName -EQ 'Reports Reader').Status | Should -Be 'Active'
        ($roles | Where-Object { $_.Kind -eq 'AzureResource' -and $_.MemberType -eq 'Group' }).GrantedVia | Should -Be 'Helpdesk Operators'
    }

    It 'matches names exactly unless wildcards are used' {
        @(Get-PimEligibleRole -Name 'reader').Count | Should -Be 2 -Because 'both Azure Reader eligibilities, never "first match"'
        @(Get-PimEligibleRole -Name 'Reader' -Kind DirectoryRole -ErrorAction SilentlyContinue).Count | Should -Be 0
        @(Get-PimEligibleRole -Name '*Reader').RoleName | Should -Contain 'Global Reader'
    }

    It 'reports an unknown name as a non-terminating error with a hint' {
        $found = Get-PimEligibleRole -Name 'Global Read' -ErrorVariable problems -ErrorAction SilentlyContinue
        $found | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PimRust.RoleNotFound*'
        $problems[0].Exception.Message | Should -Match 'Similar: Global Reader'
    }

    It 'filters by kind, scope display name and state' {
        (Get-PimEligibleRole -Kind Group).Kind | Sort-Object -Unique | Should -Be 'Group'
        (Get-PimEligibleRole -Scope 'Contoso Production').RoleName | Should -Be 'Contributor'
        (Get-PimEligibleRole -Active).RoleName | Should -Be 'Reports Reader'
        (Get-PimEligibleRole -Inactive).RoleName | Should -Not -Contain 'Reports Reader'
    }

    It 'reads each policy once per session unless -Refresh' {
        Invoke-RestMethod -Method Delete -Uri "$($sandbox.Url)/_emulator/requests" | Out-Null
        Get-PimEligibleRole | Out-Null
        @(Get-PimSandboxLog $sandbox | Where-Object { $_.path -like '*roleManagementPolicyAssignments*' -or $_.path -like '*$batch' }).Count | Should -Be 0
        Get-PimEligibleRole -Refresh | Out-Null
        @(Get-PimSandboxLog $sandbox | Where-Object { $_.path -like '*$batch' }).Count | Should -Be 1
    }

    It 'renders a table with kind, name, scope, status, duration and requirements' {
        $table = $roles | Format-Table | Out-String -Width 200
        $table | Should -Match 'Kind\s+Name\s+Scope\s+Status\s+Max\s+Requires'
        $table | Should -Match 'Platform Owners \(owner\)'
    }

    It 'completes -Name from the cached listing' {
        $completions = TabExpansion2 -inputScript 'Get-PimEligibleRole -Name Glo' -cursorColumn 29
        $completions.CompletionMatches.CompletionText | Should -Contain "'Global Reader'"
    }

    It 'completes -Scope from the cached listing' {
        $line = 'Get-PimEligibleRole -Scope rg-w'
        $completions = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Contain 'rg-web-dev'
    }

    It 'sends a role picked from the pipeline to the core with its full identity' {
        # The two Azure 'Reader' eligibilities differ only in scope, so a name cannot say which one was
        # picked: the request the core sends must carry the picked role's own scope and eligibility.
        $readers = @($roles | Where-Object { $_.Kind -eq 'AzureResource' -and $_.RoleName -eq 'Reader' } | Sort-Object Scope)
        $readers.Count | Should -Be 2
        $picked = $readers | Select-Object -Last 1 | ForEach-Object { $_ }
        Invoke-RestMethod -Method Delete -Uri "$($sandbox.Url)/_emulator/requests" | Out-Null
        $result = $picked | Invoke-PimActivation -Justification 'identity check' -Validate
        $result.Status | Should -Be 'Validated'
        $sent = @(Get-PimSandboxLog $sandbox | Where-Object { $_.method -in 'POST', 'PUT' -and $_.path -like '*roleAssignmentScheduleRequests*' })
        $sent.Count | Should -Be 1
        $sent[0].path | Should -BeLike "*$($picked.Scope)/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/*"
        $sent[0].path | Should -Not -BeLike "*$($readers[0].Scope)/providers/*"
        $sent[0].body.properties.linkedRoleEligibilityScheduleId | Should -Be $picked.EligibilityScheduleId
        $sent[0].body.properties.roleDefinitionId | Should -BeLike "*$($picked.RoleDefinitionId)"
        $sent[0].body.properties.principalId | Should -Be $picked.PrincipalId
    }
}

Describe 'Get-PimActiveRole' {
    It 'lists active roles with the time they have left' {
        $active = Get-PimActiveRole
        $active.PSTypeNames[0] | Should -Be 'PimRust.ActiveRole'
        ($active | Where-Object RoleName -EQ 'Reports Reader').TimeRemaining | Should -BeGreaterThan ([timespan]::Zero)
    }
}
