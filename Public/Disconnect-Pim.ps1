function Disconnect-Pim {
    <#
    .SYNOPSIS
    Signs out: forgets the tokens in memory and removes cached sign-ins from disk, in this window or any
    new one.

    .DESCRIPTION
    Connected in this session and given no selector, it signs out of that connection. Otherwise it removes
    the cached sign-ins of the cloud or sandbox given (Global production by default) that match -TenantId
    and -Account; with neither, the most recently used sign-in there. In a new window with no parameter
    at all, it removes the most recently used sign-in of any cloud or sandbox. -All removes every cached
    sign-in and the cache's encryption key. It always says what it removed.

    .EXAMPLE
    Disconnect-Pim

    .EXAMPLE
    Disconnect-Pim -TenantId contoso.onmicrosoft.com -Account adele@contoso.com

    .EXAMPLE
    Disconnect-Pim -All   # every cached account, and the cache's encryption key
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', DefaultParameterSetName = 'Selected')]
    [OutputType([void])]
    param(
        # Tenant id or domain whose cached sign-ins to remove.
        [Parameter(ParameterSetName = 'Selected')]
        [ValidateNotNullOrEmpty()]
        [string] $TenantId,

        # The account (UPN) whose cached sign-ins to remove.
        [Parameter(ParameterSetName = 'Selected')]
        [ValidateNotNullOrEmpty()]
        [string] $Account,

        # The cloud whose cached sign-ins to remove.
        [Parameter(ParameterSetName = 'Selected')]
        [ValidateSet('Global', 'USGov', 'USGovDoD', 'China')]
        [string] $Environment,

        # The sandbox (emulator base URL) whose cached sign-ins to remove.
        [Parameter(ParameterSetName = 'Selected')]
        [uri] $SandboxUrl,

        # Remove every cached sign-in of every account, tenant and cloud, and the cache's key.
        [Parameter(Mandatory, ParameterSetName = 'All')]
        [switch] $All
    )

    $target = if ($All) { 'all cached PimRust sign-ins' } else { 'the PimRust sign-in' }
    if (-not $PSCmdlet.ShouldProcess($target, 'Sign out and remove from the token cache')) {
        return
    }
    $options = @{ all = [bool]$All }
    if ($TenantId) { $options.tenantId = $TenantId }
    if ($Account) { $options.account = $Account }
    if ($Environment) { $options.environment = $Environment }
    if ($SandboxUrl) { $options.sandboxUrl = $SandboxUrl.AbsoluteUri }
    $report = Invoke-PimNativeOperation -Method 'auth.disconnect' -Parameters $options -Activity 'Signing out'
    $removed = foreach ($signIn in @($report.removedAccounts)) {
        if ($null -eq $signIn) { continue }
        $where = if ($signIn.endpoints) { "sandbox $($signIn.endpoints.graph)" } else { $signIn.cloud }
        "$($signIn.account) (tenant $($signIn.tenantId), $where)"
    }
    $message = if ($removed) {
        "Signed out. Removed from the token cache: $($removed -join '; ')."
    }
    elseif ($All) {
        'Signed out. The token cache is empty and its key is gone.'
    }
    else {
        'Signed out. No cached sign-in matched, so nothing was removed from the token cache.'
    }
    Write-PimSummary -Message $message -Caller $PSCmdlet
}
