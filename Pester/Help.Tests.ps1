#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Complete help for every public command, from the MAML the module ships (issue 11, item 15):
# a synopsis and a description, help for every parameter, at least two examples, [OutputType],
# wildcards marked where they work; and Get-Help about_PimRust.
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop
    $commands = @(Get-Command -Module PimRust | Sort-Object -Property Name | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop

    # Help objects are property bags whose shape depends on what the MAML holds: read them without
    # tripping strict mode, and flatten the @{ Text = ... } paragraphs into one string.
    function Get-HelpProperty {
        param([AllowNull()] [object] $Object, [Parameter(Mandatory)] [string] $Name)
        if ($null -eq $Object) { return $null }
        $Object.PSObject.Properties[$Name]?.Value
    }

    function Get-HelpText {
        param([AllowNull()] [object] $Value)
        $parts = foreach ($item in @($Value)) {
            if ($null -eq $item) { continue }
            if ($item -is [string]) { $item } else { Get-HelpProperty -Object $item -Name 'Text' }
        }
        (@($parts) -join "`n").Trim()
    }

    function Get-HelpParameter {
        # The parameters the help documents, by name (an empty list when it documents none).
        param([Parameter(Mandatory)] [object] $Help)
        @(Get-HelpProperty -Object (Get-HelpProperty -Object $Help -Name 'parameters') -Name 'parameter' | Where-Object { $null -ne $_ })
    }

    # Parameters every cmdlet gets from PowerShell (documented by about_CommonParameters).
    $commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters
    $helpSources = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'docs', 'help'
}

