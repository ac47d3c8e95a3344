#Requires -Version 7.4
<#
.SYNOPSIS
Parses every PowerShell file of the repo with PowerShell's own parser, then lints them with
PSScriptAnalyzer and the repo's PSScriptAnalyzerSettings.psd1. Any parse error or finding fails.

.DESCRIPTION
Run by `cargo xtask test`. PSScriptAnalyzer comes from ../shared/psmodules (put on PSModulePath by
xtask) or from the module path (Install-PSResource PSScriptAnalyzer).
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
$root = Split-Path -Path $PSScriptRoot -Parent
$sources = @(
    Get-ChildItem -Path $root -File -Include '*.ps1', '*.psm1', '*.psd1' -Recurse |
        Where-Object { $_.FullName -notmatch '[\\/](\.tools|target|out|\.git|bin|obj)[\\/]' }
)

$parseErrors = foreach ($file in $sources) {
    $tokens = $null
    $errors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref] $tokens, [ref] $errors)
    foreach ($parseError in $errors) {
        '{0}:{1}: {2}' -f $file.FullName.Substring($root.Length + 1), $parseError.Extent.StartLineNumber, $parseError.Message
    }
}
$parseErrors | ForEach-Object { Write-Output "parse error: $_" }
"lint: $($sources.Count) files parsed, $(@($parseErrors).Count) parse errors"

$analyzer = Get-Module -Name PSScriptAnalyzer -ListAvailable | Sort-Object -Property Version -Descending | Select-Object -First 1
if (-not $analyzer) {
    throw 'PSScriptAnalyzer was not found: put ../shared/psmodules beside the repo or run Install-PSResource PSScriptAnalyzer.'
}
Import-Module -Name $analyzer.Path
$settings = Join-Path -Path $root -ChildPath 'PSScriptAnalyzerSettings.psd1'
# PSScriptAnalyzer runs its rules in parallel over unsynchronised shared state, so a rule sometimes
# crashes at random (PSScriptAnalyzer#1538, #1351). Each file gets up to three tries, each retry said.
$findings = foreach ($file in $sources) {
    foreach ($attempt in 1..3) {
        try {
            Invoke-ScriptAnalyzer -Path $file.FullName -Settings $settings -ErrorAction Stop
            break
        }
        catch {
            if ($attempt -eq 3) { throw }
            Write-Warning "PSScriptAnalyzer crashed on $($file.Name) (attempt $attempt, known upstream race): $_; retrying"
        }
    }
}
foreach ($finding in $findings) {
    '{0}:{1}: {2} {3}' -f $finding.ScriptPath.Substring($root.Length + 1), $finding.Line, $finding.RuleName, $finding.Message
}
"lint: PSScriptAnalyzer $($analyzer.Version): $(@($findings).Count) findings in $($sources.Count) files"

if (@($parseErrors).Count -gt 0 -or @($findings).Count -gt 0) {
    exit 1
}
