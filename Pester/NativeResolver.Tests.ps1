#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

# The resolver in PimRust.Interop (NativeLoader) against a module folder laid out as the Gallery package
# is: runtimes/<rid>/native/<platform file name> for all six RIDs. The other RIDs' files are not
# libraries, so loading any of them instead of this machine's would fail. A fresh pwsh runs the
# resolver, since a process keeps the first native library it loads.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $libraries = [ordered]@{
        'win-x64' = 'pimrust.dll'; 'win-arm64' = 'pimrust.dll'
        'linux-x64' = 'libpimrust.so'; 'linux-arm64' = 'libpimrust.so'
        'osx-x64' = 'libpimrust.dylib'; 'osx-arm64' = 'libpimrust.dylib'
    }
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $currentRid = "$os-$([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant())"
    $builtLibrary = Join-Path -Path $ModuleRoot -ChildPath 'runtimes' -AdditionalChildPath $currentRid, 'native', $libraries[$currentRid]

    $scratch = Join-Path ([System.IO.Path]::GetTempPath()) "pimrust-rids-$([guid]::NewGuid())"
    $complete = Join-Path $scratch 'complete'
    $lacking = Join-Path $scratch 'lacking'
    foreach ($root in $complete, $lacking) {
        foreach ($rid in $libraries.Keys) {
            $native = Join-Path -Path $root -ChildPath 'runtimes' -AdditionalChildPath $rid, 'native'
            $null = New-Item -ItemType Directory -Path $native -Force
            $file = Join-Path -Path $native -ChildPath $libraries[$rid]
            if ($rid -ne $currentRid) {
                Set-Content -Path $file -Value "not a library: the $rid build would be here"
            }
            elseif ($root -eq $complete) {
                Copy-Item -Path $builtLibrary -Destination $file
            }
        }
    }
    $interop = Join-Path -Path $ModuleRoot -ChildPath 'lib' -AdditionalChildPath 'PimRust.Interop.dll'
    $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$interop'
`$result = [ordered]@{ rid = [PimRust.Interop.NativeLoader]::RuntimeIdentifier }
try { [PimRust.Interop.NativeLoader]::Initialize('$lacking'); `$result.lacking = 'loaded' }
catch { `$result.lacking = `$_.Exception.InnerException.GetType().Name + ': ' + `$_.Exception.InnerException.Message }
[PimRust.Interop.NativeLoader]::Initialize('$complete')
`$result.loaded = [PimRust.Interop.NativeLoader]::LibraryPath
`$result | ConvertTo-Json -Compress
"@
    $output = Invoke-FreshPwsh $script
    $exitCode = $LASTEXITCODE
    $resolved = $output | Select-Object -Last 1 | ConvertFrom-Json
}

AfterAll {
    Remove-Item -Path $scratch -Recurse -Force -ErrorAction Ignore
}

Describe 'Native library resolver with every RID laid out' {
    It 'runs in a fresh pwsh' {
        $exitCode | Should -Be 0 -Because ($output -join "`n")
    }

    It 'names this machine''s runtime as the package does' {
        $resolved.rid | Should -Be $currentRid
        $libraries.Keys | Should -Contain $resolved.rid
    }

    It 'loads the library of this OS and architecture, by its platform file name' {
        $expected = Join-Path -Path $complete -ChildPath 'runtimes' -AdditionalChildPath $currentRid, 'native', $libraries[$currentRid]
        $resolved.loaded | Should -Be $expected
    }

    It 'fails clearly, naming the RID and the path, when this RID is missing' {
        $path = Join-Path -Path $lacking -ChildPath 'runtimes' -AdditionalChildPath $currentRid, 'native', $libraries[$currentRid]
        $resolved.lacking | Should -BeLike "PimNativeLoadException: PimRust's native library for $currentRid was not found at '$path'*"
    }
}
