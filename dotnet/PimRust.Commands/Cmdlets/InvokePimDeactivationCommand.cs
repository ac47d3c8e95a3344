using System.Collections.Generic;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>Invoke-PimDeactivation: ends active roles early (a role must have been active for at least 5 minutes).</summary>
[Cmdlet(VerbsLifecycle.Invoke, "PimDeactivation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = RoleSet)]
[OutputType(typeof(ActivationRequest))]
public sealed class InvokePimDeactivationCommand : RoleBatchCommand
{
    private protected override string What => "active";

    private protected override IReadOnlyList<PimRole> List(IReadOnlyCollection<string> kinds) => RoleListing.Active(this, kinds);

    private protected override ActivationOptions Options() =>
        new(Justification, null, null, null, null, ValidateOnly: false, ThrottleLimit, Deactivate: true,
            ReadPolicies: false);
}
