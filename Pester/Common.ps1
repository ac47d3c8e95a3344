# Shared by the test files: the assembled module under test (set by Invoke-PimRustTests.ps1).
$script:ModuleRoot = $env:PIMRUST_MODULE_ROOT
if (-not $script:ModuleRoot -or -not (Test-Path (Join-Path $script:ModuleRoot 'PimRust.psd1'))) {
    throw 'PIMRUST_MODULE_ROOT must name an assembled module folder (out/PimRust/<version>); run `cargo xtask test`.'
}
$script:ManifestPath = Join-Path $script:ModuleRoot 'PimRust.psd1'

function Get-PwshPath {
    # The pwsh the suite runs in. A pwsh installed as a .NET tool runs inside the `dotnet` host, so its
    # own process path is dotnet's: xtask passes the real one in PIMRUST_PWSH.
    if ($env:PIMRUST_PWSH) { return $env:PIMRUST_PWSH }
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'pwsh') { return $self }
    (Get-Command -Name pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
}

function Invoke-FreshPwsh {
    # Runs a script in a new pwsh process and returns its output lines (stderr merged).
    param([Parameter(Mandatory)][string] $Script)
    & (Get-PwshPath) -NoProfile -NonInteractive -Command $Script 2>&1
}

function New-TestJwt {
    # A JWT-shaped token (PimRust reads claims but never verifies signatures; the services do).
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Builds a string; changes no state.')]
    param(
        [Parameter(Mandatory)][string] $Audience,
        [int] $ExpiresInSeconds = 3600,
        [string] $Scopes = 'RoleEligibilitySchedule.Read.Directory RoleAssignmentSchedule.ReadWrite.Directory'
    )
    $encode = { param($text) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($text)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $payload = @{
        aud = $Audience; tid = '11111111-1111-1111-1111-111111111111'; oid = '22222222-2222-2222-2222-222222222222'
        upn = 'adele@contoso.example'; scp = $Scopes; amr = @('pwd', 'mfa')
        exp = [DateTimeOffset]::UtcNow.AddSeconds($ExpiresInSeconds).ToUnixTimeSeconds()
    } | ConvertTo-Json -Compress
    '{0}.{1}.c2lnbmF0dXJlLXRoYXQtaXMtbm90LWNoZWNrZWQ' -f (& $encode '{"alg":"HS256","typ":"JWT"}'), (& $encode $payload)
}

function Invoke-FreshPwshWithin {
    # Runs a script in a new non-interactive pwsh with no console input, killed after -TimeoutSec.
    # Returns the merged output, the exit code, whether it timed out, and how long it ran.
    param(
        [Parameter(Mandatory)][string] $Script,
        [int] $TimeoutSec = 60
    )
    $start = [System.Diagnostics.ProcessStartInfo]::new((Get-PwshPath))
    foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $Script) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.RedirectStandardInput = $true
    $start.UseShellExecute = $false
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($start)
    $process.StandardInput.Close()
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $timedOut = -not $process.WaitForExit($TimeoutSec * 1000)
    if ($timedOut) {
        $process.Kill($true)
        $process.WaitForExit()
    }
    [pscustomobject]@{
        Output   = ($stdout.Result + $stderr.Result) -replace '\x1b\[[0-9;]*m', ''
        ExitCode = $process.ExitCode
        TimedOut = $timedOut
        Elapsed  = $clock.Elapsed
    }
}
