#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Waiting tells the truth (issue 11, items 8, 9).
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll/BeforeEach variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module PimRust -ErrorAction Ignore
}

Describe 'Wait-PimRequest' {
    BeforeEach {
        $sandbox = Start-PimSandbox
        Connect-PimSandbox $sandbox
    }

    AfterEach {
        Stop-PimSandbox $sandbox
    }

    It 'reports an activation that starts later as Scheduled, and does not wait for it' {
        $scheduled = Get-PimEligibleRole -Name 'Global Reader' | Invoke-PimActivation -Justification x -StartAt (Get-Date).AddHours(2)
        $scheduled.Status | Should -Be 'Scheduled'
        $waited = $scheduled | Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 30
        $waited.Status | Should -Be 'Scheduled'
    }

    It 'emits each request as soon as it is final' {
        $arrivals = [System.Collections.Generic.List[psobject]]::new()
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Get-PimEligibleRole -Name 'Security Administrator', 'Global Reader' |
            Invoke-PimActivation -Justification x |
            Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 60 |
            ForEach-Object { $arrivals.Add([pscustomobject]@{ Role = $_.RoleName; At = $clock.Elapsed.TotalSeconds; Status = $_.Status }) }
        $arrivals.Role | Should -Be @('Global Reader', 'Security Administrator') -Because 'the provisioning role finishes before the approval-gated one'
        $arrivals.Status | Sort-Object -Unique | Should -Be 'Activated'
        ($arrivals[1].At - $arrivals[0].At) | Should -BeGreaterThan 1 -Because 'the first result is not held back until the last one'
    }

    It 'fails fast on a request id that does not exist' {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Wait-PimRequest -RequestId ([guid]::NewGuid().Guid) -Kind DirectoryRole -IntervalSec 0.5 -TimeoutSec 60 -ErrorAction SilentlyContinue -ErrorVariable problems | Out-Null
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'an unknown id is not waited out to the timeout'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PimRust.*NotFound*,Wait-PimRequest'
    }

    It 'shows a denied request without an end time' {
        $pending = Get-PimEligibleRole -Name 'Security Administrator' | Invoke-PimActivation -Justification x
        $pending.Status | Should -Be 'PendingApproval'
        Invoke-RestMethod -Method Post -Uri "$($sandbox.Url)/_emulator/approvals/$($pending.RequestId)" -ContentType 'application/json' -Body '{"decision":"Deny"}' | Out-Null
        $denied = $pending | Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 30 -ErrorAction SilentlyContinue -ErrorVariable problems
        $denied.Status | Should -Be 'Failed'
        $denied.End | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PimRust.*,Wait-PimRequest'
    }

    It 'names a service outage as such' {
        $pending = Get-PimEligibleRole -Name 'Security Administrator' | Invoke-PimActivation -Justification x
        $rules = '{"rules":[{"pathPrefix":"/graph/v1.0/roleManagement","status":503}]}'
        Invoke-RestMethod -Method Put -Uri "$($sandbox.Url)/_emulator/faults" -ContentType 'application/json' -Body $rules | Out-Null
        $pending | Wait-PimRequest -IntervalSec 0.5 -TimeoutSec 20 -ErrorAction SilentlyContinue -ErrorVariable problems | Out-Null
        ($problems | ForEach-Object { $_.Exception.Message }) -join "`n" | Should -Match 'unavailable|503'
    }

    It 'has the finished results out and names what was pending when stopped' {
        $requests = Get-PimEligibleRole -Name 'Contributor', 'Security Administrator' | Invoke-PimActivation -Justification x
        $hang = '{"rules":[{"pathPrefix":"/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests","latencyMs":60000}]}'
        Invoke-RestMethod -Method Put -Uri "$($sandbox.Url)/_emulator/faults" -ContentType 'application/json' -Body $hang | Out-Null
        $shell = New-PimSandboxShell $sandbox
        try {
            $shell.AddCommand('Wait-PimRequest').AddParameter('InputObject', $requests).AddParameter('IntervalSec', 0.5).AddParameter('TimeoutSec', 120) | Out-Null
            $running = Start-PimShellCommand $shell
            $output = $running.Output
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            while ($output.Count -eq 0 -and $clock.Elapsed.TotalSeconds -lt 20) { Start-Sleep -Milliseconds 100 }
            $shell.Stop()
            $running.Handle.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue -Because 'Ctrl+C stops the wait at once'
            $output.RoleName | Should -Be 'Contributor' -Because 'a hung poll of directory requests does not hold back the Azure result'
            $output.Status | Should -Be 'Activated'
            $warning = $shell.Streams.Warning.Message -join "`n"
            $warning | Should -Match 'Still pending in PIM: Security Administrator'
            $warning | Should -Not -Match 'Contributor'
        }
        finally {
            $shell.Dispose()
        }
    }

    It 'cancels what was pending when stopped with -CancelOnStop, and says so' {
        $pending = Get-PimEligibleRole -Name 'Security Administrator' | Invoke-PimActivation -Justification x
        $pending.Status | Should -Be 'PendingApproval'
        $shell = New-PimSandboxShell $sandbox
        try {
            $shell.AddCommand('Wait-PimRequest').AddParameter('InputObject', $pending).AddParameter('IntervalSec', 0.5).AddParameter('TimeoutSec', 120).
            AddParameter('CancelOnStop') | Out-Null
            $polls = { @(Get-PimSandboxLog $sandbox | Where-Object { $_.method -eq 'GET' -and $_.path -like '*roleAssignmentScheduleRequests*' }).Count }
            $before = & $polls
            $running = Start-PimShellCommand $shell
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            # Stopped once the wait has polled twice, i.e. while it is really waiting.
            while ((& $polls) -lt $before + 2 -and $clock.Elapsed.TotalSeconds -lt 20) {
                Start-Sleep -Milliseconds 100
            }
            (& $polls) | Should -BeGreaterOrEqual ($before + 2) -Because 'the wait was polling when it was stopped'
            $shell.Stop()
            $running.Handle.AsyncWaitHandle.WaitOne(15000) | Should -BeTrue
            ($shell.Streams.Warning.Message -join "`n") | Should -BeExactly 'Stopped waiting. Cancelled: Security Administrator.'
            $request = (Invoke-RestMethod -Uri "$($sandbox.Url)/_emulator/state").requests | Where-Object id -EQ $pending.RequestId
            $request.status | Should -Be 'Canceled' -Because 'the service was told, not only the user'
        }
        finally {
            $shell.Dispose()
        }
    }

    It 'points its errors at the command the user typed' {
        $pending = Get-PimEligibleRole -Name 'Security Administrator' | Invoke-PimActivation -Justification x -Wait -TimeoutSec 1 -ErrorAction SilentlyContinue -ErrorVariable problems
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PimRust.Timeout*,Invoke-PimActivation'
        $problems[0].InvocationInfo.MyCommand.Name | Should -Be 'Invoke-PimActivation'
        $problems[0].InvocationInfo.ScriptName | Should -Be $PSCommandPath -Because 'the error points to the line in this file, not inside the module'
        $pending.Status | Should -Be 'PendingApproval'
    }
}
