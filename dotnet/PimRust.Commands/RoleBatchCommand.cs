using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// What Invoke-PimActivation and Invoke-PimDeactivation share: roles piped in (<c>-Role</c>) or named (<c>-Name</c>,
/// <c>-Kind</c>, <c>-Scope</c>), resolved against one listing, confirmed one by one (-WhatIf, -Confirm), then
/// submitted in one concurrent batch, with the summary line at the end.
/// </summary>
public abstract class RoleBatchCommand : PimCmdlet
{
    internal const string RoleSet = "Role";
    internal const string NameSet = "Name";
    private readonly RoleInputs _inputs = new();

    /// <summary>Roles from the listing (or objects that carry a role's identity).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RoleSet)]
    public PSObject[]? Role { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = NameSet)]
    [ValidateSet("DirectoryRole", "Group", "AzureResource")]
    public string[]? Kind { get; set; }

    [Parameter(ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string[]? Scope { get; set; }

    [Parameter]
    public string? Justification { get; set; }

    [Parameter]
    [ValidateRange(CoreRules.MinThrottleLimit, CoreRules.MaxThrottleLimit)]
    public int ThrottleLimit { get; set; } = CoreRules.DefaultThrottleLimit;

    /// <summary>"eligible" or "active": which listing the roles come from, as messages name it.</summary>
    private protected abstract string What { get; }

    /// <summary>The listing that names and piped identities are resolved against.</summary>
    private protected abstract IReadOnlyList<PimRole> List(IReadOnlyCollection<string> kinds);

    private protected abstract ActivationOptions Options();

    /// <summary>Writes the submitted requests (Invoke-PimActivation -Wait waits for the pending ones first).</summary>
    private protected virtual void Output(List<ActivationRequest> requests) => WriteObject(requests, enumerateCollection: true);

    protected override void ProcessRecord()
    {
        foreach (PSObject? item in Role ?? Array.Empty<PSObject>())
        {
            _inputs.Add(this, item);
        }
    }

    protected override void EndProcessing()
    {
        List<PimRole> roles = ParameterSetName == NameSet ? Named() : Piped();
        ActivationOptions options = Options();
        List<PimRole> confirmed = roles.Where(role => ShouldProcess(ActivationBatch.Describe(role), options.Action)).ToList();
        if (confirmed.Count == 0)
        {
            return;
        }
        EnsureConnected();
        List<ActivationRequest> requests = ActivationBatch.Submit(this, confirmed, options);
        Output(requests);
        WriteSummary(ActivationBatch.Summary(requests));
    }

    private List<PimRole> Named()
    {
        IReadOnlyList<PimRole> all = List(Kind ?? Array.Empty<string>());
        List<PimRole> listed = RoleSelector.InScopes(all, Scope);
        return Name!
            .SelectMany(pattern => RoleSelector.Named(this, listed, pattern, What, all))
            .DistinctBy(role => role.Key, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    private List<PimRole> Piped()
    {
        IReadOnlyList<PimRole> listed = _inputs.NeedsListing ? List(Array.Empty<string>()) : Array.Empty<PimRole>();
        return _inputs.Resolve(this, listed, What);
    }
}
