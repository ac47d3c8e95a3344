using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// Invoke-PimActivation: activates the roles piped in (or named) in one concurrent batch, each checked against its
/// policy first; every role ends in a reported state.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "PimActivation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = RoleSet)]
[OutputType(typeof(ActivationRequest))]
public sealed class InvokePimActivationCommand : PimCmdlet
{
    private const string RoleSet = "Role";
    private const string NameSet = "Name";
    private readonly RoleInputs _inputs = new();

    /// <summary>Roles from Get-PimEligibleRole (or objects that carry a role's identity).</summary>
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
    public string? TicketNumber { get; set; }

    [Parameter]
    public string? TicketSystem { get; set; }

    /// <summary>A TimeSpan, PT2H, 2h, 90m, 1h30m, or Max for each role's policy maximum.</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateNotNullOrEmpty]
    public string? Duration { get; set; }

    [Parameter]
    public DateTime StartAt { get; set; }

    [Parameter]
    public SwitchParameter Validate { get; set; }

    [Parameter]
    [ValidateRange(1, 32)]
    public int ThrottleLimit { get; set; } = 8;

    [Parameter]
    public SwitchParameter Wait { get; set; }

    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 600;

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
        var options = new ActivationOptions(Justification, TicketNumber, TicketSystem, Duration,
            MyInvocation.BoundParameters.ContainsKey(nameof(StartAt)) ? StartAt : null, Validate, ThrottleLimit, Deactivate: false);
        List<PimRole> confirmed = roles.Where(role => ShouldProcess(ActivationBatch.Describe(role), options.Action)).ToList();
        if (confirmed.Count == 0)
        {
            return;
        }
        EnsureConnected();
        List<ActivationRequest> requests = ActivationBatch.Submit(this, confirmed, options);
        if (Wait && !Validate)
        {
            WriteObject(requests.Where(r => !r.IsPending), enumerateCollection: true);
            RequestWaiter.Wait(this, requests.Where(r => r.IsPending).ToList(), TimeoutSec, 5, cancelOnStop: false);
        }
        else
        {
            WriteObject(requests, enumerateCollection: true);
        }
        WriteSummary(ActivationBatch.Summary(requests));
    }

    private List<PimRole> Named()
    {
        List<EligibleRole> listed = RoleSelector.InScopes(RoleListing.Eligible(this, Kind ?? Array.Empty<string>(), refresh: false), Scope);
        return Name!
            .SelectMany(pattern => RoleSelector.Named(this, listed, pattern, "eligible"))
            .DistinctBy(role => role.Key, StringComparer.OrdinalIgnoreCase)
            .Cast<PimRole>()
            .ToList();
    }

    private List<PimRole> Piped()
    {
        IReadOnlyList<PimRole> listed = _inputs.NeedsListing
            ? RoleListing.Eligible(this, Array.Empty<string>(), refresh: false)
            : Array.Empty<PimRole>();
        return _inputs.Resolve(this, listed, "eligible");
    }
}
