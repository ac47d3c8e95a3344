#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester passes BeforeDiscovery variables to -ForEach, which the analyzer cannot see.')]
param()

BeforeDiscovery {
    $repoRoot = Split-Path -Path $PSScriptRoot -Parent
    # The cmdlets are compiled C# (dotnet/PimRust.Commands); the scripts are the demo, the tests and the tools.
    $sources = @(
        foreach ($folder in 'demo', 'Pester', 'tools') {
            Get-ChildItem -Path (Join-Path -Path $repoRoot -ChildPath $folder) -Filter '*.ps1' -File -Recurse
        }
        Get-ChildItem -Path $repoRoot -Filter '*.ps1' -File
    )
}

Describe 'PowerShell sources' {
    It 'finds the scripts to check' -TestCases @{ Names = @($sources.Name) } {
        $Names.Count | Should -BeGreaterThan 10
        $Names | Should -Contain 'Source.Tests.ps1'
        $Names | Should -Contain 'Start-PimDemo.ps1'
        $Names | Should -Contain 'build.ps1'
    }

    It '<_.Directory.Name>/<_.Name> parses without errors' -ForEach $sources {
        $tokens = $null
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile($_.FullName, [ref] $tokens, [ref] $errors)
        $errors | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Message)" } | Should -BeNullOrEmpty
    }
}
