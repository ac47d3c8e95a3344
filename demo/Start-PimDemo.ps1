#Requires -Version 7.4
<#
.SYNOPSIS
The main job against the built-in sandbox tenant: sign in, list, activate a mixed batch (one
approval-gated role, one authentication-context role), wait until access is real.
Run through `./build.ps1 Demo` (or `cargo xtask demo`), which builds the module and the emulator.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $Emulator
)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModuleRoot 'PimRust.psd1') -Force
$scenario = Join-Path $PSScriptRoot '..' 'emulator' 'scenarios' 'demo.json'
$start = [System.Diagnostics.ProcessStartInfo]::new($Emulator, @('--scenario', $scenario, '--port', '0'))
$start.RedirectStandardOutput = $true
$start.UseShellExecute = $false
$sandbox = [System.Diagnostics.Process]::Start($start)
try {
    $url = $sandbox.StandardOutput.ReadLine()
    Write-Host "Sandbox tenant (Contoso) at $url - the device code below is approved automatically after 3 s." -ForegroundColor Cyan

    Connect-Pim -SandboxUrl $url -UseDeviceCode | Format-List
    Write-Host "`n> Get-PimEligibleRole" -ForegroundColor Cyan
    Get-PimEligibleRole | Format-Table

    $batch = 'Global Reader', 'Security Administrator', 'Exchange Administrator', 'Contributor', 'Finance Approvers'
    Write-Host "`n> Get-PimEligibleRole -Name $($batch -join ', ') | Invoke-PimActivation -Justification 'PimRust demo' | Wait-PimRequest" -ForegroundColor Cyan
    Get-PimEligibleRole -Name $batch | Invoke-PimActivation -Justification 'PimRust demo' | Wait-PimRequest -IntervalSec 1 | Format-Table

    Write-Host "`n> Get-PimActiveRole" -ForegroundColor Cyan
    Get-PimActiveRole | Format-Table
}
finally {
    if (-not $sandbox.HasExited) { $sandbox.Kill() }
}
