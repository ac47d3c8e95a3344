#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# One sign-in for both tools (issue 16): the pimrust CLI (PIMRUST_CLI) and the module share the
# encrypted token cache, so signing in with one serves the other with no new sign-in.
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    $cli = $env:PIMRUST_CLI
    if (-not $cli -or -not (Test-Path $cli)) {
        throw 'PIMRUST_CLI must name the pimrust binary; run `cargo xtask test`.'
    }
    # The demo tenant, with device codes answered within a second.
    $scenario = Get-Content -Raw (Join-Path $PSScriptRoot '../emulator/scenarios/demo.json') | ConvertFrom-Json
    $scenario.settings.deviceCodeIntervalSec = 1
    $scenario.settings.deviceCodeAutoApproveAfterSec = 0
    $scenarioPath = Join-Path ([IO.Path]::GetTempPath()) "pimrust-cli-scenario-$([guid]::NewGuid()).json"
    $scenario | ConvertTo-Json -Depth 32 | Set-Content -Path $scenarioPath
    $sandbox = Start-PimSandbox -Scenario $scenarioPath
    $savedCache = $env:PIMRUST_TOKEN_CACHE_DIR
    $savedUrl = $env:PIMRUST_SANDBOX_URL
    $env:PIMRUST_SANDBOX_URL = $sandbox.Url

    function Get-DeviceCodeCount {
        @(Get-PimSandboxLog $sandbox | Where-Object { $_.path -like '*/devicecode' }).Count
    }

    function Invoke-InNewRunspace {
        # The module in a runspace of its own (its own native client, created with this test's token
        # cache), whose host has no user: only a cached sign-in can serve a command there.
        param([Parameter(Mandatory)] [scriptblock] $Script)
        $shell = [powershell]::Create()
        try {
            $shell.AddCommand('Import-Module').AddParameter('Name', $ManifestPath).AddStatement().AddScript($Script) | Out-Null
            $output = $shell.Invoke()
            [pscustomobject]@{ Output = $output; Errors = @($shell.Streams.Error) }
        }
        finally {
            $shell.Dispose()
        }
    }
}

AfterAll {
    Stop-PimSandbox $sandbox
    Remove-Item -LiteralPath $scenarioPath -Force -ErrorAction Ignore
    $env:PIMRUST_TOKEN_CACHE_DIR = $savedCache
    $env:PIMRUST_SANDBOX_URL = $savedUrl
}

Describe 'One sign-in for pimrust and the module' {
    BeforeEach {
        $env:PIMRUST_TOKEN_CACHE_DIR = Join-Path ([IO.Path]::GetTempPath()) "pimrust-cli-cache-$([guid]::NewGuid())"
    }

    AfterEach {
        Remove-Item -LiteralPath $env:PIMRUST_TOKEN_CACHE_DIR -Recurse -Force -ErrorAction Ignore
    }

    It 'lists from the module with the sign-in pimrust made' {
        $login = & $cli login --device-code 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "pimrust signs in: $($login -join "`n")"
        $signIns = Get-DeviceCodeCount
        $signIns | Should -BeGreaterThan 0 -Because 'pimrust signed in with a device code'

        $listed = Invoke-InNewRunspace { (Get-PimEligibleRole -Kind DirectoryRole -Name 'Global Reader').RoleName }
        $listed.Errors | Should -BeNullOrEmpty
        $listed.Output | Should -Be 'Global Reader' -Because 'the module uses the sign-in pimrust cached'
        Get-DeviceCodeCount | Should -Be $signIns -Because 'the module did not sign in again'
    }

    It 'lists from pimrust with the sign-in the module made' {
        $connect = Invoke-InNewRunspace { Connect-Pim -UseDeviceCode *> $null; (Get-PimContext).Account }
        $connect.Errors | Should -BeNullOrEmpty
        $connect.Output | Should -Be 'adele@contoso.onmicrosoft.com' -Because 'the module signs in'
        $signIns = Get-DeviceCodeCount
        $signIns | Should -BeGreaterThan 0 -Because 'the module signed in with a device code'

        # No terminal on stdin: pimrust may not prompt, so only the cached sign-in can serve it.
        $json = '' | & $cli list --kind directory-role --name 'Global Reader' --json 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "pimrust uses the cached sign-in: $($json -join "`n")"
        ($json | ConvertFrom-Json).roles.roleName | Should -Be 'Global Reader'
        Get-DeviceCodeCount | Should -Be $signIns -Because 'pimrust did not sign in again'
    }
}
