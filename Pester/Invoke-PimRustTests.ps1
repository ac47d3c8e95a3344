#Requires -Version 7.4
<#
.SYNOPSIS
Runs the Pester suites against an assembled module (called by `cargo xtask test` in a fresh pwsh).

.PARAMETER ModuleRoot
The assembled module folder, out/PimRust/<version>.

.PARAMETER PesterPath
A Pester 5 module folder or manifest to import; by default the newest installed Pester 5.

.PARAMETER Strict
Runs the suite under Set-StrictMode -Version Latest (and, as always, $ErrorActionPreference = 'Stop').

.PARAMETER TestPath
One test file (or folder) to run instead of every suite in Pester/ (`cargo xtask reliability` runs
Interrupt.Tests.ps1 at full size this way).

.PARAMETER RunFolder
A folder that keeps what the run leaves for `cargo xtask test` to scan for token text: the
transcript, the $Error records, the test results and the token cache folder of the tests.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ModuleRoot,

    [string] $PesterPath,

    # Run as a strict caller would: Set-StrictMode -Version Latest around the whole suite.
    [switch] $Strict,

    [string] $TestPath,

    [string] $RunFolder
)

$ErrorActionPreference = 'Stop'
if ($PesterPath) {
    Import-Module -Name $PesterPath -Force
}
elseif (Get-Module -Name Pester -ListAvailable | Where-Object -Property Version -GE -Value ([version]'5.5.0')) {
    Import-Module -Name Pester -MinimumVersion 5.5.0
}
else {
    throw 'Pester 5.5+ is not installed: run `cargo xtask setup` (restores Pester 5.7.1 into .tools) or Install-PSResource Pester.'
}

$env:PIMRUST_MODULE_ROOT = (Resolve-Path $ModuleRoot).Path
# Sign-ins made or removed by the tests stay in a folder of their own, never the user's token cache.
$stateParent = if ($RunFolder) { $RunFolder } else { [System.IO.Path]::GetTempPath() }
$env:PIMRUST_TOKEN_CACHE_DIR = Join-Path -Path $stateParent -ChildPath "pimrust-pester-$PID"
$configuration = New-PesterConfiguration
$configuration.Run.Path = if ($TestPath) { (Resolve-Path $TestPath).Path } else { $PSScriptRoot }
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$pass = if ($Strict) { 'strict' } else { 'plain' }
# The tests' own web calls (emulator tokens, the plain-REST baselines) stay out of the Debug stream
# even in the -Debug pass: PowerShell prints their whole requests and answers there, tokens included.
$PSDefaultParameterValues['Invoke-RestMethod:Debug'] = $false
if ($RunFolder) {
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputPath = Join-Path -Path $RunFolder -ChildPath "pester-$pass-results.xml"
    $null = Start-Transcript -Path (Join-Path -Path $RunFolder -ChildPath "pester-$pass-transcript.txt") -Force
}
if ($Strict) {
    Set-StrictMode -Version Latest
}
try {
    $result = Invoke-Pester -Configuration $configuration
}
finally {
    Set-StrictMode -Off
    if ($RunFolder) {
        # Left for the token scan: the tests' token cache folder and every error record of the run.
        $null = Stop-Transcript
        $Error | Format-List -Property * -Force | Out-String -Width 4096 |
            Set-Content -Path (Join-Path -Path $RunFolder -ChildPath "pester-$pass-errors.txt")
    }
    else {
        Remove-Item -Path $env:PIMRUST_TOKEN_CACHE_DIR -Recurse -Force -ErrorAction Ignore
    }
}

# A plain closing line that CI reads in any language.
$mode = if ($Strict) { ' (strict caller)' } else { '' }
"pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped$mode"
if ($result.FailedCount -gt 0 -or $result.TotalCount -eq 0) {
    exit 1
}
