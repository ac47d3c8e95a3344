function Get-PimSession {
    <#
    .SYNOPSIS
    Returns this module's native client, creating it on first use. PIMRUST_TOKEN_CACHE (auto, disabled,
    plaintextFile) chooses how sign-ins persist, PIMRUST_TOKEN_CACHE_DIR where (default: the per-user
    state folder).
    #>
    [CmdletBinding()]
    [OutputType([PimRust.Interop.PimSession])]
    param()

    if ($null -eq $script:PimSession -or $script:PimSession.IsDisposed) {
        $config = @{}
        if ($env:PIMRUST_TOKEN_CACHE) { $config.tokenCache = $env:PIMRUST_TOKEN_CACHE }
        if ($env:PIMRUST_TOKEN_CACHE_DIR) { $config.tokenCacheDir = $env:PIMRUST_TOKEN_CACHE_DIR }
        $script:PimSession = [PimRust.Interop.PimSession]::Create((ConvertTo-Json -InputObject $config -Compress))
    }
    $script:PimSession
}
