#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'PimRust manifest' {
    BeforeAll {
        $manifest = Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop
        $data = Import-PowerShellDataFile -Path $ManifestPath
    }

    It 'targets PowerShell 7.4+ Core only' {
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
        $data.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports explicitly, with no wildcards' {
        foreach ($key in 'FunctionsToExport', 'CmdletsToExport', 'VariablesToExport', 'AliasesToExport') {
            $data.ContainsKey($key) | Should -BeTrue -Because "$key must be listed"
            @($data[$key]) -join ',' | Should -Not -Match '\*'
        }
    }

    It 'carries Gallery metadata' {
        $data.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        $data.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
    }

    It 'takes ProjectUri and LicenseUri from the repository address in Cargo.toml' {
        $cargo = Get-Content -Path (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'Cargo.toml') -Raw
        $repository = [regex]::Match($cargo, '(?ms)^\[workspace\.package\].*?^repository\s*=\s*"([^"]+)"').Groups[1].Value
        $repository | Should -Match '^https://'
        $data.PrivateData.PSData.ProjectUri | Should -Be $repository
        $data.PrivateData.PSData.LicenseUri | Should -Be "$repository/blob/main/LICENSE"
    }

    It 'ships the interop assembly and the native library for this platform' {
        Join-Path -Path $ModuleRoot -ChildPath 'lib' -AdditionalChildPath 'PimRust.Interop.dll' | Should -Exist
        $rid = "$(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' })-$([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant())"
        Join-Path -Path $ModuleRoot -ChildPath 'runtimes' -AdditionalChildPath $rid, 'native' | Should -Exist
    }
}

Describe 'Importing PimRust' {
    It 'imports in a fresh process without Az or Graph modules' {
        $output = Invoke-FreshPwsh "Import-Module '$ManifestPath' -ErrorAction Stop; (Get-Module).Name -join ','"
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $loaded = ($output | Select-Object -Last 1) -split ','
        $loaded | Should -Contain 'PimRust'
        $loaded | Where-Object { $_ -like 'Az.*' -or $_ -like 'Microsoft.Graph*' } | Should -BeNullOrEmpty
    }

    It 'loads the native library from the module runtimes folder' {
        $output = Invoke-FreshPwsh "Import-Module '$ManifestPath' -ErrorAction Stop; [PimRust.Interop.NativeLoader]::LibraryPath"
        ($output | Select-Object -Last 1) | Should -BeLike "$ModuleRoot*runtimes*native*"
    }

    It 'fails with a clear message naming the file when the native library is missing' {
        $copy = Join-Path ([System.IO.Path]::GetTempPath()) "pimrust-guard-$([guid]::NewGuid())"
        Copy-Item -Path $ModuleRoot -Destination $copy -Recurse
        try {
            Remove-Item -Path (Join-Path $copy 'runtimes') -Recurse -Force
            $output = Invoke-FreshPwsh "Import-Module '$(Join-Path $copy 'PimRust.psd1')' -ErrorAction Stop"
            $LASTEXITCODE | Should -Not -Be 0
            ($output -join "`n") | Should -Match 'native library .* was not found at'
        }
        finally {
            Remove-Item -Path $copy -Recurse -Force
        }
    }

    It 'guards the ABI version' {
        $output = Invoke-FreshPwsh @"
Import-Module '$ManifestPath' -ErrorAction Stop
try { [PimRust.Interop.NativeLoader]::EnsureCompatible(99, 'x'); 'accepted' } catch { 'rejected: ' + `$_.Exception.InnerException.Message }
"@
        ($output -join "`n") | Should -Match 'rejected: .*ABI version 99.*expects 1'
    }

    It 'disposes the native session on Remove-Module' {
        $output = Invoke-FreshPwsh @"
Import-Module '$ManifestPath' -ErrorAction Stop
Get-PimContext | Out-Null
`$session = [PimRust.Commands.ModuleSession]::Current
Remove-Module PimRust
"`$(`$null -ne `$session) `$(`$session.IsDisposed)"
"@
        ($output | Select-Object -Last 1) | Should -Be 'True True' -Because 'the first command created the native session, and Remove-Module disposed it'
    }
}
