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

function Write-Narration {
    # The demo's commentary, in colour on the information stream (the tables are its output).
    param([Parameter(Mandatory)] [string] $Text)
    Write-Information -MessageData "$($PSStyle.Foreground.Cyan)$Text$($PSStyle.Reset)" -InformationAction Continue
}

Import-Module -Name (Join-Path -Path $ModuleRoot -ChildPath 'PimRust.psd1') -Force
$scenario = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'emulator', 'scenarios', 'demo.json'
. (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'tools', 'EmulatorProcess.ps1')
$sandbox = Start-PimEmulatorProcess -Emulator $Emulator -Scenario $scenario
try {
    $url = $sandbox.Url
    Write-Narration -Text "Sandbox tenant (Contoso) at $url - the device code below is approved automatically after 3 s."

    Connect-Pim -SandboxUrl $url -UseDeviceCode | Format-List
    Write-Narration -Text "`n> Get-PimEligibleRole"
    Get-PimEligibleRole | Format-Table

    $batch = 'Global Reader', 'Security Administrator', 'Exchange Administrator', 'Contributor', 'Finance Approvers'
    Write-Narration -Text "`n> Get-PimEligibleRole -Name $($batch -join ', ') | Invoke-PimActivation -Justification 'PimRust demo' | Wait-PimRequest"
    Get-PimEligibleRole -Name $batch | Invoke-PimActivation -Justification 'PimRust demo' | Wait-PimRequest -IntervalSec 1 | Format-Table

    Write-Narration -Text "`n> Get-PimActiveRole"
    Get-PimActiveRole | Format-Table
}
finally {
    if (-not $sandbox.Process.HasExited) { $sandbox.Process.Kill() }
}
