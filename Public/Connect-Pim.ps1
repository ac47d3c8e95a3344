function Connect-Pim {
    <#
    .SYNOPSIS
    Signs in to Entra ID for PIM: Microsoft Graph (directory roles, groups) and Azure Resource Manager.

    .DESCRIPTION
    Interactive sign-in opens the system browser (authorization code + PKCE on a loopback port). Use
    -UseDeviceCode over SSH or where no browser can open. A cached sign-in (encrypted at rest) is reused
    unless -Force. -AccessToken / -ArmAccessToken use tokens you already have (for example from
    Get-AzAccessToken or a pipeline's OIDC step); such tokens cannot be stepped up for MFA or an
    authentication context. Other PimRust commands connect on first use if needed.

    .EXAMPLE
    Connect-Pim -TenantId contoso.onmicrosoft.com

    .EXAMPLE
    Connect-Pim -UseDeviceCode

    .EXAMPLE
    Connect-Pim -AccessToken (Get-AzAccessToken -ResourceTypeName MSGraph).Token
    #>
    [CmdletBinding(DefaultParameterSetName = 'Interactive')]
    [OutputType('PimRust.Context')]
    param(
        # Tenant id or verified domain; default 'organizations' (required for guests).
        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $TenantId,

        # An app id (GUID) registered in your tenant, or a preset: GraphCommandLineTools, AzurePowerShell, AzureCli.
        [Parameter(ParameterSetName = 'Interactive')]
        [string] $ClientId,

        [ValidateSet('Global', 'USGov', 'USGovDoD', 'China')]
        [string] $Environment = 'Global',

        # Sign in as this account (UPN), or choose it among cached sign-ins.
        [Parameter(ParameterSetName = 'Interactive')]
        [string] $Account,

        [Parameter(ParameterSetName = 'Interactive')]
        [switch] $UseDeviceCode,

        # Ignore cached sign-ins and sign in interactively.
        [Parameter(ParameterSetName = 'Interactive')]
        [switch] $Force,

        # A Microsoft Graph access token (string or SecureString).
        [Parameter(Mandatory, ParameterSetName = 'AccessToken')]
        [object] $AccessToken,

        # An Azure Resource Manager access token (string or SecureString).
        [Parameter(ParameterSetName = 'AccessToken')]
        [object] $ArmAccessToken,

        # How long to wait for an interactive sign-in.
        [ValidateRange(10, 3600)]
        [int] $TimeoutSec = 300,

        # Send everything to this sandbox (the PimRust emulator's base URL) instead of Microsoft's hosts.
        [uri] $SandboxUrl
    )

    process {
        $options = [ordered]@{
            environment = $Environment
            timeoutSec  = $TimeoutSec
        }
        if ($TenantId) { $options.tenantId = $TenantId }
        if ($ClientId) { $options.clientId = $ClientId }
        if ($Account) { $options.account = $Account }
        if ($UseDeviceCode) { $options.useDeviceCode = $true }
        if ($Force) { $options.force = $true }
        if ($SandboxUrl) { $options.sandboxUrl = $SandboxUrl.AbsoluteUri }
        if ($PSCmdlet.ParameterSetName -eq 'AccessToken') {
            $options.accessToken = ConvertFrom-PimTokenParameter -Token $AccessToken -Name 'AccessToken'
            if ($ArmAccessToken) {
                $options.armAccessToken = ConvertFrom-PimTokenParameter -Token $ArmAccessToken -Name 'ArmAccessToken'
            }
        }
        $context = Invoke-PimNativeOperation -Method 'auth.connect' -Parameters $options -Activity 'Signing in to Entra ID'
        ConvertTo-PimContext -Context $context
    }
}
