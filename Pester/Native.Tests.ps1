#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ManifestPath -Force -ErrorAction Stop
    # The module's diagnostic cmdlet (compiled, not exported): runs one native method as the cmdlets do.
    $native = [System.Management.Automation.CmdletInfo]::new('Invoke-PimNativeOperation', [PimRust.Commands.InvokePimNativeOperationCommand])
}

AfterAll {
    Remove-Module PimRust -ErrorAction Ignore
}

Describe 'Native operations through the module' {
    It 'round-trips non-ASCII text through sys.echo' {
        $text = 'Příliš žluťoučký kůň – 東京 – 🚀 "quoted" \ back'
        $result = & $native -Method 'sys.echo' -Parameters @{ text = $text }
        $result.text | Should -BeExactly $text
    }

    It 'turns an error envelope into an ErrorRecord with a stable FullyQualifiedErrorId' {
        $record = $null
        try {
            & $native -Method 'pim.noSuchMethod'
        }
        catch {
            $record = $_
        }
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -BeLike 'PimRust.UnknownMethod,*'
        $record.CategoryInfo.Category | Should -Be 'NotImplemented'
        $record.Exception.Message | Should -Match 'pim.noSuchMethod'
    }

    It 'maps invalid params to an InvalidArgument ErrorRecord' {
        { & $native -Method 'sys.sleep' -Parameters @{ ms = 'soon' } } |
            Should -Throw -ErrorId 'PimRust.InvalidArgument*'
    }

    It 'shows native tracing on the debug stream with -Debug' {
        $debug = & $native -Method 'sys.echo' -Parameters @{ a = 1 } -Debug 5>&1 |
            Where-Object { $_ -is [System.Management.Automation.DebugRecord] }
        ($debug.Message -join "`n") | Should -Match '(?m)^operation started'
    }

    It 'stops a running sys.sleep within half a second and leaves no native op running' {
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $shell = [powershell]::Create($runspace)
        try {
            $null = $shell.AddScript("Import-Module '$ManifestPath'; & ([System.Management.Automation.CmdletInfo]::new('Invoke-PimNativeOperation', [PimRust.Commands.InvokePimNativeOperationCommand])) -Method 'sys.sleep' -Parameters @{ ms = 60000 }")
            $async = $shell.BeginInvoke()
            Start-Sleep -Milliseconds 700
            $async.IsCompleted | Should -BeFalse
            $stopwatch = [System.Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $stopwatch.Stop()
            $stopwatch.ElapsedMilliseconds | Should -BeLessThan 500

            $shell.Commands.Clear()
            $null = $shell.AddScript('$s = [PimRust.Commands.ModuleSession]::Current; "$($s.LiveOperations)/$($s.RunningOperations)"')
            $deadline = [datetime]::UtcNow.AddSeconds(2)
            do {
                $counts = $shell.Invoke() | Select-Object -Last 1
            } until ($counts -eq '0/0' -or [datetime]::UtcNow -gt $deadline)
            $counts | Should -Be '0/0'
        }
        finally {
            $shell.Dispose()
            $runspace.Dispose()
        }
    }
}
