#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Only what the user chose is ever activated or deactivated (issue 11, items 1, 2, 10, 13, 16).
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll/BeforeEach variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop

    function Get-NewAssignmentTarget {
        # Targets of the assignments the emulator holds now that it did not hold in $Before.
        param($Sandbox, [string[]] $Before)
        @((Invoke-RestMethod -Uri "$($Sandbox.Url)/_emulator/state").assignments | Where-Object instanceId -NotIn $Before |
                ForEach-Object { Format-PimSandboxTarget $_.target })
    }

    function Get-AssignmentId {
        param($Sandbox)
        @((Invoke-RestMethod -Uri "$($Sandbox.Url)/_emulator/state").assignments.instanceId)
    }

    function Get-WriteRequestCount {
        param($Sandbox)
        @(Get-PimSandboxLog $Sandbox | Where-Object { $_.method -in 'POST', 'PUT' -and $_.path -like '*Request*' }).Count
    }
}

AfterAll {
    Remove-Module PimRust -ErrorAction Ignore
}

Describe 'Selecting roles' {
    BeforeEach {
        $sandbox = Start-PimSandbox
        Connect-PimSandbox $sandbox
        $before = Get-AssignmentId $sandbox
    }

    AfterEach {
        Stop-PimSandbox $sandbox
    }

    Context 'a null or empty -Name never means everything' {
        It 'rejects <Case> at binding, before any request' -TestCases @(
            @{ Case = 'null'; Value = $null }
            @{ Case = 'an empty string'; Value = '' }
            @{ Case = 'an unset variable'; Value = $env:PIMRUST_NEVER_SET_ANYWHERE }
        ) {
            { Get-PimEligibleRole -Name $Value } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            { Get-PimActiveRole -Name $Value } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            { Invoke-PimActivation -Name $Value -Justification x } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            { Invoke-PimDeactivation -Name $Value } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            Get-WriteRequestCount $sandbox | Should -Be 0
        }

        It 'stops the README pipeline when the name variable is unset' {
            { Get-PimEligibleRole -Name $env:PIMRUST_NEVER_SET_ANYWHERE | Invoke-PimActivation -Justification x } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            Get-NewAssignmentTarget $sandbox $before | Should -BeNullOrEmpty
        }

        It 'takes names from the pipeline by value' {
            $found = @('Global Reader' | Get-PimEligibleRole)
            $found.Count | Should -Be 1
            $found[0].RoleName | Should -Be 'Global Reader'
        }
    }

    Context '-Name with -Scope' {
        It 'says where a name outside -Scope is eligible, and activates nothing for it' {
            $out = @(Invoke-PimActivation -Name 'Global Reader' -Scope '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f' -Justification x -ErrorVariable problems -ErrorAction SilentlyContinue)
            $out | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'PimRust.RoleNotFound*'
            $problems[0].Exception.Message | Should -Be "No eligible role is named 'Global Reader' within -Scope; it is eligible at /."
            Get-WriteRequestCount $sandbox | Should -Be 0
        }
    }

    Context 'objects that lost their type' {
        It 'activates exactly the role at the scope a Select-Object projection names' {
            Get-PimEligibleRole -Name Reader -Scope rg-web-dev | Select-Object RoleName, Scope, Kind |
                Invoke-PimActivation -Justification x | Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 30 | Out-Null
            $expected = Get-PimEligibleRole -Name Reader -Scope rg-web-dev | ForEach-Object { Format-PimRoleTargetKey $_ }
            Get-NewAssignmentTarget $sandbox $before | Should -Be @($expected)
        }

        It 'resolves a role saved with Export-Clixml to exactly the same role' {
            $file = Join-Path -Path $TestDrive -ChildPath 'role.xml'
            Get-PimEligibleRole -Name Reader -Scope rg-data-prod | Export-Clixml -Path $file
            Import-Clixml -Path $file | Invoke-PimActivation -Justification x | Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 30 | Out-Null
            $expected = Get-PimEligibleRole -Name Reader -Scope rg-data-prod | ForEach-Object { Format-PimRoleTargetKey $_ }
            Get-NewAssignmentTarget $sandbox $before | Should -Be @($expected)
        }

        It 'resolves a role round-tripped through JSON to exactly the same role' {
            $json = Get-PimEligibleRole -Name 'Finance Approvers (member)' | ConvertTo-Json -Depth 5
            $json | ConvertFrom-Json | Invoke-PimActivation -Justification x | Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 30 | Out-Null
            $expected = Get-PimEligibleRole -Name 'Finance Approvers (member)' | ForEach-Object { Format-PimRoleTargetKey $_ }
            Get-NewAssignmentTarget $sandbox $before | Should -Be @($expected)
        }

        It 'refuses an object that carries a name and nothing else' {
            [pscustomobject]@{ RoleName = 'Reader' } |
                Invoke-PimActivation -Justification x -ErrorAction SilentlyContinue -ErrorVariable problems | Out-Null
            $problems.FullyQualifiedErrorId | Should -BeLike 'PimRust.*,Invoke-PimActivation'
            Get-WriteRequestCount $sandbox | Should -Be 0
        }

        It 'refuses unrelated objects clearly instead of binding their Name' {
            Get-Process -Id $PID | Invoke-PimActivation -Justification x -ErrorAction SilentlyContinue -ErrorVariable problems | Out-Null
            @($problems).Count | Should -BeGreaterThan 0
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'PimRust.*,Invoke-PimActivation'
            Get-WriteRequestCount $sandbox | Should -Be 0
        }
    }

    It 'accepts the name shown in the table for a group role' {
        $found = @(Get-PimEligibleRole -Name 'Finance Approvers (member)')
        $found.Count | Should -Be 1
        $found[0].Kind | Should -Be 'Group'
        $found[0].AccessId | Should -Be 'member'
    }

    Context '-Duration is converted at binding' {
        It 'refuses a bare number with a hint, before any request' {
            Invoke-RestMethod -Method Delete -Uri "$($sandbox.Url)/_emulator/requests" | Out-Null
            $thrown = { Invoke-PimActivation -Name 'Global Reader' -Justification x -Duration 2 } | Should -Throw -PassThru
            $thrown.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
            $thrown.Exception.Message | Should -Match '2h'
            @(Get-PimSandboxLog $sandbox).Count | Should -Be 0 -Because 'nothing is listed or sent before binding succeeds'
        }

        It 'refuses <Value>' -TestCases @(@{ Value = '-2h' }, @{ Value = 'soon' }, @{ Value = 'PT' }, @{ Value = '0m' }) {
            { Invoke-PimActivation -Name 'Global Reader' -Justification x -Duration $Value } |
                Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
        }

        It 'accepts <Value> as <Expected>' -TestCases @(
            @{ Value = '1h30m'; Expected = '01:30:00' }
            @{ Value = '90m'; Expected = '01:30:00' }
            @{ Value = 'PT2H'; Expected = '02:00:00' }
            @{ Value = [timespan]'00:45:00'; Expected = '00:45:00' }
        ) {
            $result = Invoke-PimActivation -Name 'Global Reader' -Justification x -Duration $Value
            $result.Duration | Should -Be ([timespan]$Expected)
        }
    }

    It 'makes only -Name positional' {
        foreach ($command in Get-Command -Module PimRust) {
            $positional = @($command.Parameters.Values | Where-Object {
                $_.ParameterSets.Values | Where-Object { $_.Position -ge 0 }
            } | ForEach-Object Name)
            $positional | Where-Object { $_ -ne 'Name' } | Should -BeNullOrEmpty -Because "$($command.Name) must take only -Name by position"
        }
        (Get-Command Invoke-PimDeactivation).Parameters.Keys | Should -Contain 'Name'
    }
}
