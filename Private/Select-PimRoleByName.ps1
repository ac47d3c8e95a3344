function Select-PimRoleByName {
    # Exact, case-insensitive name matching unless a pattern has wildcards; every match is returned
    # (never "the first one"), and a name that matches nothing is a non-terminating error.
    [CmdletBinding()]
    [OutputType([psobject])]
    param(
        [Parameter(Mandatory)]
        [AllowEmptyCollection()]
        [psobject[]] $Role,

        [string[]] $Name,

        [string[]] $Scope,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Caller
    )

    $isMatch = { param($value, $pattern)
        if ([System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($pattern)) { $value -like $pattern } else { $value -eq $pattern }
    }
    $selected = $Role
    if ($Scope) {
        $selected = @($selected | Where-Object {
            $candidate = $_
            $Scope | Where-Object { (& $isMatch $candidate.Scope $_) -or (& $isMatch $candidate.ScopeDisplayName $_) }
        })
    }
    if (-not $Name) {
        return $selected
    }
    foreach ($pattern in $Name) {
        $found = $selected | Where-Object { & $isMatch $_.RoleName $pattern }
        if (@($found).Count -eq 0 -and -not [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($pattern)) {
            $similar = @($selected | Where-Object { $_.RoleName -like "*$pattern*" } | Select-Object -ExpandProperty RoleName -Unique -First 5)
            $hint = if ($similar) { " Similar: $($similar -join ', '). Use wildcards (e.g. '*$pattern*') to match several." } else { '' }
            $Caller.WriteError([System.Management.Automation.ErrorRecord]::new(
                [System.Management.Automation.ItemNotFoundException]::new("No eligible role is named '$pattern'.$hint"),
                'PimRust.RoleNotFound', [System.Management.Automation.ErrorCategory]::ObjectNotFound, $pattern))
        }
        $found
    }
}
