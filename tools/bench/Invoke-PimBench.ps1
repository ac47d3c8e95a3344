#Requires -Version 7.4
<#
.SYNOPSIS
The benchmark of PimRust as users run it: whole pwsh processes against the sandbox with injected
latency, each measure against a plain Invoke-RestMethod baseline in alternating pairs.

.DESCRIPTION
Measures, each a median over alternating pairs with the ratio taken within each pair (so a busy
machine slows both sides alike):

  1. Import-Module PimRust vs a bare `pwsh -NoProfile -Command '$null'` (whole process).
  2. First call: import + Get-PimContext vs import alone (whole process).
  3. Listing 30 eligibilities (10 directory roles, 10 groups, 10 Azure resource roles) with their
     policies: from a cold pwsh (whole process: start, import, connect, list), and once more in the
     same (warm) session (timed inside the process).
  4. Activating 1, 5 and 20 roles (a mix of the three kinds) by name from a fresh pwsh.

The baselines are the checked-in scripts beside this one (Baseline-ListEligible.ps1,
Baseline-Activate.ps1): sequential Invoke-RestMethod, one policy read per role, one activation
request per role. Both sides run against the same emulator (emulator/scenarios/bench.json) with
-LatencyMs on every Graph and ARM request, and sign in with the same emulator-minted tokens. Before
each activation run the emulator clock moves 2 h on, so the previous activations (1 h) have expired.

For each measure the report gives the medians, the median ratio, the Graph/ARM requests of each side
from the emulator's request log, the round trips (sequential waves of requests in that log), and the
peak RSS of each side's pwsh (GNU time; n/a without /usr/bin/time). Then the size of the native
library, as shipped and stripped.

.PARAMETER Pairs
Measured pairs per measure (after one warm-up pair). The default takes 7 to 9 minutes on a
2-core machine loaded by other builds (-Quick about 2).

.PARAMETER Quick
A smoke run: one pair per measure, no warm-up pair.

.EXAMPLE
./tools/bench/Invoke-PimBench.ps1 -ModuleRoot out/PimRust/0.1.0 -Emulator target/release/pimrust-emulator

.EXAMPLE
./tools/bench/Invoke-PimBench.ps1 -ModuleRoot out/PimRust/0.1.0 -Emulator target/release/pimrust-emulator -Quick
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $Emulator,
    [ValidateRange(1, 101)] [int] $Pairs = 4,
    [switch] $Quick,
    [ValidateRange(0, 10000)] [int] $LatencyMs = 100,
    [string] $Pwsh = $(if ($env:PIMRUST_PWSH) { $env:PIMRUST_PWSH } else { (Get-Command -Name pwsh -CommandType Application | Select-Object -First 1).Source })
)

$ErrorActionPreference = 'Stop'
. (Join-Path -Path $PSScriptRoot -ChildPath 'BenchSupport.ps1')

$manifest = (Resolve-Path -Path (Join-Path -Path $ModuleRoot -ChildPath 'PimRust.psd1')).Path
$scenario = (Resolve-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath '../../emulator/scenarios/bench.json')).Path
$listScript = Join-Path -Path $PSScriptRoot -ChildPath 'Baseline-ListEligible.ps1'
$activateScript = Join-Path -Path $PSScriptRoot -ChildPath 'Baseline-Activate.ps1'
if ($Quick) { $Pairs = 1 }
$timeCommand = if (Test-Path -Path '/usr/bin/time') { '/usr/bin/time' } else { $null }

# The roles activated: directory role, group, Azure role, directory role, ... (7 / 7 / 6 of 20).
$names = foreach ($i in 0..9) { 'Bench Role {0:d2}' -f $i; 'Bench Group {0:d2}' -f $i; 'Bench Azure Role {0:d2}' -f $i }

# Children sign in with tokens; keep any sign-in they make out of the user's cache, and the caller's
# endpoint settings out of the children.
$cacheDir = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath "pimrust-bench-$PID"
$saved = @{}
foreach ($variable in 'PIMRUST_TOKEN_CACHE_DIR', 'PIMRUST_SANDBOX_URL', 'PIMRUST_AUTHORITY_URL', 'PIMRUST_GRAPH_URL', 'PIMRUST_ARM_URL', 'PIMRUST_LOG') {
    $saved[$variable] = [Environment]::GetEnvironmentVariable($variable)
    [Environment]::SetEnvironmentVariable($variable, $null)
}
$env:PIMRUST_TOKEN_CACHE_DIR = $cacheDir

