#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# The benchmark's parts do what its report says (issue 13): the baselines list and activate against the
# bench scenario, the module lists the same roles, and round trips are counted as sequential waves.
# No timing here: the benchmark itself runs on demand (`cargo xtask bench`), never in the tests.
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    $repoRoot = Split-Path -Path $PSScriptRoot -Parent
    $bench = Join-Path -Path $repoRoot -ChildPath 'tools/bench'
    . (Join-Path -Path $bench -ChildPath 'BenchSupport.ps1')
    $sandbox = Start-PimSandbox -Scenario (Join-Path -Path $repoRoot -ChildPath 'emulator/scenarios/bench.json')
    $signIn = @{
        GraphToken = Get-PimSandboxToken $sandbox graph; ArmToken = Get-PimSandboxToken $sandbox arm
        GraphUrl = "$($sandbox.Url)/graph"; ArmUrl = "$($sandbox.Url)/arm"
    }
    function Get-ServiceRequest {
        @(Get-PimSandboxLog $sandbox | Where-Object { $_.surface -in 'graph', 'arm' })
    }
}

AfterAll {
    Stop-PimSandbox $sandbox
    Remove-Module PimRust -ErrorAction Ignore
}

Describe 'Benchmark baselines' {
    BeforeEach {
        Invoke-RestMethod -Method Delete -Uri "$($sandbox.Url)/_emulator/requests" | Out-Null
    }

    It 'lists the 30 eligibilities with their policies: three listings, then one policy read per role' {
        $roles = @(& (Join-Path -Path $bench -ChildPath 'Baseline-ListEligible.ps1') @signIn)
        $roles.Count | Should -Be 30
        ($roles | Group-Object -Property Kind | ForEach-Object { "$($_.Name)=$($_.Count)" }) -join ' ' |
            Should -Be 'AzureResource=10 DirectoryRole=10 Group=10'
        $roles | Where-Object { $_.MaxDuration -ne 'PT8H' -or -not $_.RequiresJustification -or -not $_.RequiresMfa } |
            Should -BeNullOrEmpty
        $log = Get-ServiceRequest
        $log.Count | Should -Be 33
        @($log | Where-Object { $_.path -like '*roleManagementPolicyAssignments' }).Count | Should -Be 30
    }

    It 'activates named roles of each kind, one request each after their policy reads' {
        $names = 'Bench Role 00', 'Bench Group 00', 'Bench Azure Role 00'
        $done = @(& (Join-Path -Path $bench -ChildPath 'Baseline-Activate.ps1') @signIn -Name $names -Justification bench)
        $done.Name | Should -Be $names
        $done.Status | Should -Be @('Provisioned', 'Provisioned', 'Provisioned')
        $log = Get-ServiceRequest
        $log.Count | Should -Be 9 -Because 'three listings, three policy reads, three activation requests'
        @($log | Where-Object { $_.method -in 'POST', 'PUT' }).Count | Should -Be 3
    }
}

Describe 'What the benchmark compares' {
    It 'the module lists the same 30 roles as the baseline' {
        Import-Module $ManifestPath -Force -ErrorAction Stop
        Connect-Pim -SandboxUrl $sandbox.Url -AccessToken $signIn.GraphToken -ArmAccessToken $signIn.ArmToken | Out-Null
        $module = @(Get-PimEligibleRole | ForEach-Object { "$($_.Kind) $($_.RoleName)" } | Sort-Object)
        $baseline = @(& (Join-Path -Path $bench -ChildPath 'Baseline-ListEligible.ps1') @signIn | ForEach-Object { "$($_.Kind) $($_.Name)" } | Sort-Object)
        $module.Count | Should -Be 30
        $module | Should -Be $baseline
    }

    It 'counts round trips as sequential waves of requests' {
        $at = { param($Ms) @{ time = [datetimeoffset]::FromUnixTimeMilliseconds(1000000 + $Ms).ToString('o') } }
        $sequential = foreach ($end in 100, 201, 305) { & $at $end }
        $concurrent = foreach ($end in 100, 101, 103, 150) { & $at $end }
        $mixed = @($concurrent) + @(foreach ($end in 260, 262, 380) { & $at $end })
        Measure-BenchRoundTrip -Entry $sequential -LatencyMs 100 | Should -Be 3
        Measure-BenchRoundTrip -Entry $concurrent -LatencyMs 100 | Should -Be 1
        Measure-BenchRoundTrip -Entry $mixed -LatencyMs 100 | Should -Be 3
        Measure-BenchRoundTrip -Entry @() -LatencyMs 100 | Should -Be 0
    }
}
