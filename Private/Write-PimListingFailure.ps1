function Write-PimListingFailure {
    # A kind that could not be listed is reported once as a warning; the rest still lists.
    [CmdletBinding()]
    param(
        [AllowNull()]
        [object[]] $Failure
    )

    foreach ($item in @($Failure)) {
        if ($null -ne $item) {
            Write-Warning "$($item.kind) roles could not be listed: $($item.message)"
        }
    }
}
