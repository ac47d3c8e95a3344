#Requires -Version 7.4
<#
.SYNOPSIS
What a user pays for PimRust in a fresh pwsh: import, first call, and activating one role against
the sandbox, each against its baseline in alternating pairs (median of the per-pair ratios).

.DESCRIPTION
Every sample is a whole new pwsh process (wall time). The pairs alternate the two sides so that a
busy machine slows both alike. The activation pair compares Invoke-PimActivation with a plain
Invoke-RestMethod script that sends the same single Graph request with a token it already has.

.EXAMPLE
./tools/Measure-PimStartup.ps1 -ModuleRoot out/PimRust/0.1.0 -Emulator target/release/pimrust-emulator
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $Emulator,
    [ValidateRange(3, 101)] [int] $Pairs = 15,
    [string] $Pwsh = $(if ($env:PIMRUST_PWSH) { $env:PIMRUST_PWSH } else { (Get-Command -Name pwsh -CommandType Application | Select-Object -First 1).Source })
)

$ErrorActionPreference = 'Stop'
$manifest = (Resolve-Path -Path (Join-Path -Path $ModuleRoot -ChildPath 'PimRust.psd1')).Path

function Measure-Script {
    # Wall time of one fresh pwsh running the script, in milliseconds; fails on a non-zero exit.
    param([Parameter(Mandatory)] [string] $Shell, [Parameter(Mandatory)] [string] $Script)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $output = & $Shell -NoProfile -NonInteractive -Command $Script 2>&1
    $elapsed = $clock.Elapsed.TotalMilliseconds
    if ($LASTEXITCODE -ne 0) {
        throw "pwsh failed ($LASTEXITCODE): $($output -join "`n")"
    }
    $elapsed
}

function Get-Median {
    param([Parameter(Mandatory)] [double[]] $Value)
    $sorted = $Value | Sort-Object
    $middle = [math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Measure-Pair {
    # Alternating runs of a measured script and its baseline: medians of each and of the ratio. The
    # script blocks make each run's script; -Before runs untimed ahead of every run.
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [scriptblock] $Measured,
        [Parameter(Mandatory)] [scriptblock] $Baseline,
        [scriptblock] $Before = {},
        [Parameter(Mandatory)] [string] $Shell,
        [Parameter(Mandatory)] [int] $Count
    )
    $samples = foreach ($pair in 0..$Count) {
        $times = @{}
        # The measured side goes first in odd pairs, second in even ones; pair 0 only warms up.
        foreach ($side in $(if ($pair % 2) { 'Measured', 'Baseline' } else { 'Baseline', 'Measured' })) {
            & $Before
            $make = if ($side -eq 'Measured') { $Measured } else { $Baseline }
            $times[$side] = Measure-Script -Shell $Shell -Script (& $make)
        }
        if ($pair) { [pscustomobject]$times }
    }
    [pscustomobject]@{
        Measure    = $Name
        MeasuredMs = [math]::Round((Get-Median -Value $samples.Measured), 0)
        BaselineMs = [math]::Round((Get-Median -Value $samples.Baseline), 0)
        Ratio      = [math]::Round((Get-Median -Value ($samples | ForEach-Object { $_.Measured / $_.Baseline })), 2)
    }
}

$start = [System.Diagnostics.ProcessStartInfo]::new($Emulator, @('--scenario', 'demo', '--port', '0'))
$start.RedirectStandardOutput = $true
$start.UseShellExecute = $false
$sandbox = [System.Diagnostics.Process]::Start($start)
try {
    $url = $sandbox.StandardOutput.ReadLine().Trim()
    $token = {
        param($Resource)
        (Invoke-RestMethod -Method Post -Uri "$url/_emulator/tokens" -Body (@{ resource = $Resource } | ConvertTo-Json) -ContentType 'application/json').access_token
    }
    $graphToken = & $token graph
    $eligible = Invoke-RestMethod -Uri "$url/graph/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')?`$expand=roleDefinition" -Headers @{ Authorization = "Bearer $graphToken" }
    $reader = $eligible.value | Where-Object { $_.roleDefinition.displayName -eq 'Global Reader' } | Select-Object -First 1
    $body = @{
        action = 'selfActivate'; principalId = $reader.principalId; roleDefinitionId = $reader.roleDefinitionId
        directoryScopeId = $reader.directoryScopeId; justification = 'measure'
        scheduleInfo = @{ expiration = @{ type = 'afterDuration'; duration = 'PT1H' } }
    } | ConvertTo-Json -Compress -Depth 5
    # Each activation run starts with Global Reader eligible again: the last activation has expired.
    $expire = {
        Invoke-RestMethod -Method Post -Uri "$url/_emulator/clock/advance" -Body '{"seconds":7200}' -ContentType 'application/json' | Out-Null
        $script:graphToken = & $token graph
        $script:armToken = & $token arm
    }

    @(
        Measure-Pair -Shell $Pwsh -Count $Pairs -Name 'Import-Module vs bare pwsh' -Measured { "Import-Module '$manifest'" } -Baseline { '$null' }
        Measure-Pair -Shell $Pwsh -Count $Pairs -Name 'first Get-PimContext vs import alone' -Measured { "Import-Module '$manifest'; Get-PimContext | Out-Null" } -Baseline { "Import-Module '$manifest'" }
        Measure-Pair -Shell $Pwsh -Count $Pairs -Name 'activate 1 role vs Invoke-RestMethod' -Before $expire -Measured {
            "Import-Module '$manifest'; Connect-Pim -SandboxUrl '$url' -AccessToken '$graphToken' -ArmAccessToken '$armToken' | Out-Null; " +
            "`$r = Invoke-PimActivation -Name 'Global Reader' -Kind DirectoryRole -Justification measure -InformationAction Ignore; if (-not `$r.RequestId) { throw `$r.Status }"
        } -Baseline {
            "`$r = Invoke-RestMethod -Method Post -Uri '$url/graph/v1.0/roleManagement/directory/roleAssignmentScheduleRequests' -Headers @{ Authorization = 'Bearer $graphToken' } -ContentType 'application/json' -Body '$body'; if (-not `$r.id) { throw 'no request' }"
        }
    )
}
finally {
    $sandbox.Kill()
}
