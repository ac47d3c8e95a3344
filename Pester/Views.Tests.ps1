#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

# The default views of PimRust.Format.ps1xml, rendered as a user sees them (Out-String -Width 80 and 120)
# against the demo sandbox: 13 eligibilities of every kind, a group member and a group owner, two Azure
# Readers at different scopes, approval, ticket and authentication-context policies. The tables are read
# back into cells, so "nothing is cut" means each cell holds exactly the text the object carries.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    . (Join-Path $PSScriptRoot 'Rendering.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop
    $sandbox = Start-PimSandbox
    Connect-PimSandbox $sandbox

    $script:StatusWords = 'Eligible', 'Active', 'PendingActivation', 'Activated', 'PendingApproval', 'PendingProvisioning',
    'Scheduled', 'AlreadyActive', 'Validated', 'Deactivated', 'Failed'

    $eligible = @(Get-PimEligibleRole)
    $results = @($eligible | Invoke-PimActivation -Justification 'INC-1234' -Validate -ErrorAction SilentlyContinue -InformationAction Ignore)
    $picked = {
        $_.RoleName -eq 'Global Reader' -or ($_.Kind -eq 'Group' -and $_.AccessId -eq 'member') -or
        ($_.RoleName -eq 'Reader' -and $_.ScopeDisplayName -eq 'rg-web-dev')
    }
    $toActivate = @($eligible | Where-Object -FilterScript $picked)
    $activated = @($toActivate | Invoke-PimActivation -Justification 'INC-1234' -Wait -TimeoutSec 60 -InformationAction Ignore)
    $relisted = @(Get-PimEligibleRole)
    $active = @(Get-PimActiveRole)
    $context = Get-PimContext
}

AfterAll {
    Remove-Module PimRust -ErrorAction Ignore
    Stop-PimSandbox $sandbox
}

Describe 'The sandbox gives the views what they must show' {
    It 'has every kind, both Readers, a failed activation and active roles' {
        $eligible.Count | Should -Be 13
        @($eligible | Where-Object RoleName -EQ 'Reader').Count | Should -Be 2
        @($results | Where-Object Status -EQ 'Failed').RoleName | Should -Contain 'Privileged Role Administrator'
        $activated.Status | Sort-Object -Unique | Should -Be 'Activated'
        $active.Count | Should -BeGreaterOrEqual 4
    }
}

