# Shared by tools/bench/Invoke-PimBench.ps1 (dot-sourced): the sandbox emulator and its control plane,
# one timed child pwsh, alternating pairs with medians, and the figures of the report.

. (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'EmulatorProcess.ps1')

function Get-BenchMedian {
    param([Parameter(Mandatory)] [AllowEmptyCollection()] [double[]] $Value)
    if ($Value.Count -eq 0) { return [double]::NaN }
    $sorted = @($Value | Sort-Object)
    $middle = [math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Invoke-BenchControl {
    # One call to the emulator's control plane (never faulted, never logged).
    param(
        [Parameter(Mandatory)] [string] $Url,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'Get',
        $Body
    )
    $call = @{ Method = $Method; Uri = "$Url/_emulator/$Path" }
    if ($null -ne $Body) {
        $call.Body = ConvertTo-Json -InputObject $Body -Depth 5 -Compress
        $call.ContentType = 'application/json'
    }
    Invoke-RestMethod @call
}

function Get-BenchToken {
    param([Parameter(Mandatory)] [string] $Url, [Parameter(Mandatory)] [ValidateSet('graph', 'arm')] [string] $Resource)
    (Invoke-BenchControl -Url $Url -Path 'tokens' -Method Post -Body @{ resource = $Resource }).access_token
}

function Measure-BenchRoundTrip {
    # Sequential waves of requests: the most requests of the log that did not overlap in time (each took
    # the injected latency and ended at its log time), i.e. the round trips on the critical path.
    param([object[]] $Entry, [Parameter(Mandatory)] [int] $LatencyMs)
    if ($LatencyMs -le 0 -or -not $Entry) { return 0 }
    $ends = @($Entry | ForEach-Object { ([datetimeoffset] $_.time).ToUnixTimeMilliseconds() } | Sort-Object)
    $waves = 0
    $busyUntil = [long]::MinValue
    foreach ($end in $ends) {
        # 2 ms of slack for the log's millisecond rounding.
        if ($end - $LatencyMs -ge $busyUntil - 2) {
            $waves++
            $busyUntil = $end
        }
    }
    $waves
}

function Invoke-BenchProcess {
    # One fresh pwsh running -Script: wall time (or the BENCH_MS=<ms> it prints, for measures timed inside),
    # the Graph/ARM requests the emulator logged meanwhile, their sequential waves, and the process's peak RSS.
    param(
        [Parameter(Mandatory)] [string] $Shell,
        [Parameter(Mandatory)] [string] $Script,
        [string] $Url,
        [int] $LatencyMs,
        [string] $TimeCommand
    )
    if ($Url) {
        Invoke-BenchControl -Url $Url -Path 'requests' -Method Delete | Out-Null
    }
    $rssFile = [System.IO.Path]::GetTempFileName()
    try {
        $arguments = @('-NoProfile', '-NonInteractive', '-Command', $Script)
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $output = if ($TimeCommand) {
            & $TimeCommand -f '%M' -o $rssFile $Shell @arguments 2>&1
        }
        else {
            & $Shell @arguments 2>&1
        }
        $elapsed = $clock.Elapsed.TotalMilliseconds
        if ($LASTEXITCODE -ne 0) {
            throw "pwsh failed ($LASTEXITCODE) running: $Script`n$($output -join "`n")"
        }
        $rssKb = if ($TimeCommand) { [double](@(Get-Content -Path $rssFile)[-1]) } else { [double]::NaN }
    }
    finally {
        Remove-Item -Path $rssFile -ErrorAction Ignore
    }
    $inner = $output | Where-Object { "$_" -match '^BENCH_MS=(.+)$' } | Select-Object -Last 1
    if ($inner) {
        $elapsed = [double]::Parse(($inner -replace '^BENCH_MS=', ''), [cultureinfo]::InvariantCulture)
    }
    $log = if ($Url) {
        @((Invoke-BenchControl -Url $Url -Path 'requests').value | Where-Object { $_.surface -in 'graph', 'arm' })
    }
    else {
        @()
    }
    [pscustomobject]@{
        Ms         = $elapsed
        Requests   = $log.Count
        RoundTrips = Measure-BenchRoundTrip -Entry $log -LatencyMs $LatencyMs
        RssKb      = $rssKb
    }
}

function Format-BenchRange {
    # The median of a count, with the range when the runs differ.
    param([double[]] $Value)
    $median = Get-BenchMedian -Value $Value
    $low = ($Value | Measure-Object -Minimum).Minimum
    $high = ($Value | Measure-Object -Maximum).Maximum
    if ($low -eq $high) { '{0:0}' -f $median } else { '{0:0} ({1:0}-{2:0})' -f $median, $low, $high }
}

function Measure-BenchPair {
    # Alternating runs of the measured script and its baseline; the ratio is taken within each pair. The
    # script blocks make each run's script; -Before runs untimed ahead of every run. Pair 0 only warms up
    # the disk cache and the emulator unless -NoWarmup.
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [scriptblock] $Measured,
        [Parameter(Mandatory)] [scriptblock] $Baseline,
        [scriptblock] $Before = {},
        [Parameter(Mandatory)] [int] $Count,
        [switch] $NoWarmup,
        [Parameter(Mandatory)] [hashtable] $Run
    )
    $first = if ($NoWarmup) { 1 } else { 0 }
    $samples = foreach ($pair in $first..$Count) {
        $runs = @{}
        foreach ($side in $(if ($pair % 2) { 'Measured', 'Baseline' } else { 'Baseline', 'Measured' })) {
            & $Before
            $make = if ($side -eq 'Measured') { $Measured } else { $Baseline }
            $runs[$side] = Invoke-BenchProcess @Run -Script (& $make)
        }
        if ($pair) {
            Write-Verbose ('{0}, pair {1}: {2:0} ms vs {3:0} ms' -f $Name, $pair, $runs.Measured.Ms, $runs.Baseline.Ms)
            [pscustomobject]@{ Measured = $runs.Measured; Baseline = $runs.Baseline; Ratio = $runs.Measured.Ms / $runs.Baseline.Ms }
        }
    }
    $measuredRuns = @($samples.Measured)
    $baselineRuns = @($samples.Baseline)
    $rss = @($measuredRuns.RssKb | Where-Object { -not [double]::IsNaN($_) })
    $baselineRss = @($baselineRuns.RssKb | Where-Object { -not [double]::IsNaN($_) })
    [pscustomobject]@{
        Measure            = $Name
        MeasuredMs         = Get-BenchMedian -Value $measuredRuns.Ms
        BaselineMs         = Get-BenchMedian -Value $baselineRuns.Ms
        Ratio              = Get-BenchMedian -Value $samples.Ratio
        MeasuredRequests   = Format-BenchRange -Value $measuredRuns.Requests
        BaselineRequests   = Format-BenchRange -Value $baselineRuns.Requests
        MeasuredRoundTrips = Format-BenchRange -Value $measuredRuns.RoundTrips
        BaselineRoundTrips = Format-BenchRange -Value $baselineRuns.RoundTrips
        MeasuredRssMb      = if ($rss.Count) { (Get-BenchMedian -Value $rss) / 1024 } else { [double]::NaN }
        BaselineRssMb      = if ($baselineRss.Count) { (Get-BenchMedian -Value $baselineRss) / 1024 } else { [double]::NaN }
        Pairs              = @($samples).Count
    }
}

function Get-BenchNativeSize {
    # The native library of the assembled module, as shipped and stripped of every symbol (`strip` on a
    # temporary copy; n/a without strip).
    param([Parameter(Mandatory)] [string] $ModuleRoot)
    $library = Get-ChildItem -Path (Join-Path -Path $ModuleRoot -ChildPath 'runtimes') -Recurse -File |
        Where-Object { $_.Name -match '^(lib)?pimrust\.(so|dylib|dll)$' } |
        Select-Object -First 1
    if (-not $library) { return [pscustomobject]@{ Path = $null; Bytes = 0; StrippedBytes = $null } }
    $stripped = $null
    $strip = Get-Command -Name strip -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($strip -and -not $IsWindows) {
        $copy = [System.IO.Path]::GetTempFileName()
        try {
            $arguments = if ($IsMacOS) { @('-x', '-o', $copy, $library.FullName) } else { @('--strip-all', '-o', $copy, $library.FullName) }
            & $strip.Source @arguments 2>&1 | Out-Null
            if ($LASTEXITCODE -eq 0) { $stripped = (Get-Item -Path $copy).Length }
        }
        finally {
            Remove-Item -Path $copy -ErrorAction Ignore
        }
    }
    [pscustomobject]@{ Path = $library.FullName; Bytes = $library.Length; StrippedBytes = $stripped }
}

function Format-BenchReport {
    # The results as a Markdown table (what the README's Benchmarks section shows).
    param([Parameter(Mandatory)] [object[]] $Result, [Parameter(Mandatory)] [int] $LatencyMs)
    $mb = { param($Value) if ([double]::IsNaN($Value)) { 'n/a' } else { '{0:0}' -f $Value } }
    '| Measure | PimRust ms | Baseline ms | Ratio (median per pair) | Requests PimRust / baseline | Round trips PimRust / baseline | Peak RSS MB PimRust / baseline |'
    '|---|---:|---:|---:|---:|---:|---:|'
    foreach ($row in $Result) {
        $trips = if ($LatencyMs -gt 0 -and $row.MeasuredRequests -ne '0') { "$($row.MeasuredRoundTrips) / $($row.BaselineRoundTrips)" } else { '-' }
        $requests = if ($row.MeasuredRequests -ne '0' -or $row.BaselineRequests -ne '0') { "$($row.MeasuredRequests) / $($row.BaselineRequests)" } else { '-' }
        '| {0} | {1:0} | {2:0} | {3:0.00} | {4} | {5} | {6} / {7} |' -f $row.Measure, $row.MeasuredMs, $row.BaselineMs, $row.Ratio,
        $requests, $trips, (& $mb $row.MeasuredRssMb), (& $mb $row.BaselineRssMb)
    }
}
