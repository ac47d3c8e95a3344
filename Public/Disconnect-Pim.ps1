function Disconnect-Pim {
    <#
    .SYNOPSIS
    Signs out: forgets the tokens in memory and removes the account's cached sign-in from disk.

    .EXAMPLE
    Disconnect-Pim

    .EXAMPLE
    Disconnect-Pim -All   # every cached account, and the cache's encryption key
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType([void])]
    param(
        # Remove every cached sign-in of every account and tenant.
        [switch] $All
    )

    $target = if ($All) { 'all cached PimRust sign-ins' } else { 'the current PimRust sign-in' }
    if ($PSCmdlet.ShouldProcess($target, 'Sign out and remove from the token cache')) {
        $report = Invoke-PimNativeOperation -Method 'auth.disconnect' -Parameters @{ all = [bool]$All }
        Write-Verbose "Signed out; $($report.removedCacheEntries) cached sign-in(s) removed."
    }
}