Describe 'Default views at <_> columns' -ForEach 80, 120 {
    BeforeAll {
        $width = $_
    }

    Context 'Get-PimEligibleRole' {
        BeforeAll {
            $lines = Get-RenderedLine -InputObject $eligible -Width $width
            $table = ConvertFrom-RenderedTable -Line $lines
            $relistedTable = ConvertFrom-RenderedTable -Line (Get-RenderedLine -InputObject $relisted -Width $width)
        }

        It 'fits the width, cuts nothing and drops no column' {
            Assert-FitsAndUncut -Line $lines -Width $width
            $table.Labels | Should -Be @('Kind', 'Name', 'Scope', 'Status', 'Max', 'Requires')
            $table.HeaderIsOneLine | Should -BeTrue -Because 'a header wrapped into pieces (Activ/eUnti/l) is unreadable'
            $table.Rows.Count | Should -Be 13
        }

        It 'shows each role on one row: short kind, the name -Name takes, scope name, status in full' {
            foreach ($t in @($table, $relistedTable)) {
                foreach ($row in $t.Rows) {
                    foreach ($column in 'Kind', 'Name', 'Scope', 'Status', 'Max') {
                        $row.$column.Count | Should -Be 1 -Because "$column of '$($row.Name -join '|')' must stay on one line, whole"
                    }
                }
            }
            foreach ($pair in @(@{ Roles = $eligible; Table = $table }, @{ Roles = $relisted; Table = $relistedTable })) {
                foreach ($role in $pair.Roles) {
                    $name = Get-ExpectedName $role
                    $row = @($pair.Table.Rows | Where-Object { $_.Name[0] -ceq $name -and $_.Scope[0] -ceq $role.ScopeDisplayName })
                    $row.Count | Should -Be 1 -Because "'$name' at '$($role.ScopeDisplayName)' must have exactly one row"
                    $row[0].Kind[0] | Should -BeExactly (Get-ExpectedKind $role.Kind)
                    $status = if ($role.Status -eq 'PendingActivation') { 'Pending' } else { [string]$role.Status }
                    $row[0].Status[0] | Should -BeExactly $status
                }
            }
            $names = @($table.Rows | ForEach-Object { $_.Name[0] })
            $names | Should -Contain 'Finance Approvers (member)'
            $names | Should -Contain 'Platform Owners (owner)'
            @($relistedTable.Rows | ForEach-Object { $_.Status[0] }) | Should -Contain 'Active'
        }

        It 'keeps every column when a name is longer than its column, wrapping the name instead' {
            # Real tenants have longer names than the demo ('Microsoft Entra Joined Device Local Administrator'
            # is 49 characters). A table sized from its content would then drop Requires and squash Max.
            $copy = [ordered]@{}
            foreach ($property in $eligible[0].PSObject.Properties) {
                $copy[$property.Name] = $property.Value
            }
            $copy['RoleName'] = 'Microsoft Entra Joined Device Local Administrator'
            $long = [pscustomobject]$copy
            $long.PSObject.TypeNames.Insert(0, 'PimRust.EligibleRole')
            $longLines = Get-RenderedLine -InputObject (@($long) + $eligible) -Width $width
            Assert-FitsAndUncut -Line $longLines -Width $width
            $longTable = ConvertFrom-RenderedTable -Line $longLines
            $longTable.Labels | Should -Be @('Kind', 'Name', 'Scope', 'Status', 'Max', 'Requires')
            $longTable.HeaderIsOneLine | Should -BeTrue
            Get-Squeezed $longTable.Rows[0].Name | Should -BeExactly (Get-Squeezed $copy['RoleName'])
            $longTable.Rows[0].Status[0] | Should -BeExactly ([string]$eligible[0].Status)
            Join-Wrapped $longTable.Rows[0].Requires | Should -BeExactly 'Just AC:c1'
        }

        It 'tells the two Readers apart by scope' {
            $readers = @($table.Rows | Where-Object { $_.Name[0] -eq 'Reader' })
            @($readers | ForEach-Object { $_.Scope[0] } | Sort-Object) | Should -Be @('rg-data-prod', 'rg-web-dev')
        }

        It 'condenses requirements and maximum durations, wrapping between words rather than cutting' {
            $expected = @{
                'Privileged Role Administrator' = @('Just Ticket MFA', '1h')
                'Security Administrator'        = @('Just MFA Appr', '4h')
                'Exchange Administrator'        = @('Just AC:c1', '1h')
                'Finance Approvers (member)'    = @('Just', '8h')
                'Global Reader'                 = @('Just MFA', '8h')
            }
            foreach ($name in $expected.Keys) {
                $row = $table.Rows | Where-Object { $_.Name[0] -eq $name }
                Join-Wrapped $row.Requires | Should -BeExactly $expected[$name][0]
                $row.Max[0] | Should -BeExactly $expected[$name][1]
            }
            foreach ($piece in $table.Rows.Requires) {
                foreach ($word in -split $piece) {
                    $word | Should -Match '^(Just|Ticket|MFA|Appr|AC:c\d+|none|unknown)$' -Because "a requirement is never cut in the middle ('$piece')"
                }
            }
            # Elsewhere the view breaks requirement lists itself, at the width of 80 columns (see below).
            if ($width -ge 120 -and (Get-Culture).TwoLetterISOLanguageName -in 'en', 'fr', 'de', 'it', 'pt', 'es') {
                $table.Rows | ForEach-Object { $_.Requires.Count | Should -Be 1 -Because 'at 120 columns every requirement list fits on its row' }
            }
        }
    }

    Context 'activation results' {
        BeforeAll {
            $lines = Get-RenderedLine -InputObject $results -Width $width
            $table = ConvertFrom-RenderedTable -Line $lines
            $activatedTable = ConvertFrom-RenderedTable -Line (Get-RenderedLine -InputObject $activated -Width $width)
        }

        It 'fits the width, cuts nothing and drops no column' {
            Assert-FitsAndUncut -Line $lines -Width $width
            $table.Labels | Should -Be @('Kind', 'Name', 'Scope', 'Status')
            $table.HeaderIsOneLine | Should -BeTrue
            $table.Rows.Count | Should -Be $results.Count
        }

        It 'shows kind, name, scope and the status word in full on each row' {
            for ($i = 0; $i -lt $results.Count; $i++) {
                $row = $table.Rows[$i]
                $row.Kind | Should -BeExactly (Get-ExpectedKind $results[$i].Kind)
                $row.Name.Count | Should -Be 1
                $row.Scope.Count | Should -Be 1
                ($row.Status[0] -split ',')[0] | Should -BeExactly ([string]$results[$i].Status)
                ($row.Status[0] -split ',')[0] | Should -BeIn $StatusWords
            }
            @($table.Rows | ForEach-Object { $_.Name[0] } | Sort-Object) |
                Should -Be @($eligible | ForEach-Object { Get-ExpectedName $_ } | Sort-Object) -Because 'the name shown is the name -Name takes'
            for ($i = 0; $i -lt $activated.Count; $i++) {
                $expected = if ($null -ne $activated[$i].End) { '^Activated, (\d+h(\d+m)?|\d+m) left$' } else { '^Activated$' }
                $activatedTable.Rows[$i].Status[0] | Should -Match $expected
            }
        }

        It 'tells the two Reader results apart by scope' {
            $readers = @($table.Rows | Where-Object { $_.Name[0] -eq 'Reader' })
            $readers.Count | Should -Be 2
            @($readers | ForEach-Object { $_.Scope[0] } | Sort-Object) | Should -Be @('rg-data-prod', 'rg-web-dev')
        }

        It 'shows the whole error text of a failed activation under its status' {
            $failures = @($results | Where-Object Status -EQ 'Failed')
            $failures.Count | Should -BeGreaterOrEqual 1
            foreach ($failure in $failures) {
                $cell = @($table.Rows[[array]::IndexOf($results, $failure)].Status)
                $cell[0] | Should -BeExactly 'Failed'
                $cell.Count | Should -BeGreaterThan 1 -Because 'the error text follows the status word'
                Get-Squeezed $cell[1..($cell.Count - 1)] | Should -BeExactly (Get-Squeezed $failure.ErrorMessage)
            }
            $ticket = $failures | Where-Object RoleName -EQ 'Privileged Role Administrator'
            $ticket.ErrorMessage | Should -Match 'ticket'
        }

        It 'prints each result as it arrives, without waiting to size the columns' {
            # A table whose first column has no width is held back to be sized from what arrives in its first
            # 300 ms, so a result Wait-PimRequest emits would not show until the next one, and Ctrl+C would lose it.
            foreach ($type in 'PimRust.ActivationRequest', 'PimRust.EligibleRole', 'PimRust.ActiveRole') {
                $view = (Get-FormatData -TypeName $type).FormatViewDefinition |
                    Where-Object { $_.Control -is [System.Management.Automation.TableControl] } | Select-Object -First 1
                $view.Control.Headers[0].Width | Should -BeGreaterThan 0 -Because "$type rows must print as they come"
            }
        }
    }

    Context 'Get-PimActiveRole' {
        BeforeAll {
            $lines = Get-RenderedLine -InputObject $active -Width $width
            $table = ConvertFrom-RenderedTable -Line $lines
        }

        It 'fits the width, cuts nothing and drops no column' {
            Assert-FitsAndUncut -Line $lines -Width $width
            $table.Labels | Should -Be @('Kind', 'Name', 'Scope', 'Expires')
            $table.HeaderIsOneLine | Should -BeTrue
            $table.Rows.Count | Should -Be $active.Count
        }

        It 'shows the time each role has left' {
            foreach ($row in $table.Rows) {
                $row.Expires.Count | Should -Be 1
                $row.Expires[0] | Should -Match '^(\d+d|\d+h(\d+m)?|\d+m) left \(.+\)$'
            }
            ($table.Rows | Where-Object { $_.Name[0] -eq 'Reports Reader' }).Expires[0] | Should -Match '^3h\d+m left' -Because 'the sandbox starts it with 4 hours to go'
        }

        It 'shows kind, name and scope on one line each' {
            foreach ($role in $active) {
                $row = @($table.Rows | Where-Object { $_.Name[0] -ceq (Get-ExpectedName $role) -and $_.Scope[0] -ceq $role.ScopeDisplayName })
                $row.Count | Should -Be 1
                $row[0].Kind[0] | Should -BeExactly (Get-ExpectedKind $role.Kind)
            }
            @($table.Rows | ForEach-Object { $_.Name[0] }) | Should -Contain 'Finance Approvers (member)'
        }
    }

    Context 'Get-PimContext' {
        BeforeAll {
            $lines = Get-RenderedLine -InputObject $context -Width $width
        }

        It 'fits the width and shows no raw objects' {
            Assert-FitsAndUncut -Line $lines -Width $width
            ($lines -join "`n") | Should -Not -Match '@\{|System\.Object\[\]'
        }

        It 'lists the tokens one per line: resource, expiry, source' {
            $start = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($line) $line -match '^Tokens\s*: ' })
            $start | Should -BeGreaterThan -1
            $tokenLines = [System.Collections.Generic.List[string]]::new()
            $tokenLines.Add($lines[$start])
            for ($i = $start + 1; $i -lt $lines.Count -and $lines[$i] -match '^\s+\S'; $i++) {
                $tokenLines.Add($lines[$i])
            }
            $tokenLines.Count | Should -Be @($context.Tokens).Count
            foreach ($token in $context.Tokens) {
                $line = @($tokenLines | Where-Object { $_ -match [regex]::Escape($token.Resource) })
                $line.Count | Should -Be 1
                $line[0] | Should -Match '(\d+h)?(\d+m)? left \(\d\d:\d\d\) '
                $line[0] | Should -Match ([regex]::Escape([string]$token.Source))
            }
        }

        It 'shows the endpoints in use, one per line' {
            $text = $lines -join "`n"
            $text | Should -Match ('Graph\s+' + [regex]::Escape($sandbox.Url))
            $text | Should -Match ('Arm\s+' + [regex]::Escape($sandbox.Url))
        }

        It 'tables the tokens themselves' {
            $tokenTable = Get-RenderedLine -InputObject $context.Tokens -Width $width
            Assert-FitsAndUncut -Line $tokenTable -Width $width
            (ConvertFrom-RenderedTable -Line $tokenTable).Labels | Should -Be @('Resource', 'Expires', 'Source', 'Acrs', 'Amr')
        }
    }

    Context 'Format-List' {
        It 'shows an eligibility in full, with the name -Name takes' {
            $group = $eligible | Where-Object { $_.Kind -eq 'Group' -and $_.AccessId -eq 'member' }
            $lines = Get-RenderedLine -InputObject $group -Width $width -List
            Assert-FitsAndUncut -Line $lines -Width $width
            $text = $lines -join "`n"
            $text | Should -Match 'Name\s+: Finance Approvers \(member\)'
            $text | Should -Match 'MaxDuration\s+: 8h'
            $text | Should -Match 'Requires\s+: Justification'
            $text | Should -Match ('GroupId\s+: ' + $group.GroupId)
            $text | Should -Match ('EligibilityInstanceId\s+: ')
        }

        It 'shows an active role with its end and time left' {
            $lines = Get-RenderedLine -InputObject ($active | Where-Object RoleName -EQ 'Reports Reader') -Width $width -List
            Assert-FitsAndUncut -Line $lines -Width $width
            ($lines -join "`n") | Should -Match 'ActiveUntil\s+: \d{4}-\d\d-\d\d \d\d:\d\d \(3h\d+m left\)'
        }

        It 'shows a failed activation with its code and whole message' {
            $failure = $results | Where-Object RoleName -EQ 'Privileged Role Administrator'
            $lines = Get-RenderedLine -InputObject $failure -Width $width -List
            Assert-FitsAndUncut -Line $lines -Width $width
            $text = $lines -join "`n"
            $text | Should -Match 'Status\s+: Failed'
            $text | Should -Match ('ErrorCode\s+: ' + $failure.ErrorCode)
            Get-Squeezed $text | Should -BeLike ('*' + (Get-Squeezed $failure.ErrorMessage) + '*')
        }
    }
}

