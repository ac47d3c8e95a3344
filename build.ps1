#!/usr/bin/env pwsh
#Requires -Version 7.4
<#
.SYNOPSIS
Builds and tests PimRust. Tasks run in Rust (cargo xtask) so they behave the same on every OS.

.EXAMPLE
./build.ps1 Build     # native library + interop assembly + module under out/PimRust/<version>/, and the pimrust CLI
./build.ps1 Test      # everything Build does, then all test suites (cargo, xunit, Pester)
./build.ps1 Demo      # the main job against the built-in sandbox tenant
./build.ps1 Bench     # benchmarks with injected latency (8 to 10 minutes; -Quick: one pair per measure)
./build.ps1 Reliability  # the reliability suite at full size with its figures, the C ABI under valgrind, Ctrl+C at random points
./build.ps1 Package -NativeRoot ./native   # the Gallery .nupkg in out/package/ with all six RIDs
./build.ps1 Package -AllowMissingRid       # a local test package with this machine's RID only
./build.ps1 Clean
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Reliability', 'Package', 'Clean')]
    [string] $Task = 'Build',

    # Build the native library without optimisations (faster to compile).
    [switch] $DebugBuild,

    # Bench only: a smoke run of the pwsh benchmark (one pair per measure).
    [switch] $Quick,

    # Package only: a folder holding <rid>/<native library> for the RIDs not built on this machine.
    [string] $NativeRoot,

    # Package only: package without the RIDs at hand (a local test package, never to be published).
    [switch] $AllowMissingRid
)

$ErrorActionPreference = 'Stop'
$arguments = @('xtask', $Task.ToLowerInvariant())
if ($DebugBuild) {
    $arguments += '--debug'
}
if ($Quick) {
    $arguments += '--quick'
}
if ($NativeRoot) {
    $arguments += '--native-root', (Resolve-Path -Path $NativeRoot).Path
}
if ($AllowMissingRid) {
    $arguments += '--allow-missing-rid'
}
Push-Location $PSScriptRoot
try {
    & cargo @arguments
    if ($LASTEXITCODE -ne 0) {
        throw "Task '$Task' failed (cargo xtask exited with $LASTEXITCODE)."
    }
}
finally {
    Pop-Location
}
