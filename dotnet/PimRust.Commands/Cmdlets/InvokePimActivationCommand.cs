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
public sealed class InvokePimActivationCommand : RoleBatchCommand
{
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
    public SwitchParameter Wait { get; set; }

    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 600;

    private protected override string What => "eligible";

    /// <summary>Roles chosen by name are listed without policies: the core reads only the chosen ones' policies.</summary>
    private bool ByName => ParameterSetName == NameSet;

    private protected override IReadOnlyList<PimRole> List(IReadOnlyCollection<string> kinds) =>
        RoleListing.Eligible(this, kinds, refresh: false, withPolicies: !ByName);

    private protected override ActivationOptions Options() =>
        new(Justification, TicketNumber, TicketSystem, Duration,
            MyInvocation.BoundParameters.ContainsKey(nameof(StartAt)) ? StartAt : null, Validate, ThrottleLimit, Deactivate: false,
            ReadPolicies: ByName);

    private protected override void Output(List<ActivationRequest> requests)
    {
        if (Wait && !Validate)
        {
            WriteObject(requests.Where(r => !r.IsPending), enumerateCollection: true);
            RequestWaiter.Wait(this, requests.Where(r => r.IsPending).ToList(), TimeoutSec, 5, cancelOnStop: false);
        }
        else
        {
            base.Output(requests);
        }
    }
}
