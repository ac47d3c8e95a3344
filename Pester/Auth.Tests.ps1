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
