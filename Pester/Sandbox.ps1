# Starts the sandbox emulator (PIMRUST_EMULATOR, built by `cargo xtask test`) for a test file, and
# signs the module in against it with tokens minted by the emulator's control plane.

function Start-PimSandbox {
    param([string] $Scenario = 'demo')
    $exe = $env:PIMRUST_EMULATOR
    if (-not $exe -or -not (Test-Path $exe)) {
        throw 'PIMRUST_EMULATOR must name the pimrust-emulator binary; run `cargo xtask test`.'
    }
    $start = [System.Diagnostics.ProcessStartInfo]::new($exe, @('--scenario', $Scenario, '--port', '0'))
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

function Stop-PimSandbox {
    param($Sandbox)
    if ($Sandbox -and -not $Sandbox.Process.HasExited) {
        $Sandbox.Process.Kill()
        $Sandbox.Process.WaitForExit(5000) | Out-Null
    }
}

function Get-PimSandboxToken {
    param($Sandbox, [ValidateSet('graph', 'arm')] [string] $Resource, [string[]] $Acrs)
    $body = @{ resource = $Resource }
    if ($Acrs) { $body.acrs = $Acrs }
    (Invoke-RestMethod -Method Post -Uri "$($Sandbox.Url)/_emulator/tokens" -Body ($body | ConvertTo-Json) -ContentType 'application/json').access_token
}

function Connect-PimSandbox {
    param($Sandbox)
    Connect-Pim -SandboxUrl $Sandbox.Url -AccessToken (Get-PimSandboxToken $Sandbox graph) -ArmAccessToken (Get-PimSandboxToken $Sandbox arm) | Out-Null
}

function Get-PimSandboxLog {
    param($Sandbox)
    Invoke-RestMethod -Uri "$($Sandbox.Url)/_emulator/requests"
}
