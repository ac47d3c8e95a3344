#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# One clear error instead of a cascade, streams that obey PowerShell, settings that reach the core
# (issue 11, items 3, 4, 5, 11, 12, 18).
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll/BeforeEach variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    $sandbox = Start-PimSandbox
}

AfterAll {
    Stop-PimSandbox $sandbox
}

Describe 'A fresh non-interactive session with no sign-in' {
    It '<Command> fails at once with one error naming the fix' -TestCases @(
        @{ Command = 'Get-PimEligibleRole' }
        @{ Command = 'Get-PimActiveRole' }
        @{ Command = 'Connect-Pim' }
    ) {
        $run = Invoke-FreshPwshWithin -TimeoutSec 60 -Script @"
Import-Module '$ManifestPath'
`$Error.Clear()
$Command -ErrorAction SilentlyContinue | Out-Null
"errors=`$(`$Error.Count)"
"id=`$(`$Error[0].FullyQualifiedErrorId)"
"action=`$(`$Error[0].ErrorDetails.RecommendedAction)"
"message=`$(`$Error[0].Exception.Message)"
"@
        $run.TimedOut | Should -BeFalse -Because 'a non-interactive session never waits for a browser'
        $run.Output | Should -Match 'errors=1\b'
        $run.Output | Should -Match "id=PimRust\.[A-Za-z.]+,$Command"
        $run.Output | Should -Match 'action=\S'
        $run.Output | Should -Match 'UseDeviceCode|AccessToken'
        $run.Output | Should -Not -Match '\[native\]|PropertyNotFound|Invoke-PimNativeOperation|Select-PimRoleByName'
    }
}

Describe 'Endpoint settings changed inside a session' {
    It 'reaches the core: PIMRUST_SANDBOX_URL set after pwsh started' {
        $run = Invoke-FreshPwshWithin -TimeoutSec 90 -Script @"
`$env:PIMRUST_SANDBOX_URL = '$($sandbox.Url)'
Import-Module '$ManifestPath'
Connect-Pim -UseDeviceCode -ErrorAction Stop | Out-Null
'graph=' + (Get-PimContext).Endpoints.Graph
'roles=' + @(Get-PimEligibleRole -ErrorAction Stop).Count
"@
        $run.Output | Should -Match ([regex]::Escape("graph=$($sandbox.Url)/graph"))
        $run.Output | Should -Match 'roles=13'
    }

    It 'forgets PIMRUST_SANDBOX_URL removed after pwsh started' {
        $graph = Get-PimSandboxToken $sandbox graph
        $saved = $env:PIMRUST_SANDBOX_URL
        $env:PIMRUST_SANDBOX_URL = $sandbox.Url
        try {
            $run = Invoke-FreshPwshWithin -TimeoutSec 60 -Script @"
Remove-Item -Path env:PIMRUST_SANDBOX_URL
Import-Module '$ManifestPath'
Connect-Pim -AccessToken '$graph' -ErrorAction Stop | Out-Null
'graph=' + (Get-PimContext).Endpoints.Graph
"@
        }
        finally {
            $env:PIMRUST_SANDBOX_URL = $saved
        }
        $run.Output | Should -Match 'graph=https://graph\.microsoft\.com' -Because 'the setting is gone from the session, so it is gone for the core too'
    }

    It 'accepts a Graph override that already ends in /v1.0' {
        $graph = Get-PimSandboxToken $sandbox graph
        $arm = Get-PimSandboxToken $sandbox arm
        $run = Invoke-FreshPwshWithin -TimeoutSec 90 -Script @"
`$env:PIMRUST_AUTHORITY_URL = '$($sandbox.Url)'
`$env:PIMRUST_GRAPH_URL = '$($sandbox.Url)/graph/v1.0'
`$env:PIMRUST_ARM_URL = '$($sandbox.Url)/arm'
Import-Module '$ManifestPath'
Connect-Pim -AccessToken '$graph' -ArmAccessToken '$arm' -ErrorAction Stop | Out-Null
'roles=' + @(Get-PimEligibleRole -Kind DirectoryRole -ErrorAction Stop).Count
"@
        $run.Output | Should -Match 'roles=7'
    }
}

Describe 'Streams' {
    BeforeAll {
        Import-Module $ManifestPath -Force -ErrorAction Stop
        Connect-PimSandbox $sandbox
    }

    AfterAll {
        Remove-Module PimRust -ErrorAction Ignore
    }

    It 'shows the activation summary by default and obeys -InformationAction Ignore' {
        $shown = Get-PimEligibleRole -Name 'Global Reader' | Invoke-PimActivation -Justification x -Validate 6>&1
        @($shown | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).Count | Should -Be 1
        $silenced = Get-PimEligibleRole -Name 'Global Reader' | Invoke-PimActivation -Justification x -Validate -InformationAction Ignore 6>&1
        @($silenced | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).Count | Should -Be 0
        (Get-Command Invoke-PimActivation).Parameters.Keys | Should -Not -Contain 'PassThru'
    }

    It 'shows each HTTP request on the debug stream, without pool chatter or tokens' {
        $debug = @(Get-PimEligibleRole -Kind DirectoryRole -Refresh -Debug 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
        $debug | Where-Object { $_ -match '^GET http://127\.0\.0\.1:\d+/graph/v1\.0/\S+ .*200.*\d+ ?ms' } | Should -Not -BeNullOrEmpty
        $debug | Where-Object { $_ -match 'pool|checkout|reuse idle connection|\[native\]' } | Should -BeNullOrEmpty
        $debug -join "`n" | Should -Not -Match 'eyJ[A-Za-z0-9_-]{10,}'
    }
}

Describe 'What import and context show' {
    It 'lists only the public commands when imported with -Verbose' {
        $run = Invoke-FreshPwshWithin -Script "Import-Module '$ManifestPath' -Verbose 4>&1 | ForEach-Object { `$_.Message }"
        $exported = [regex]::Matches($run.Output, '(?m)^(?:Importing|Exporting) (?:cmdlet|function) ''([^'']+)''') | ForEach-Object { $_.Groups[1].Value }
        $exported | Sort-Object -Unique | Should -Be @(
            'Connect-Pim', 'Disconnect-Pim', 'Get-PimActiveRole', 'Get-PimContext', 'Get-PimEligibleRole',
            'Invoke-PimActivation', 'Invoke-PimDeactivation', 'Select-PimRole', 'Wait-PimRequest')
    }

    It 'shows the tenant and readable tokens in Format-List *' {
        Import-Module $ManifestPath -Force -ErrorAction Stop
        try {
            Connect-PimSandbox $sandbox
            $text = Get-PimContext | Format-List -Property * | Out-String -Width 120
            $text | Should -Not -Match 'organizations'
            $text | Should -Not -Match 'System\.Object\[\]|@\{'
            $text | Should -Match 'Microsoft Graph'
        }
        finally {
            Remove-Module PimRust -ErrorAction Ignore
        }
    }
}
