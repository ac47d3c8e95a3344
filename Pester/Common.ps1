# Shared by the test files: the assembled module under test (set by Invoke-PimRustTests.ps1).
$script:ModuleRoot = $env:PIMRUST_MODULE_ROOT
if (-not $script:ModuleRoot -or -not (Test-Path (Join-Path $script:ModuleRoot 'PimRust.psd1'))) {
    throw 'PIMRUST_MODULE_ROOT must name an assembled module folder (out/PimRust/<version>); run `cargo xtask test`.'
}
$script:ManifestPath = Join-Path $script:ModuleRoot 'PimRust.psd1'

function Invoke-FreshPwsh {
    # Runs a script in a new pwsh process and returns its output lines (stderr merged).
    param([Parameter(Mandatory)][string] $Script)
    $pwsh = (Get-Process -Id $PID).Path
    & $pwsh -NoProfile -NonInteractive -Command $Script 2>&1
}
