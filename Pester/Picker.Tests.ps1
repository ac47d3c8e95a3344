#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Select-PimRole, the picker that replaces Out-GridView on Linux and macOS: driven as a user drives it,
# in a real terminal (a pseudo-terminal from `script`, 80 columns), against the sandbox tenant; and
# refused at once where nobody can answer.
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll/BeforeEach variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Common.ps1')
    . (Join-Path -Path $PSScriptRoot -ChildPath 'Sandbox.ps1')
    Import-Module -Name $ManifestPath -Force -ErrorAction Stop

    function New-PickerScript {
        # A child session's script: import the module, sign in to the sandbox, run $Pipeline, and
        # print each object that comes out as PICKED<name@scope>, then DONE.
        [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Test fixture: writes a script into the test drive.')]
        param($Sandbox, [Parameter(Mandatory)] [string] $Pipeline)
        $path = Join-Path -Path $TestDrive -ChildPath "picker-$([guid]::NewGuid().ToString('n')).ps1"
        $graph = Get-PimSandboxToken -Sandbox $Sandbox -Resource graph
        $arm = Get-PimSandboxToken -Sandbox $Sandbox -Resource arm
        $lines = @(
            '$ErrorActionPreference = ''Stop'''
            "Import-Module -Name '$ManifestPath'"
            "Connect-Pim -SandboxUrl '$($Sandbox.Url)' -AccessToken '$graph' -ArmAccessToken '$arm' | Out-Null"
            "try { $Pipeline | ForEach-Object { 'PICKED<{0}@{1}>' -f `$_.DisplayName, `$_.ScopeDisplayName } }"
            'catch { ''ERRORID='' + $_.FullyQualifiedErrorId; ''ACTION='' + $_.ErrorDetails.RecommendedAction }'
            '''DONE'''
        )
        Set-Content -LiteralPath $path -Value $lines -Encoding utf8NoBOM
        $path
    }

    function Invoke-PickerInTerminal {
        # Runs the script in a pwsh inside a pseudo-terminal of 80 columns (`script` from util-linux) and plays
        # the terminal: answers its cursor-position queries, and types each answer once the prompt for it is
        # shown and the session has gone quiet. Returns what the terminal showed, without control sequences.
        param(
            [Parameter(Mandatory)] [string] $Path,
            [string[]] $Answers = @(),
            [int] $TimeoutSec = 90
        )
        $start = [System.Diagnostics.ProcessStartInfo]::new('script')
        $command = "stty cols 80 rows 50; exec '$(Get-PwshPath)' -NoProfile -File '$Path'"
        foreach ($argument in '-qec', $command, '/dev/null') { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $start.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($start)
        $shown = [System.Text.StringBuilder]::new()
        $buffer = [char[]]::new(4096)
        $answered = 0
        $queries = 0
        $quiet = [System.Diagnostics.Stopwatch]::StartNew()
        $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
        try {
            $reading = $process.StandardOutput.ReadAsync($buffer, 0, $buffer.Length)
            while ([datetime]::UtcNow -lt $deadline) {
                if ($reading.Wait(50)) {
                    if ($reading.Result -eq 0) { break }
                    $null = $shown.Append($buffer, 0, $reading.Result)
                    $reading = $process.StandardOutput.ReadAsync($buffer, 0, $buffer.Length)
                    $quiet.Restart()
                }
                $text = $shown.ToString()
                # .NET asks the terminal where the cursor is (ESC[6n) and waits for the answer; typed keys that
                # arrive meanwhile are taken for the answer, so answer first and type only when all is quiet.
                $asked = ([regex]::Matches($text, '\x1b\[6n')).Count
                while ($queries -lt $asked) {
                    $process.StandardInput.Write("$([char]27)[1;1R")
                    $queries++
                }
                $prompts = ([regex]::Matches($text, 'empty for none: ')).Count
                if ($answered -lt $Answers.Count -and $prompts -gt $answered -and $quiet.ElapsedMilliseconds -gt 500) {
                    # Enter in a terminal is a carriage return.
                    $process.StandardInput.Write($Answers[$answered] + "`r")
                    $answered++
                }
                $process.StandardInput.Flush()
            }
        }
        finally {
            if (-not $process.WaitForExit(5000)) {
                $process.Kill($true)
            }
            $process.StandardInput.Close()
        }
        $shown.ToString() -replace '\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]', '' -replace "`r", ''
    }

    function Get-Picked {
        param([string] $Shown)
        @([regex]::Matches($Shown, 'PICKED<([^>]*)>') | ForEach-Object { $_.Groups[1].Value })
    }
}

AfterAll {
    Remove-Module -Name PimRust -ErrorAction Ignore
}

Describe 'Select-PimRole' {
    BeforeAll {
        $sandbox = Start-PimSandbox
    }

    AfterAll {
        Stop-PimSandbox $sandbox
    }

    # util-linux script(1) provides the pseudo-terminal; macOS and Windows have no such command.
    Context 'in a terminal' -Skip:(-not $IsLinux) {
        It 'passes on exactly the roles typed, after refusing a bad answer' {
            $path = New-PickerScript -Sandbox $sandbox -Pipeline 'Get-PimEligibleRole | Select-PimRole'
            $shown = Invoke-PickerInTerminal -Path $path -Answers '14', '2, 8 12-13'
            $shown | Should -Match 'There is no role 14: the numbers go from 1 to 13\.'
            Get-Picked $shown | Should -Be @(
                'Global Reader@Directory'
                'Finance Approvers (member)@Finance Approvers'
                'Reader@rg-web-dev'
                'Reader@rg-data-prod'
            )
            $shown | Should -Match '(?m)^DONE$'
        }

        It 'numbers the roles in a list that fits 80 columns' {
            $path = New-PickerScript -Sandbox $sandbox -Pipeline 'Get-PimEligibleRole -Kind Group | Select-PimRole -Title ''Groups to activate'''
            $shown = Invoke-PickerInTerminal -Path $path -Answers ''
            $list = @($shown -split "`n" | Where-Object { $_ -match '^\s*(#|\d+) ' })
            $list[0] | Should -Match '^# Kind +Name +Scope +Status +Requires$'
            $list[1] | Should -Match '^1 Group Finance Approvers \(member\) +Finance Approvers +Eligible +Just$'
            $list[2] | Should -Match '^2 Group Platform Owners \(owner\) +Platform Owners +Eligible +Just MFA$'
            $list | ForEach-Object { $_.Length | Should -BeLessThan 80 }
            $shown | Should -Match 'Groups to activate \(e\.g\. 1,3-5\), empty for none: '
            Get-Picked $shown | Should -BeNullOrEmpty -Because 'an empty answer selects nothing'
            $shown | Should -Match '(?m)^DONE$'
        }

        It 'feeds Invoke-PimActivation -WhatIf only the roles chosen' {
            $path = New-PickerScript -Sandbox $sandbox -Pipeline 'Get-PimEligibleRole -Kind AzureResource | Select-PimRole | Invoke-PimActivation -Justification x -WhatIf'
            $shown = Invoke-PickerInTerminal -Path $path -Answers '3'
            $whatIf = @($shown -split "`n" | Where-Object { $_ -like 'What if:*' })
            $whatIf.Count | Should -Be 1
            $whatIf[0] | Should -Match 'Reader.*rg-web-dev'
            @(Get-PimSandboxLog $sandbox | Where-Object { $_.method -in 'POST', 'PUT' -and $_.path -like '*Request*' }).Count | Should -Be 0
        }

        It 'passes on nothing when Ctrl+C is pressed at the prompt' {
            $path = New-PickerScript -Sandbox $sandbox -Pipeline 'Get-PimEligibleRole | Select-PimRole'
            $shown = Invoke-PickerInTerminal -Path $path -Answers "1-3$([char]3)" -TimeoutSec 60
            $shown | Should -Match 'empty for none: '
            Get-Picked $shown | Should -BeNullOrEmpty
        }
    }

    Context 'where nobody can answer' {
        It 'fails at once under pwsh -NonInteractive, before anything is listed' {
            $path = New-PickerScript -Sandbox $sandbox -Pipeline 'Get-PimEligibleRole | Select-PimRole'
            Invoke-RestMethod -Method Delete -Uri "$($sandbox.Url)/_emulator/requests" | Out-Null
            $run = Invoke-FreshPwshWithin -Script "& '$path'" -TimeoutSec 60
            $run.TimedOut | Should -BeFalse
            $run.Output | Should -Match 'ERRORID=PimRust\.NonInteractive,Select-PimRole'
            $run.Output | Should -Match 'ACTION=.*filter with -Name / -Scope / -Kind instead'
            $run.Output | Should -Not -Match 'PICKED<'
            @(Get-PimSandboxLog $sandbox | Where-Object { $_.path -like '*ligib*' }).Count | Should -Be 0 -Because 'nothing upstream runs'
        }

        It 'fails at once when console input is redirected' {
            $path = New-PickerScript -Sandbox $sandbox -Pipeline 'Get-PimEligibleRole | Select-PimRole'
            $output = '1-13' | & (Get-PwshPath) -NoProfile -File $path 2>&1
            ($output -join "`n") | Should -Match 'ERRORID=PimRust\.NonInteractive,Select-PimRole'
            ($output -join "`n") | Should -Not -Match 'PICKED<'
        }
    }
}
