#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop
}

AfterAll {
    Remove-Module PimRust -ErrorAction Ignore
}

Describe 'Connect-Pim with access tokens' {
    BeforeEach {
        Disconnect-Pim -Confirm:$false
    }

    It 'signs in with a Graph token and reports the account, never the token' {
        $token = New-TestJwt -Audience 'https://graph.microsoft.com'
        $context = Connect-Pim -AccessToken $token
        $context.PSTypeNames | Should -Contain 'PimRust.Context'
        $context.Connected | Should -BeTrue
        $context.Account | Should -Be 'adele@contoso.example'
        $context.Tokens.Resource | Should -Contain 'Microsoft Graph'
        ($context | ConvertTo-Json -Depth 10) | Should -Not -Match ([regex]::Escape($token))
    }

    It 'accepts the token as a SecureString' {
        $token = New-TestJwt -Audience 'https://graph.microsoft.com'
        (Connect-Pim -AccessToken (ConvertTo-SecureString $token -AsPlainText -Force)).Connected | Should -BeTrue
    }

    It 'rejects an expired token with a stable error id' {
        $expired = New-TestJwt -Audience 'https://graph.microsoft.com' -ExpiresInSeconds -60
        { Connect-Pim -AccessToken $expired } | Should -Throw -ErrorId 'PimRust.AuthenticationRequired.AccessTokenExpired*'
    }

    It 'rejects a token for another audience' {
        $arm = New-TestJwt -Audience 'https://management.core.windows.net/'
        { Connect-Pim -AccessToken $arm } | Should -Throw -ErrorId 'PimRust.InvalidArgument*'
    }

    It 'keeps tokens out of every stream, object and error, even with -Verbose and -Debug' {
        $token = New-TestJwt -Audience 'https://graph.microsoft.com'
        $armToken = New-TestJwt -Audience 'https://management.core.windows.net/'
        $Error.Clear()
        $everything = & {
            Connect-Pim -AccessToken $token -ArmAccessToken $armToken -Verbose -Debug
            Get-PimContext -Verbose -Debug | Format-List * | Out-String
            try { Connect-Pim -AccessToken ($token + 'x') -ArmAccessToken 'not-a-jwt' -Verbose -Debug } catch { $_ | Format-List * -Force | Out-String }
        } *>&1 | Out-String
        $everything += $Error | Format-List * -Force | Out-String
        foreach ($secret in $token, $armToken) {
            $everything | Should -Not -Match ([regex]::Escape($secret))
            $everything | Should -Not -Match ([regex]::Escape($secret.Split('.')[1]))
        }
    }
}

Describe 'Disconnect-Pim and Get-PimContext' {
    It 'reports not connected after signing out' {
        Connect-Pim -AccessToken (New-TestJwt -Audience 'https://graph.microsoft.com') | Out-Null
        Disconnect-Pim -Confirm:$false
        (Get-PimContext).Connected | Should -BeFalse
    }

    It 'honours -WhatIf' {
        Connect-Pim -AccessToken (New-TestJwt -Audience 'https://graph.microsoft.com') | Out-Null
        Disconnect-Pim -WhatIf
        (Get-PimContext).Connected | Should -BeTrue
    }
}

Describe 'Disconnect-Pim in a new window' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Sandbox.ps1')
        $sandbox = Start-PimSandbox
        function Connect-InNewWindow {
            Invoke-FreshPwsh "Import-Module '$ManifestPath'; Connect-Pim -SandboxUrl '$($sandbox.Url)' -UseDeviceCode | Out-Null; 'connected'"
        }
    }

    AfterAll {
        Stop-PimSandbox $sandbox
    }

    It 'removes the cached sign-in, says which, and the next Connect-Pim signs in again' {
        $first = Connect-InNewWindow
        ($first -join "`n") | Should -Match 'enter the code' -Because 'the first sign-in prompts'
        $cached = Connect-InNewWindow
        ($cached -join "`n") | Should -Not -Match 'enter the code' -Because 'a new window signs in from the cache'
        ($cached | Select-Object -Last 1) | Should -Be 'connected'

        $signOut = Invoke-FreshPwsh "Import-Module '$ManifestPath'; Disconnect-Pim -SandboxUrl '$($sandbox.Url)'"
        ($signOut -join "`n") | Should -Match 'Removed from the token cache: adele@contoso\.onmicrosoft\.com \(tenant [0-9a-f-]+, sandbox http://127\.0\.0\.1:\d+/graph\)'

        $again = Connect-InNewWindow
        ($again -join "`n") | Should -Match 'enter the code' -Because 'the cached sign-in is gone'
    }

    It 'says when nothing matched' {
        $output = Invoke-FreshPwsh "Import-Module '$ManifestPath'; Disconnect-Pim -SandboxUrl '$($sandbox.Url)' -TenantId nobody.example"
        ($output -join "`n") | Should -Match 'No cached sign-in matched, so nothing was removed'
    }

    It 'can be silenced with -InformationAction Ignore' {
        $output = Invoke-FreshPwsh "Import-Module '$ManifestPath'; Disconnect-Pim -SandboxUrl '$($sandbox.Url)' -InformationAction Ignore; 'done'"
        $output | Should -Be 'done'
    }
}
