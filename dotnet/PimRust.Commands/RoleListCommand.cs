using System.Collections.Generic;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// What Get-PimEligibleRole and Get-PimActiveRole share: <c>-Kind</c> and <c>-Scope</c> narrow one listing, made
/// once however many names come down the pipeline; <c>-Name</c> picks from it (every match; a plain name that matches
/// nothing is a PimRust.RoleNotFound error).
/// </summary>
public abstract class RoleListCommand : PimCmdlet
{
    private IReadOnlyList<PimRole>? _roles;

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

    /// <summary>"eligible" or "active", as messages name the roles.</summary>
    private protected abstract string What { get; }

    /// <summary>The roles of the kinds asked for, at the scopes asked for (and any other filter of the command).</summary>
    private protected abstract IReadOnlyList<PimRole> List();

    protected override void ProcessRecord()
    {
        _roles ??= List();
        if (Name is null)
        {
            WriteObject(_roles, enumerateCollection: true);
            return;
        }
        foreach (string pattern in Name)
        {
            WriteObject(RoleSelector.Named(this, _roles, pattern, What), enumerateCollection: true);
        }
    }
}
