function Get-PimEligibleRole {
    <#
    .SYNOPSIS
    Lists everything you can activate: Entra directory roles, PIM for Groups (member/owner) and Azure
    resource roles, with what each activation requires.

    .DESCRIPTION
    All kinds are listed concurrently and each distinct activation policy is read once per session
    (-Refresh reads them again). A kind you cannot list (no permission or licence) is reported once as
    a warning and the rest still lists. -Name matches exactly (case-insensitive) unless it contains
    wildcards; every match is returned.

    .EXAMPLE
    Get-PimEligibleRole

    .EXAMPLE
    Get-PimEligibleRole -Kind AzureResource -Scope '*prod*'

    .EXAMPLE
    Get-PimEligibleRole | Out-GridView -PassThru | Invoke-PimActivation -Justification 'INC-1234'
    #>
    [CmdletBinding(DefaultParameterSetName = 'All')]
    [OutputType('PimRust.EligibleRole')]
    param(
        # Role (or group) name; wildcards only when given.
        [Parameter(Position = 0)]
        [SupportsWildcards()]
        [string[]] $Name,

        [ValidateSet('DirectoryRole', 'Group', 'AzureResource')]
        [string[]] $Kind,

        # Scope id or display name (e.g. a subscription's name); wildcards allowed.
        [SupportsWildcards()]
        [string[]] $Scope,

        # Only roles active now.
        [Parameter(ParameterSetName = 'Active')]
        [switch] $Active,

        # Only roles not active now.
        [Parameter(ParameterSetName = 'Inactive')]
        [switch] $Inactive,

        # Re-read activation policies instead of using this session's cache.
        [switch] $Refresh
    )

    $parameters = @{ refresh = [bool]$Refresh }
    if ($Kind) { $parameters.kinds = @($Kind) }
    $listing = Invoke-PimNativeOperation -Method 'pim.listEligible' -Parameters $parameters -Activity 'Listing PIM roles'
    Write-PimListingFailure -Failure $listing.failures
    $roles = @($listing.roles | Where-Object { $null -ne $_ } | ConvertTo-PimRole)
    if (-not $Kind) {
        $script:EligibleRoleNames = @($roles.RoleName | Sort-Object -Unique)
    }
    if ($Active) {
        $roles = @($roles | Where-Object -Property Status -EQ -Value 'Active')
    }
    elseif ($Inactive) {
        $roles = @($roles | Where-Object -Property Status -NE -Value 'Active')
    }
    Select-PimRoleByName -Role $roles -Name $Name -Scope $Scope -Caller $PSCmdlet
}
