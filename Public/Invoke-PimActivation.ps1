function Invoke-PimActivation {
    <#
    .SYNOPSIS
    Activates PIM eligibilities (directory roles, groups and Azure roles) in one concurrent batch.

    .DESCRIPTION
    Roles come from the pipeline (objects from Get-PimEligibleRole) or by -Name. All roles are collected
    and submitted together at the end, with at most -ThrottleLimit requests in flight. Each role is
    checked against its policy first (justification, ticket, maximum duration): a role that would be
    refused is reported without sending anything. Roles needing an authentication context get one
    step-up sign-in per distinct context. Every role ends in a reported state: Activated,
    PendingApproval, PendingProvisioning, Scheduled, AlreadyActive, Validated or Failed (also written as
    a non-terminating error with a stable FullyQualifiedErrorId). Nothing is submitted twice.

    .EXAMPLE
    Get-PimEligibleRole | Out-GridView -PassThru | Invoke-PimActivation -Justification 'INC-1234' | Wait-PimRequest

    .EXAMPLE
    Invoke-PimActivation -Name 'User Administrator' -Duration Max -Justification 'Onboarding' -Wait
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Role')]
    [OutputType('PimRust.ActivationRequest')]
    param(
        # Roles to activate, as listed by Get-PimEligibleRole.
        [Parameter(Mandatory, ValueFromPipeline, ParameterSetName = 'Role')]
        [PSTypeName('PimRust.EligibleRole')]
        [psobject[]] $Role,

        # Role names (exact unless wildcards); resolved with Get-PimEligibleRole.
        [Parameter(Mandatory, ValueFromPipelineByPropertyName, ParameterSetName = 'Name', Position = 0)]
        [Alias('RoleName')]
        [string[]] $Name,

        [Parameter(ParameterSetName = 'Name')]
        [ValidateSet('DirectoryRole', 'Group', 'AzureResource')]
        [string[]] $Kind,

        [Parameter(ParameterSetName = 'Name')]
        [string[]] $Scope,

        [string] $Justification,

        [string] $TicketNumber,

        [string] $TicketSystem,

        # A TimeSpan, an ISO 8601 duration (PT2H), or Max for each role's policy maximum.
        [object] $Duration,

        # Start later (scheduled activation).
        [datetime] $StartAt,

        # Ask the service to validate the requests without activating anything.
        [switch] $Validate,

        [ValidateRange(1, 32)]
        [int] $ThrottleLimit = 8,

        # Wait until access is real (same as piping into Wait-PimRequest).
        [switch] $Wait,

        [ValidateRange(1, 86400)]
        [int] $TimeoutSec = 600,

        # Output the request objects only, without the summary line.
        [switch] $PassThru
    )

    begin {
        $collected = [System.Collections.Generic.List[psobject]]::new()
        $names = [System.Collections.Generic.List[string]]::new()
    }
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Role') {
            foreach ($item in $Role) { $collected.Add($item) }
        }
        else {
            foreach ($item in $Name) { $names.Add($item) }
        }
    }
    end {
        if ($names.Count -gt 0) {
            $listing = @{ Name = @($names) }
            if ($Kind) { $listing.Kind = $Kind }
            if ($Scope) { $listing.Scope = $Scope }
            foreach ($item in Get-PimEligibleRole @listing) { $collected.Add($item) }
        }
        $options = [ordered]@{ throttleLimit = $ThrottleLimit; validateOnly = [bool]$Validate }
        if ($Justification) { $options.justification = $Justification }
        if ($TicketNumber) { $options.ticketNumber = $TicketNumber }
        if ($TicketSystem) { $options.ticketSystem = $TicketSystem }
        if ($PSBoundParameters.ContainsKey('Duration')) { $options.duration = ConvertTo-PimDurationText -Duration $Duration }
        if ($PSBoundParameters.ContainsKey('StartAt')) { $options.startAt = $StartAt.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ') }
        $action = Format-PimActivationAction -Options $options
        $confirmed = @($collected | Where-Object { $PSCmdlet.ShouldProcess((Format-PimRoleTarget -Role $_), $action) })
        $requests = Invoke-PimActivationCore -Roles $confirmed -Options $options -Caller $PSCmdlet -PassThru:$PassThru
        if ($Wait -and -not $Validate) {
            $requests | Wait-PimRequest -TimeoutSec $TimeoutSec
        }
        else {
            $requests
        }
    }
}
