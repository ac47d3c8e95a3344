using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// Get-PimEligibleRole: everything you can activate (Entra directory roles, PIM for Groups, Azure resource roles),
/// with what each activation requires.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PimEligibleRole", DefaultParameterSetName = "All")]
[OutputType(typeof(EligibleRole))]
public sealed class GetPimEligibleRoleCommand : RoleListCommand
{
    [Parameter(ParameterSetName = "Active")]
    public SwitchParameter Active { get; set; }

    [Parameter(ParameterSetName = "Inactive")]
    public SwitchParameter Inactive { get; set; }

    [Parameter]
    public SwitchParameter Refresh { get; set; }

    private protected override string What => "eligible";

    private protected override IReadOnlyList<PimRole> List()
    {
        IEnumerable<EligibleRole> selected = RoleSelector.InScopes(RoleListing.Eligible(this, Kind ?? Array.Empty<string>(), Refresh), Scope);
        if (Active)
        {
            selected = selected.Where(role => role.Status == "Active");
        }
        else if (Inactive)
        {
            selected = selected.Where(role => role.Status != "Active");
        }
        return selected.ToList();
    }
}
