function Invoke-PimDeactivation {
    <#
    .SYNOPSIS
    Deactivates active PIM roles early (roles must have been active for at least 5 minutes).

    .EXAMPLE
    Get-PimActiveRole -Name 'Global Reader' | Invoke-PimDeactivation
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('PimRust.ActivationRequest')]
    param(
        # Roles from Get-PimActiveRole or Get-PimEligibleRole -Active.
        [Parameter(Mandatory, ValueFromPipeline)]
        [psobject[]] $Role,

        [string] $Justification,

        [ValidateRange(1, 32)]
        [int] $ThrottleLimit = 8,

        [switch] $PassThru
    )

    begin {
        $collected = [System.Collections.Generic.List[psobject]]::new()
    }
    process {
        foreach ($item in $Role) {
            if ($item.PSTypeNames -notcontains 'PimRust.ActiveRole' -and $item.PSTypeNames -notcontains 'PimRust.EligibleRole') {
                $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(
                    [System.ArgumentException]::new('Pipe roles from Get-PimActiveRole or Get-PimEligibleRole.'),
                    'PimRust.InvalidArgument', 'InvalidArgument', $item))
                continue
            }
            $collected.Add($item)
        }
    }
    end {
        $options = [ordered]@{ throttleLimit = $ThrottleLimit }
        if ($Justification) { $options.justification = $Justification }
        $confirmed = @($collected | Where-Object { $PSCmdlet.ShouldProcess((Format-PimRoleTarget -Role $_), 'Deactivate') })
        Invoke-PimActivationCore -Roles $confirmed -Options $options -Caller $PSCmdlet -Deactivate -PassThru:$PassThru
    }
}