Describe 'Rendering in a word-wrapping culture (en-US)' {
    BeforeAll {
        $previous = [cultureinfo]::CurrentCulture
        [cultureinfo]::CurrentCulture = [cultureinfo]::GetCultureInfo('en-US')
    }

    AfterAll {
        [cultureinfo]::CurrentCulture = $previous
    }

    It 'still fits 80 columns and shows a failed activation''s whole message' {
        $lines = Get-RenderedLine -InputObject $results -Width 80
        Assert-FitsAndUncut -Line $lines -Width 80
        $table = ConvertFrom-RenderedTable -Line $lines
        $failure = $results | Where-Object RoleName -EQ 'Privileged Role Administrator'
        $cell = @($table.Rows[[array]::IndexOf($results, $failure)].Status)
        $cell.Count | Should -BeGreaterThan 1
        Get-Squeezed $cell[1..($cell.Count - 1)] | Should -BeExactly (Get-Squeezed $failure.ErrorMessage)
    }
}

Describe 'Names and values as the views show them (issue 11, items 13 and 18)' {
    It 'selects the role a table row shows when its name is given to -Name' {
        foreach ($role in $eligible) {
            $name = Get-ExpectedName $role
            $found = @(Get-PimEligibleRole -Name $name)
            $found.Count | Should -BeGreaterOrEqual 1 -Because "'$name' is what the table shows"
            $found | ForEach-Object { Get-ExpectedName $_ | Should -BeExactly $name }
        }
    }

    It 'shows readable values under Format-List *' {
        $text = (Get-PimContext | Format-List -Property * | Out-String -Width 120) -replace '\e\[[0-9;]*m', ''
        $text | Should -Not -Match '@\{|System\.Object\[\]'
        $text | Should -Not -Match 'Tenant\s*: organizations'
    }
}

Describe 'Requirements at 80 columns in the <_> culture' -ForEach 'en-US', 'invariant', 'ja-JP' {
    BeforeAll {
        $saved = [cultureinfo]::CurrentCulture
        # PowerShell wraps table cells between words in a few languages only, elsewhere in the middle of one.
        [cultureinfo]::CurrentCulture = if ($_ -eq 'invariant') { [cultureinfo]::InvariantCulture } else { $_ }
        $table = ConvertFrom-RenderedTable -Line (Get-RenderedLine -InputObject $eligible -Width 80)
    }

    AfterAll {
        [cultureinfo]::CurrentCulture = $saved
    }

    It 'never cuts a requirement in the middle' {
        foreach ($row in $table.Rows) {
            foreach ($word in -split ($row.Requires -join ' ')) {
                $word | Should -Match '^(Just|Ticket|MFA|Appr|AC:c\d+|none|unknown)$' -Because "'$($row.Name[0])' shows '$($row.Requires -join '|')'"
            }
        }
        Join-Wrapped ($table.Rows | Where-Object { $_.Name[0] -eq 'Privileged Role Administrator' }).Requires | Should -BeExactly 'Just Ticket MFA'
    }
}
