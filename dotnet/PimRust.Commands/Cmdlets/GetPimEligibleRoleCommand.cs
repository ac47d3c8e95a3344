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
public sealed class GetPimEligibleRoleCommand : PimCmdlet
{
    private List<EligibleRole>? _roles;

    [Parameter(Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter]
    [ValidateSet("DirectoryRole", "Group", "AzureResource")]
    public string[]? Kind { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string[]? Scope { get; set; }

    [Parameter(ParameterSetName = "Active")]
    public SwitchParameter Active { get; set; }

    [Parameter(ParameterSetName = "Inactive")]
    public SwitchParameter Inactive { get; set; }

    [Parameter]
    public SwitchParameter Refresh { get; set; }

    protected override void ProcessRecord()
    {
        // Listed once, whatever number of names come down the pipeline.
        _roles ??= Filter(RoleListing.Eligible(this, Kind ?? Array.Empty<string>(), Refresh));
        if (Name is null)
        {
            WriteObject(_roles, enumerateCollection: true);
            return;
        }
        foreach (string pattern in Name)
        {
            WriteObject(RoleSelector.Named(this, _roles, pattern, "eligible"), enumerateCollection: true);
        }
    }

    private List<EligibleRole> Filter(List<EligibleRole> roles)
    {
        IEnumerable<EligibleRole> selected = RoleSelector.InScopes(roles, Scope);
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
