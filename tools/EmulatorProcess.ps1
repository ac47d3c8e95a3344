# Starting the sandbox emulator (pimrust-emulator) as a child process: shared by the Pester fixtures, the
# benchmark and the demo. Dot-source this file.

function Start-PimEmulatorProcess {
    # Starts the emulator on a free loopback port with -Scenario (a built-in name such as 'demo', or a
    # scenario file) and returns its URL and process; the caller stops the process.
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Starts an emulator process that the caller owns and stops.')]
    param([Parameter(Mandatory)] [string] $Emulator, [Parameter(Mandatory)] [string] $Scenario)
    $start = [System.Diagnostics.ProcessStartInfo]::new($Emulator, @('--scenario', $Scenario, '--port', '0'))
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $url = $process.StandardOutput.ReadLine()
    if ($url -notmatch '^http://127\.0\.0\.1:\d+') {
        $process.Kill()
        throw "The emulator did not print its URL (got '$url')."
    }
    [pscustomobject]@{ Url = $url.Trim(); Process = $process }
}
