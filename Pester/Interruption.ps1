# Ctrl+C at any moment (issue 14, R4): one run starts a command in a runspace, stops it after a random delay
# the way Ctrl+C does (PowerShell.Stop()), and reports how long Stop() took and what the stop left behind.
# Dot-sourced by Interrupt.Tests.ps1 after Common.ps1 and Sandbox.ps1.

# The roles an interrupted activation asks for: two that provision, one approval-gated, one Azure role.
$script:InterruptRoles = 'Global Reader', 'Security Administrator', 'Finance Approvers', 'Contributor'

# How far into each command a stop may fall: its usual run under the injected latency (measured here:
# sign-in 1.3-1.8 s, listing 0.7-0.8 s, activation 1.1 s; the wait never ends on its own).
$script:InterruptDelayMs = @{
    'Connect-Pim' = 1800; 'Get-PimEligibleRole' = 900; 'Invoke-PimActivation' = 1200; 'Wait-PimRequest' = 2500
}

function New-InterruptScenario {
    # The demo tenant with device codes approved at once and polled every second; returns the file.
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test fixture: writes a scenario file that the test owns.')]
    param()
    $scenario = Get-Content -Raw (Join-Path $PSScriptRoot '../emulator/scenarios/demo.json') | ConvertFrom-Json
    $scenario.settings.deviceCodeIntervalSec = 1
    $scenario.settings.deviceCodeAutoApproveAfterSec = 0
    $path = Join-Path ([IO.Path]::GetTempPath()) "pimrust-interrupt-scenario-$([guid]::NewGuid()).json"
    $scenario | ConvertTo-Json -Depth 32 | Set-Content -Path $path
    $path
}

function Set-InterruptLatency {
    # 100-400 ms on every sign-in, Graph and ARM request, so that a stop can land inside any of them.
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test fixture: sets the latency of a sandbox that the test owns.')]
    param($Sandbox, [int] $Seed)
    $rules = foreach ($surface in 'login', 'graph', 'arm') { @{ surface = $surface; latencyMs = 100; jitterMs = 300 } }
    $body = @{ seed = $Seed; rules = @($rules) } | ConvertTo-Json -Depth 4
    Invoke-RestMethod -Method Put -Uri "$($Sandbox.Url)/_emulator/faults" -ContentType 'application/json' -Body $body | Out-Null
}

function Invoke-InShell {
    # Runs $Script in the runspace of $Shell and returns its output; the errors stay in $Shell.Streams.
    param([Parameter(Mandatory)] [powershell] $Shell, [Parameter(Mandatory)] [string] $Script)
    $Shell.Commands.Clear()
    $null = $Shell.AddScript($Script)
    $output = $Shell.Invoke()
    $Shell.Commands.Clear()
    $output
}

function Connect-InterruptShell {
    # Signs the runspace in to this run's sandbox with minted tokens (passed as parameters, never as text).
    param([powershell] $Shell, $Sandbox)
    $Shell.Commands.Clear()
    $null = $Shell.AddCommand('Connect-Pim').AddParameter('SandboxUrl', $Sandbox.Url).
    AddParameter('AccessToken', (Get-PimSandboxToken $Sandbox graph)).AddParameter('ArmAccessToken', (Get-PimSandboxToken $Sandbox arm)).
    AddCommand('Out-Null')
    $null = $Shell.Invoke()
    $Shell.Commands.Clear()
}

function Get-InterruptLiveOperation {
    # Native ops of the runspace's client still alive after $WithinMs (the module's own count, read
    # through pim_client_info): 0 when the stop cancelled everything it started.
    param([powershell] $Shell, [int] $WithinMs = 1000)
    $count = '$s = [PimRust.Commands.ModuleSession]::Current; if ($s) { $s.LiveOperations } else { 0 }'
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    do {
        $live = [int](Invoke-InShell $Shell $count | Select-Object -Last 1)
        if ($live -eq 0) { return 0 }
        Start-Sleep -Milliseconds 50
    } while ($clock.ElapsedMilliseconds -lt $WithinMs)
    $live
}

function Test-InterruptedConnect {
    # After a stopped sign-in the runspace is signed in completely (account, Graph token, a listing that
    # works) or not at all. Returns whether it is signed in, and the problems found.
    param([powershell] $Shell)
    $context = Invoke-InShell $Shell 'Get-PimContext' | Select-Object -Last 1
    $found = [pscustomobject]@{ Connected = [bool]$context.Connected; Problems = @() }
    if (-not $context.Connected) {
        if ($context.Account -or @($context.Tokens).Count) { $found.Problems = @("not connected, yet the context has an account or tokens: $context") }
        return $found
    }
    if (-not $context.Account -or -not (@($context.Tokens).Resource -contains 'Microsoft Graph')) {
        $found.Problems = @("half connected: account '$($context.Account)', tokens '$(@($context.Tokens).Resource -join ', ')'")
        return $found
    }
    $Shell.Streams.ClearStreams()
    $roles = @(Invoke-InShell $Shell 'Get-PimEligibleRole -Kind DirectoryRole')
    if ($Shell.HadErrors -or $roles.Count -eq 0) { $found.Problems = @("connected, but the next listing failed: $($Shell.Streams.Error -join '; ')") }
    $found
}

