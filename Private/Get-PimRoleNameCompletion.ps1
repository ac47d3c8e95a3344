function Get-PimRoleNameCompletion {
    # Completes role names from the last full listing of this session; never calls the services.
    [CmdletBinding()]
    [OutputType([System.Management.Automation.CompletionResult])]
    param([string] $WordToComplete)

    $names = @($script:EligibleRoleNames)
    $prefix = $WordToComplete.Trim("'", '"')
    foreach ($name in $names) {
        if ($name -like "$prefix*") {
            $text = if ($name -match '[\s''$`]') { "'$($name -replace "'", "''")'" } else { $name }
            [System.Management.Automation.CompletionResult]::new($text, $name, 'ParameterValue', $name)
        }
    }
}
