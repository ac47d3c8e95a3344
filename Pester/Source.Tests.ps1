#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester passes BeforeDiscovery variables to -ForEach, which the analyzer cannot see.')]
param()

BeforeDiscovery {
    $repoRoot = Split-Path -Path $PSScriptRoot -Parent
    $sources = foreach ($folder in 'Public', 'Private', 'demo', 'Pester') {
        Get-ChildItem -Path (Join-Path -Path $repoRoot -ChildPath $folder) -Filter '*.ps1' -File -Recurse
    }
}

Describe 'PowerShell sources' {
    It 'finds the scripts to check' -TestCases @{ Count = @($sources).Count } {
        $Count | Should -BeGreaterThan 20
    }

    It '<_.Directory.Name>/<_.Name> parses without errors' -ForEach $sources {
        $tokens = $null
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile($_.FullName, [ref] $tokens, [ref] $errors)
        $errors | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Message)" } | Should -BeNullOrEmpty
    }
}
