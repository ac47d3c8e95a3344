using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>Get-PimActiveRole: your active role assignments (activated or standing), with the time each has left.</summary>
[Cmdlet(VerbsCommon.Get, "PimActiveRole")]
[OutputType(typeof(ActiveRole))]
public sealed class GetPimActiveRoleCommand : PimCmdlet
{
    private List<ActiveRole>? _roles;

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

    protected override void ProcessRecord()
    {
        _roles ??= RoleSelector.InScopes(RoleListing.Active(this, Kind ?? Array.Empty<string>()), Scope);
        if (Name is null)
        {
            WriteObject(_roles, enumerateCollection: true);
            return;
        }
        foreach (string pattern in Name)
        {
            WriteObject(RoleSelector.Named(this, _roles, pattern, "active"), enumerateCollection: true);
        }
    }
}
