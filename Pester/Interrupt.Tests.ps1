#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.5.0' }
# Ctrl+C at any moment (issue 14, R4): Connect-Pim, Get-PimEligibleRole, Invoke-PimActivation and
# Wait-PimRequest stopped at random points return within a second, leave no native op, no half sign-in,
# and no sent request that nobody can see. A short run here; 100 runs under PIMRUST_RELIABILITY=heavy
# (`cargo xtask reliability`). PIMRUST_INTERRUPT_SEED replays a run's random choices.
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseDeclaredVarsMoreThanAssignments', '', Justification = 'Pester shares BeforeAll variables with the It blocks, which the analyzer cannot see.')]
param()

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Sandbox.ps1')
    . (Join-Path $PSScriptRoot 'Interruption.ps1')
    $scenario = New-InterruptScenario
    $runs = if ($env:PIMRUST_RELIABILITY -eq 'heavy') { 100 } else { 12 }
    $seed = if ($env:PIMRUST_INTERRUPT_SEED) { [int]$env:PIMRUST_INTERRUPT_SEED } else { Get-Random -Maximum 1000000 }
}

AfterAll {
    Remove-Item -LiteralPath $scenario -ErrorAction Ignore
}

Describe 'Ctrl+C at any moment' {
    It 'stops each command at random points within a second and leaves nothing behind' {
        Write-Information -MessageData "interrupt: $runs runs, seed $seed (PIMRUST_INTERRUPT_SEED=$seed replays them)" -InformationAction Continue
        $random = [System.Random]::new($seed)
        $commands = 'Connect-Pim', 'Get-PimEligibleRole', 'Invoke-PimActivation', 'Wait-PimRequest'
        # One runspace for every run, as a user goes on typing in the session where they pressed Ctrl+C.
        $shell = [powershell]::Create()
        try {
            $null = Invoke-InShell $shell "Import-Module -Name '$ManifestPath'"
            $results = for ($run = 0; $run -lt $runs; $run++) {
                $command = $commands[$run % $commands.Count]
                $delayMs = $random.Next(0, $InterruptDelayMs[$command] + 1)
                Invoke-InterruptRun -Shell $shell -Scenario $scenario -Command $command -DelayMs $delayMs -Seed $random.Next()
            }
        }
        finally {
            $shell.Dispose()
        }
        Write-Information -MessageData (Format-InterruptFigure -Result $results -Seed $seed) -InformationAction Continue
        $slow = @($results | Where-Object StopMs -GE 1000 | ForEach-Object { "$($_.Command) after $($_.DelayMs) ms: $($_.StopMs) ms" })
        $slow | Should -BeNullOrEmpty -Because 'control returns within a second'
        $orphans = @($results | Where-Object LiveOps -GT 0 | ForEach-Object { "$($_.Command) after $($_.DelayMs) ms: $($_.LiveOps) ops" })
        $orphans | Should -BeNullOrEmpty -Because 'a stop cancels every native op it started'
        $problems = @($results | Where-Object { $_.Problems.Count } | ForEach-Object { "$($_.Command) after $($_.DelayMs) ms: $($_.Problems -join '; ')" })
        $problems | Should -BeNullOrEmpty
    }
}