Describe 'PimRust help files' {
    It 'ships the cmdlet help and the about topic in en-US beside the manifest' {
        Join-Path -Path $ModuleRoot -ChildPath 'en-US' -AdditionalChildPath 'PimRust.Commands.dll-Help.xml' | Should -Exist
        Join-Path -Path $ModuleRoot -ChildPath 'en-US' -AdditionalChildPath 'about_PimRust.help.txt' | Should -Exist
    }

    It 'has a markdown source for every public command, and no source for a command it lacks' {
        $exported = @(Get-Command -Module PimRust | ForEach-Object -MemberName Name | Sort-Object)
        $documented = @(Get-ChildItem -Path $helpSources -Filter '*.md' -File | ForEach-Object -MemberName BaseName | Sort-Object)
        $exported | Should -Not -BeNullOrEmpty
        $documented | Should -Be $exported
    }
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $command = Get-Command -Name $Name -Module PimRust
        $help = Get-Help -Name $Name -Full
        $documented = Get-HelpParameter -Help $help
    }

    It 'is read from PimRust.Commands.dll-Help.xml' {
        Split-Path -Path $command.HelpFile -Leaf | Should -Be 'PimRust.Commands.dll-Help.xml'
    }

    It 'has a synopsis and a description' {
        $synopsis = Get-HelpText (Get-HelpProperty -Object $help -Name 'Synopsis')
        $synopsis | Should -Not -BeNullOrEmpty
        # Without help, Get-Help makes the synopsis from the syntax: "Get-PimContext [<CommonParameters>]".
        $synopsis | Should -Not -Match "^$([regex]::Escape($Name))(\s|$)" -Because 'the synopsis must be written, not generated from the syntax'
        Get-HelpText (Get-HelpProperty -Object $help -Name 'description') | Should -Not -BeNullOrEmpty -Because "$Name needs a description"
    }

    It 'has help text for every parameter' {
        $wanted = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters } | Sort-Object)
        $gaps = foreach ($parameterName in $wanted) {
            $entry = $documented | Where-Object { (Get-HelpProperty -Object $_ -Name 'name') -eq $parameterName } | Select-Object -First 1
            if ($null -eq $entry) {
                "-$parameterName is not in the help"
            }
            elseif (-not (Get-HelpText (Get-HelpProperty -Object $entry -Name 'description'))) {
                "-$parameterName has no help text"
            }
        }
        @($gaps) | Should -BeNullOrEmpty -Because "$Name has parameters: $($wanted -join ', ')"
    }

    It 'documents no parameter that the command does not have' {
        $stale = @($documented | ForEach-Object { Get-HelpProperty -Object $_ -Name 'name' } | Where-Object { -not $command.Parameters.ContainsKey($_) })
        $stale | Should -BeNullOrEmpty
    }

    It 'gives each parameter the type and position the command declares' {
        # Get-Help shows the MAML's syntax, not the command's: a renamed type or a new position must reach the docs.
        $gaps = foreach ($entry in $documented) {
            $parameterName = Get-HelpProperty -Object $entry -Name 'name'
            if (-not $command.Parameters.ContainsKey($parameterName)) { continue }
            $metadata = $command.Parameters[$parameterName]
            $type = Get-HelpText (Get-HelpProperty -Object (Get-HelpProperty -Object $entry -Name 'type') -Name 'name')
            if ($type -and $type -ne $metadata.ParameterType.FullName) {
                "-$parameterName is $($metadata.ParameterType.FullName), the help says $type"
            }
            $positions = @($metadata.ParameterSets.Values | Where-Object -Property Position -GE -Value 0 | ForEach-Object -MemberName Position | Sort-Object -Unique)
            $expected = if ($positions.Count -gt 0) { "$($positions[0])" } else { 'named' }
            $helpPosition = "$(Get-HelpProperty -Object $entry -Name 'position')"
            if ($helpPosition -ne $expected) {
                "-$parameterName is at position $expected, the help says $helpPosition"
            }
        }
        @($gaps) | Should -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and a sentence' {
        $examples = @(Get-HelpProperty -Object (Get-HelpProperty -Object $help -Name 'examples') -Name 'example' | Where-Object { $null -ne $_ })
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $title = Get-HelpText (Get-HelpProperty -Object $example -Name 'title')
            Get-HelpText (Get-HelpProperty -Object $example -Name 'code') | Should -Not -BeNullOrEmpty -Because "example '$title' needs code"
            Get-HelpText (Get-HelpProperty -Object $example -Name 'remarks') | Should -Not -BeNullOrEmpty -Because "example '$title' needs a sentence"
        }
    }

    It 'declares its output type with [OutputType], and its help names it' {
        $declared = @($command.OutputType | ForEach-Object -MemberName Name)
        $declared | Should -Not -BeNullOrEmpty -Because "$Name needs [OutputType]"
        $returnValues = Get-HelpProperty -Object (Get-HelpProperty -Object $help -Name 'returnValues') -Name 'returnValue'
        $named = @($returnValues | ForEach-Object { Get-HelpText (Get-HelpProperty -Object (Get-HelpProperty -Object $_ -Name 'type') -Name 'name') })
        $named | Should -Not -BeNullOrEmpty -Because "$Name needs an OUTPUTS section"
        foreach ($type in $declared | Where-Object { $_ -ne 'System.Void' }) {
            $named | Should -Contain $type
        }
    }

    It 'marks every parameter that accepts wildcards as supporting them' {
        # The Get-* commands filter by -Name and -Scope with wildcards; any other parameter with
        # [SupportsWildcards()] must say so in its help too.
        $wildcards = @($command.Parameters.Values |
                Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] } } |
                ForEach-Object -MemberName Name)
        if ($Name -like 'Get-*') {
            foreach ($parameterName in 'Name', 'Scope') {
                if ($command.Parameters.ContainsKey($parameterName)) {
                    $wildcards += $parameterName
                }
            }
        }
        $gaps = foreach ($parameterName in $wildcards | Sort-Object -Unique) {
            $entry = $documented | Where-Object { (Get-HelpProperty -Object $_ -Name 'name') -eq $parameterName } | Select-Object -First 1
            if ("$(Get-HelpProperty -Object $entry -Name 'globbing')" -ne 'true') {
                "-$parameterName is not marked as supporting wildcards in the help"
            }
            if (-not ($command.Parameters[$parameterName].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })) {
                "-$parameterName has no [SupportsWildcards()]"
            }
        }
        @($gaps) | Should -BeNullOrEmpty
    }
}

Describe 'about_PimRust' {
    BeforeAll {
        $topic = Get-Help -Name about_PimRust -ErrorAction Stop | Out-String
        $lines = [System.IO.File]::ReadAllLines((Join-Path -Path $ModuleRoot -ChildPath 'en-US' -AdditionalChildPath 'about_PimRust.help.txt'))
    }

    It 'is returned by Get-Help about_PimRust' {
        $topic | Should -Match '(?m)^TOPIC\s+about_PimRust'
        $topic | Should -Match '(?m)^SHORT DESCRIPTION'
        $topic | Should -Match '(?m)^LONG DESCRIPTION'
    }

    It 'explains the object model, the statuses, the error ids and signing in' {
        foreach ($term in 'PimRust.EligibleRole', 'PimRust.ActiveRole', 'PimRust.ActivationRequest', 'PimRust.Context',
            'RoleDefinitionId', 'AccessId', 'TenantId', 'Activated', 'PendingApproval', 'PendingProvisioning', 'Scheduled',
            'AlreadyActive', 'Validated', 'Deactivated', 'Failed', 'PimRust.<Kind>.<Code>', 'UseDeviceCode', 'AccessToken',
            'ClientId', 'Disconnect-Pim', 'SandboxUrl') {
            $topic | Should -BeLike "*$term*"
        }
    }

    It 'keeps to 80 columns' {
        @($lines | Where-Object -Property Length -GT -Value 80) | Should -BeNullOrEmpty
    }
}
