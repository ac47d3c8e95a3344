function Get-PimActiveRole {
    <#
    .SYNOPSIS
    Lists your active role assignments (activated or standing) with the time each has left.

    .EXAMPLE
    Get-PimActiveRole | Where-Object TimeRemaining -LT ([timespan]'00:30:00')
    #>
    [CmdletBinding()]
    [OutputType('PimRust.ActiveRole')]
    param(
        [Parameter(Position = 0)]
        [SupportsWildcards()]
        [string[]] $Name,

        [ValidateSet('DirectoryRole', 'Group', 'AzureResource')]
        [string[]] $Kind,

        [SupportsWildcards()]
        [string[]] $Scope
    )

    $parameters = @{}
    if ($Kind) { $parameters.kinds = @($Kind) }
    $listing = Invoke-PimNativeOperation -Method 'pim.listActive' -Parameters $parameters -Activity 'Listing active PIM roles'
    Write-PimListingFailure -Failure $listing.failures
    $roles = @($listing.roles | Where-Object { $null -ne $_ } | ConvertTo-PimRole -TypeName 'PimRust.ActiveRole')
    Select-PimRoleByName -Role $roles -Name $Name -Scope $Scope -Caller $PSCmdlet
}