function Test-InterruptedActivation {
    # Every request the sandbox received is in what the command wrote before the stop, or shown pending or
    # active by a fresh listing. Returns how many were sent, reported and found only by the listing, and
    # one problem per request that is in neither.
    param([powershell] $Shell, $Sandbox, $Output)
    # A request sent just before the stop is still sleeping in the sandbox's latency: let it land first.
    Start-Sleep -Milliseconds 600
    Invoke-RestMethod -Method Delete -Uri "$($Sandbox.Url)/_emulator/faults" | Out-Null
    $requests = @((Invoke-RestMethod -Uri "$($Sandbox.Url)/_emulator/state").requests)
    $reported = @($Output | ForEach-Object { ($_.RequestId -split '/')[-1] })
    $Shell.Streams.ClearStreams()
    $listed = @{}
    foreach ($role in Invoke-InShell $Shell 'Get-PimEligibleRole') { $listed[(Format-PimRoleTargetKey $role)] = $role.Status }
    $found = [pscustomobject]@{ Sent = $requests.Count; Reported = 0; Listed = 0; Problems = @() }
    $problems = foreach ($request in $requests) {
        $key = Format-PimSandboxTarget $request.target
        if ($request.id -in $reported) { $found.Reported++ }
        elseif ($listed[$key] -in 'Active', 'PendingActivation') { $found.Listed++ }
        else { "request $($request.id) ($key) was sent but is neither reported nor listed (listed as '$($listed[$key])')" }
    }
    $found.Problems = @($problems)
    $found
}

function Add-InterruptCommand {
    # Prepares the run's command in $Shell (a Wait-PimRequest run first activates what it will wait for).
    param([powershell] $Shell, $Sandbox, [string] $Command)
    switch ($Command) {
        'Connect-Pim' {
            $null = Invoke-InShell $Shell 'Disconnect-Pim | Out-Null'
            $null = $Shell.AddCommand('Connect-Pim').AddParameter('SandboxUrl', $Sandbox.Url).AddParameter('UseDeviceCode').AddParameter('Force')
        }
        'Get-PimEligibleRole' { $null = $Shell.AddCommand('Get-PimEligibleRole') }
        'Invoke-PimActivation' {
            $null = $Shell.AddCommand('Invoke-PimActivation').AddParameter('Name', $script:InterruptRoles).AddParameter('Justification', 'R4')
        }
        'Wait-PimRequest' {
            # One request that provisions while the wait runs, and one that waits for an approval that never comes.
            $pending = Invoke-InShell $Shell "Invoke-PimActivation -Name 'Security Administrator', 'Contributor' -Justification R4"
            $null = $Shell.AddCommand('Wait-PimRequest').AddParameter('InputObject', $pending).AddParameter('IntervalSec', 0.5).AddParameter('TimeoutSec', 60)
        }
    }
}

function Invoke-InterruptRun {
    # One run against a sandbox of its own: $Command in the signed-in $Shell, stopped after $DelayMs.
    param([powershell] $Shell, [string] $Scenario, [string] $Command, [int] $DelayMs, [int] $Seed)
    $sandbox = Start-PimSandbox -Scenario $Scenario
    try {
        $Shell.Streams.ClearStreams()
        Connect-InterruptShell $Shell $sandbox
        Add-InterruptCommand -Shell $Shell -Sandbox $sandbox -Command $Command
        Set-InterruptLatency $sandbox $Seed
        $running = Start-PimShellCommand $Shell
        Start-Sleep -Milliseconds $DelayMs
        $finished = $running.Handle.IsCompleted
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $Shell.Stop()
        $stopMs = $clock.ElapsedMilliseconds
        $problems = [System.Collections.Generic.List[string]]::new()
        if (-not $running.Handle.AsyncWaitHandle.WaitOne(0)) { $problems.Add('the command was still running after Stop() returned') }
        $output = @($running.Output)
        $live = Get-InterruptLiveOperation $Shell
        $checked = switch ($Command) {
            'Connect-Pim' { Test-InterruptedConnect $Shell }
            'Invoke-PimActivation' { Test-InterruptedActivation -Shell $Shell -Sandbox $sandbox -Output $output }
            default { [pscustomobject]@{ Problems = @() } }
        }
        foreach ($problem in $checked.Problems) { $problems.Add($problem) }
        [pscustomobject]@{
            Command = $Command; DelayMs = $DelayMs; StopMs = $stopMs; Finished = $finished; LiveOps = $live; Problems = @($problems)
            Connected = $checked.PSObject.Properties['Connected'] -and $checked.Connected
            Sent = if ($checked.PSObject.Properties['Sent']) { $checked.Sent } else { 0 }
            Reported = if ($checked.PSObject.Properties['Reported']) { $checked.Reported } else { 0 }
            Listed = if ($checked.PSObject.Properties['Listed']) { $checked.Listed } else { 0 }
        }
    }
    finally {
        $Shell.Commands.Clear()
        Stop-PimSandbox $sandbox
    }
}

function Format-InterruptFigure {
    # The figures line: runs per command (and how many had finished before their stop), max return time,
    # orphan ops, how stopped sign-ins ended, and where every sent activation request was found.
    param([object[]] $Result, [int] $Seed)
    $perCommand = foreach ($group in $Result | Group-Object -Property Command) {
        "$($group.Name) $($group.Count) ($(@($group.Group | Where-Object Finished).Count) done first)"
    }
    $maxMs = ($Result | Measure-Object -Property StopMs -Maximum).Maximum
    $orphans = ($Result | Measure-Object -Property LiveOps -Sum).Sum
    $finished = @($Result | Where-Object Finished).Count
    $connects = @($Result | Where-Object Command -EQ 'Connect-Pim')
    $signedIn = @($connects | Where-Object Connected).Count
    $sum = { param($Property) [int]($Result | Measure-Object -Property $Property -Sum).Sum }
    "interrupt: $($Result.Count) runs ($($perCommand -join ', ')), $finished finished before the stop, max return $maxMs ms, orphan ops $orphans; " +
    "stopped sign-ins: $signedIn complete, $($connects.Count - $signedIn) none; activation requests sent $(& $sum Sent): " +
    "$(& $sum Reported) reported, $(& $sum Listed) found by the next listing; seed $Seed"
}
