#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module PimRust -ErrorAction Ignore
}

Describe 'Invoke-PimActivation and Wait-PimRequest against the sandbox' {
    BeforeEach {
        $sandbox = Start-PimSandbox
        Connect-PimSandbox $sandbox
    }

    AfterEach {
        Stop-PimSandbox $sandbox
    }

    It 'runs the README pipeline end to end' {
        $done = Get-PimEligibleRole -Kind DirectoryRole -Inactive |
            Where-Object { -not $_.RequiresTicket -and -not $_.RequiresApproval -and -not $_.AuthenticationContext } |
            Select-Object -First 3 |
            Invoke-PimActivation -Justification x |
            Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 60
        @($done).Count | Should -Be 3
        $done | ForEach-Object { $_.PSTypeNames[0] | Should -Be 'PimRust.ActivationRequest' }
        $done.Status | Sort-Object -Unique | Should -Be 'Activated'
        (Get-PimActiveRole -Kind DirectoryRole).RoleName | Should -Contain $done[0].RoleName
    }

    It 'activates exactly the roles picked in Out-GridView, through the README pipeline' {
        # Out-GridView does not exist on Linux: a double that passes the user's pick through, as
        # Out-GridView -PassThru does after the user selects rows.
        $picked = @('Global Reader', 'Finance Approvers (member)', 'Contributor')
        function Out-GridView {
            param([switch] $PassThru, [Parameter(ValueFromPipeline)] [psobject] $InputObject)
            process {
                if ($PassThru -and "$($InputObject.RoleName)$(if ($InputObject.AccessId) { " ($($InputObject.AccessId))" })" -in $picked) {
                    $InputObject
                }
            }
        }
        $expected = @(Get-PimEligibleRole | Out-GridView -PassThru)
        $expected.Count | Should -Be 3
        $before = @((Invoke-RestMethod -Uri "$($sandbox.Url)/_emulator/state").assignments.instanceId)

        $done = Get-PimEligibleRole | Out-GridView -PassThru | Invoke-PimActivation -Justification x | Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 60

        @($done).Count | Should -Be 3
        $done.Status | Sort-Object -Unique | Should -Be 'Activated'
        $added = @((Invoke-RestMethod -Uri "$($sandbox.Url)/_emulator/state").assignments | Where-Object instanceId -NotIn $before)
        @($added.target | ForEach-Object { Format-PimSandboxTarget $_ } | Sort-Object) |
            Should -Be @($expected | ForEach-Object { Format-PimRoleTargetKey $_ } | Sort-Object)
    }

    It 'makes no request under -WhatIf' {
        Invoke-RestMethod -Method Delete -Uri "$($sandbox.Url)/_emulator/requests" | Out-Null
        Get-PimEligibleRole -Name 'Global Reader' | Invoke-PimActivation -Justification x -WhatIf
        @(Get-PimSandboxLog $sandbox | Where-Object { $_.method -in 'POST', 'PUT' -and $_.path -like '*ScheduleRequests*' }).Count | Should -Be 0
    }

    It 'sends only validation requests with -Validate' {
        $validated = Get-PimEligibleRole -Name 'Global Reader', 'Contributor' | Invoke-PimActivation -Justification x -Validate
        $validated.Status | Sort-Object -Unique | Should -Be 'Validated'
        (Get-PimEligibleRole -Name 'Global Reader').Status | Should -Be 'Eligible'
    }

    It 'reports policy failures per role as non-terminating errors and continues' {
        $results = Get-PimEligibleRole -Name 'Privileged Role Administrator', 'Global Reader' |
            Invoke-PimActivation -Justification x -ErrorVariable problems -ErrorAction SilentlyContinue
        ($results | Where-Object RoleName -EQ 'Privileged Role Administrator').Status | Should -Be 'Failed'
        ($results | Where-Object RoleName -EQ 'Global Reader').Status | Should -BeIn 'Activated', 'PendingProvisioning'
        $problems.FullyQualifiedErrorId | Should -Contain 'PimRust.PolicyViolation.TicketRequired,Invoke-PimActivation'
    }

    It 'names the maximum when the duration is too long, and clamps under -Duration Max' {
        $tooLong = Get-PimEligibleRole -Name 'User Administrator' | Invoke-PimActivation -Justification x -Duration '08:00:00' -ErrorAction SilentlyContinue -ErrorVariable problems
        $tooLong.ErrorMessage | Should -BeExactly 'The role may be active for at most 4h; 8h was requested'
        $problems[0].ErrorDetails.RecommendedAction | Should -BeExactly 'Use -Duration Max, or a shorter -Duration.' -Because 'the module, not the core, names its parameters'
        $max = Get-PimEligibleRole -Name 'User Administrator' | Invoke-PimActivation -Justification x -Duration Max
        $max.Duration | Should -Be ([timespan]::FromHours(4))
    }

    It 'waits for an approval-gated role and a provisioning role in one batch' {
        $done = Get-PimEligibleRole -Name 'Security Administrator', 'Finance Approvers' |
            Invoke-PimActivation -Justification 'approval demo' -Wait -TimeoutSec 60
        $done.Status | Sort-Object -Unique | Should -Be 'Activated'
    }

    It 'reports AlreadyActive instead of an error storm' {
        $again = Get-PimEligibleRole -Name 'Reports Reader' | Invoke-PimActivation -Justification x
        $again.Status | Should -Be 'AlreadyActive'
    }

    It 'stops waiting at once on Ctrl+C and leaves no native op running' {
        $shell = New-PimSandboxShell $sandbox
        try {
            $hang = '{"rules":[{"pathPrefix":"/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser","latencyMs":60000}]}'
            Invoke-RestMethod -Method Put -Uri "$($sandbox.Url)/_emulator/faults" -ContentType 'application/json' -Body $hang | Out-Null
            $null = $shell.AddScript("Get-PimEligibleRole -Name 'Security Administrator' | Invoke-PimActivation -Justification x | Wait-PimRequest")
            $async = (Start-PimShellCommand $shell).Handle
            Start-Sleep -Seconds 3
            $async.IsCompleted | Should -BeFalse
            $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $stopwatch.ElapsedMilliseconds | Should -BeLessThan 1000
            $shell.Commands.Clear()
            $null = $shell.AddScript('$s = [PimRust.Commands.ModuleSession]::Current; "$($s.LiveOperations)/$($s.RunningOperations)"')
            ($shell.Invoke() | Select-Object -Last 1) | Should -Be '0/0'
        }
        finally {
            $shell.Dispose()
        }
    }
}
