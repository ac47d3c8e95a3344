using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>Invoke-PimDeactivation: ends active roles early (a role must have been active for at least 5 minutes).</summary>
[Cmdlet(VerbsLifecycle.Invoke, "PimDeactivation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = RoleSet)]
[OutputType(typeof(ActivationRequest))]
public sealed class InvokePimDeactivationCommand : PimCmdlet
{
    private const string RoleSet = "Role";
    private const string NameSet = "Name";
    private readonly RoleInputs _inputs = new();

    /// <summary>Roles from Get-PimActiveRole or Get-PimEligibleRole -Active (or objects that carry a role's identity).</summary>
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
    [ValidateRange(1, 32)]
    public int ThrottleLimit { get; set; } = 8;

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
        var options = new ActivationOptions(Justification, null, null, null, null, ValidateOnly: false, ThrottleLimit, Deactivate: true);
        List<PimRole> confirmed = roles.Where(role => ShouldProcess(ActivationBatch.Describe(role), options.Action)).ToList();
        if (confirmed.Count == 0)
        {
            return;
        }
        EnsureConnected();
        List<ActivationRequest> requests = ActivationBatch.Submit(this, confirmed, options);
        WriteObject(requests, enumerateCollection: true);
        WriteSummary(ActivationBatch.Summary(requests));
    }

    private List<PimRole> Named()
    {
        List<ActiveRole> listed = RoleSelector.InScopes(RoleListing.Active(this, Kind ?? Array.Empty<string>()), Scope);
        return Name!
            .SelectMany(pattern => RoleSelector.Named(this, listed, pattern, "active"))
            .DistinctBy(role => role.Key, StringComparer.OrdinalIgnoreCase)
            .Cast<PimRole>()
            .ToList();
    }

    private List<PimRole> Piped()
    {
        IReadOnlyList<PimRole> listed = _inputs.NeedsListing
            ? RoleListing.Active(this, Array.Empty<string>())
            : Array.Empty<PimRole>();
        return _inputs.Resolve(this, listed, "active");
    }
}
