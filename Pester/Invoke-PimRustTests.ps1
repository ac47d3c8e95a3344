#Requires -Version 7.4
<#
.SYNOPSIS
Runs the Pester suites against an assembled module (called by `cargo xtask test` in a fresh pwsh).

.PARAMETER ModuleRoot
The assembled module folder, out/PimRust/<version>.

.PARAMETER PesterPath
A Pester 5 module folder or manifest to import; by default the newest installed Pester 5.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModuleRoot,

    [string] $PesterPath
)

$ErrorActionPreference = 'Stop'
if ($PesterPath) {
    Import-Module $PesterPath -Force
}
else {
    Import-Module Pester -MinimumVersion 5.5.0
}

$env:PIMRUST_MODULE_ROOT = (Resolve-Path $ModuleRoot).Path
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $configuration

# A plain closing line that CI reads in any language.
"pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped"
if ($result.FailedCount -gt 0 -or $result.TotalCount -eq 0) {
    exit 1
}