$sandbox = Start-PimEmulatorProcess -Emulator $Emulator -Scenario $scenario
try {
    $url = $sandbox.Url
    if ($LatencyMs -gt 0) {
        $rule = @{ id = 'bench-latency'; pathRegex = '^/(graph|arm)/'; latencyMs = $LatencyMs }
        Invoke-BenchControl -Url $url -Path 'faults' -Method Put -Body @{ rules = @($rule) } | Out-Null
    }
    $script:graphToken = Get-BenchToken -Url $url -Resource graph
    $script:armToken = Get-BenchToken -Url $url -Resource arm
    # Fresh tokens before every run; before an activation run also 2 h on the clock: the last activations
    # (1 h) have expired and every role is eligible again.
    $fresh = {
        $script:graphToken = Get-BenchToken -Url $url -Resource graph
        $script:armToken = Get-BenchToken -Url $url -Resource arm
    }
    $expire = {
        Invoke-BenchControl -Url $url -Path 'clock/advance' -Method Post -Body @{ seconds = 7200 } | Out-Null
        & $fresh
    }
    $import = "Import-Module '$manifest'"
    $connect = { "$import; Connect-Pim -SandboxUrl '$url' -AccessToken '$script:graphToken' -ArmAccessToken '$script:armToken' | Out-Null" }
    $tokens = { "-GraphToken '$script:graphToken' -ArmToken '$script:armToken' -GraphUrl '$url/graph' -ArmUrl '$url/arm'" }
    $listCheck = "if (`$r.Count -ne 30 -or @(`$r | Where-Object { -not `$_.MaxDuration }).Count) { throw ""listed `$(`$r.Count) roles, not 30 with policies"" }"
    $clearLog = "Invoke-RestMethod -Method Delete -Uri '$url/_emulator/requests' | Out-Null"
    $timed = { param($Command) "$clearLog; `$clock = [Diagnostics.Stopwatch]::StartNew(); $Command; `$ms = `$clock.Elapsed.TotalMilliseconds; $listCheck; ""BENCH_MS=`$ms""" }
    $activateCheck = {
        param($Count)
        "if (@(`$r | Where-Object Status -EQ 'Activated').Count + @(`$r | Where-Object Status -EQ 'Provisioned').Count -ne $Count) { throw (`$r | Out-String) }"
    }
    $quoted = { param($Count) ($names[0..($Count - 1)] | ForEach-Object { "'$_'" }) -join ',' }

    $common = @{ Count = $Pairs; NoWarmup = $Quick }
    $run = @{ Shell = $Pwsh; LatencyMs = $LatencyMs; TimeCommand = $timeCommand }
    $sandboxRun = $run + @{ Url = $url }
    $results = @(
        Measure-BenchPair @common -Run $run -Name 'Import-Module vs bare pwsh' -Measured { $import } -Baseline { '$null' }
        Measure-BenchPair @common -Run $run -Name 'first Get-PimContext vs import alone' -Measured {
            "$import; Get-PimContext | Out-Null"
        } -Baseline { $import }
        Measure-BenchPair @common -Run $sandboxRun -Before $fresh -Name 'list 30 with policies, cold pwsh' -Measured {
            "$(& $connect); `$r = @(Get-PimEligibleRole); $listCheck"
        } -Baseline {
            "`$r = @(& '$listScript' $(& $tokens)); $listCheck"
        }
        Measure-BenchPair @common -Run $sandboxRun -Before $fresh -Name 'list 30 with policies, warm session' -Measured {
            "$(& $connect); `$null = Get-PimEligibleRole; $(& $timed '$r = @(Get-PimEligibleRole)')"
        } -Baseline {
            "`$null = & '$listScript' $(& $tokens); $(& $timed "`$r = @(& '$listScript' $(& $tokens))")"
        }
        foreach ($roleCount in 1, 5, 20) {
            Measure-BenchPair @common -Run $sandboxRun -Before $expire -Name "activate $roleCount, fresh pwsh" -Measured {
                "$(& $connect); `$r = @(Invoke-PimActivation -Name $(& $quoted $roleCount) -Justification bench -InformationAction Ignore); $(& $activateCheck $roleCount)"
            } -Baseline {
                "`$r = @(& '$activateScript' $(& $tokens) -Name $(& $quoted $roleCount) -Justification bench); $(& $activateCheck $roleCount)"
            }
        }
    )
}
finally {
    $sandbox.Process.Kill()
    $sandbox.Process.WaitForExit(5000) | Out-Null
    Remove-Item -Path $cacheDir -Recurse -Force -ErrorAction Ignore
    foreach ($variable in $saved.Keys) {
        [Environment]::SetEnvironmentVariable($variable, $saved[$variable])
    }
}

$pwshVersion = & $Pwsh -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()'
$pairsNote = if ($Quick) { 'quick run: 1 pair, no warm-up' } else { "$Pairs pairs after 1 warm-up pair" }
''
"PimRust benchmark: pwsh $pwshVersion, $LatencyMs ms injected latency per Graph/ARM request, $pairsNote"
"(times are medians; the ratio is PimRust / baseline, the median of the per-pair ratios)"
''
Format-BenchReport -Result $results -LatencyMs $LatencyMs
''
$native = Get-BenchNativeSize -ModuleRoot $ModuleRoot
if ($native.Path) {
    $strippedText = if ($null -ne $native.StrippedBytes) { '{0:N0} bytes ({1:0.0} MiB)' -f $native.StrippedBytes, ($native.StrippedBytes / 1MB) } else { 'n/a (no strip)' }
    'native library {0}: {1:N0} bytes ({2:0.0} MiB) as shipped, stripped: {3}' -f (Split-Path -Path $native.Path -Leaf), $native.Bytes, ($native.Bytes / 1MB), $strippedText
}
if (-not $timeCommand) {
    'peak RSS: n/a (no /usr/bin/time on this machine)'
}
