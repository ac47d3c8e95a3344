#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Device-code sign-in as a user meets it (issue 11, items 6 and 17): each prompt says which API it is for,
# Azure is signed in to only when first needed, and a stopped sign-in leaves the previous one intact.
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    $sandbox = Start-PimSandbox
}

AfterAll {
    Stop-PimSandbox $sandbox
}

Describe 'Connect-Pim -UseDeviceCode' {
    It 'labels each prompt with its API and signs in to Azure only when first needed' {
        $cache = Join-Path ([IO.Path]::GetTempPath()) "pimrust-signin-$([guid]::NewGuid())"
        $saved = $env:PIMRUST_TOKEN_CACHE_DIR
        $env:PIMRUST_TOKEN_CACHE_DIR = $cache
        try {
            $output = Invoke-FreshPwsh @"
Import-Module '$ManifestPath'
function Show-Prompt([string] `$Step) { process { if (`$_ -is [System.Management.Automation.InformationRecord] -and 'PimRust.Prompt' -in `$_.Tags) { "`${Step}: `$_" } } }
Connect-Pim -SandboxUrl '$($sandbox.Url)' -UseDeviceCode 6>&1 | Show-Prompt connect
Get-PimEligibleRole -Kind DirectoryRole 6>&1 | Show-Prompt directory
Get-PimEligibleRole -Kind AzureResource 6>&1 | Show-Prompt azure
"@
        }
        finally {
            $env:PIMRUST_TOKEN_CACHE_DIR = $saved
            Remove-Item -LiteralPath $cache -Recurse -Force -ErrorAction Ignore
        }
        $prompts = @($output | Where-Object { "$_" -match '^(connect|directory|azure): ' })
        $prompts.Count | Should -Be 2 -Because "one prompt per API, each once: $($output -join "`n")"
        $prompts[0] | Should -Match '^connect: \(1 of 2: Microsoft Graph\) .*enter the code'
        $prompts[1] | Should -Match '^azure: \(2 of 2: Azure Resource Manager\) .*enter the code'
    }

    It 'leaves the previous sign-in intact when stopped' {
        # A runspace signed in as Adele starts another sign-in.
        $shell = New-PimSandboxShell $sandbox
        try {
            $shell.AddCommand('Connect-Pim').AddParameter('SandboxUrl', $sandbox.Url).AddParameter('UseDeviceCode') | Out-Null
            $running = Start-PimShellCommand $shell
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            while ($shell.Streams.Information.Count -eq 0 -and $clock.Elapsed.TotalSeconds -lt 20) { Start-Sleep -Milliseconds 50 }
            "$($shell.Streams.Information)" | Should -Match 'enter the code' -Because 'the sign-in is waiting for the user'
            $shell.Stop()
            $running.Handle.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue -Because 'Ctrl+C stops a sign-in at once'
            $shell.Commands.Clear()

            $shell.AddCommand('Get-PimContext') | Out-Null
            $context = $shell.Invoke()
            $context.Connected | Should -BeTrue
            $context.Account | Should -Be 'adele@contoso.onmicrosoft.com'
            @($context.Tokens).Count | Should -Be 2
            $shell.Commands.Clear()
            $shell.AddCommand('Get-PimEligibleRole').AddParameter('Name', 'Global Reader') | Out-Null
            $shell.Invoke().RoleName | Should -Be 'Global Reader' -Because 'the next command runs on the previous sign-in'
            $shell.Streams.Error | Should -BeNullOrEmpty
        }
        finally {
            $shell.Dispose()
        }
    }
}
