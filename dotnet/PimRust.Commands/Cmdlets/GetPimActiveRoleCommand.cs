using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>Get-PimActiveRole: your active role assignments (activated or standing), with the time each has left.</summary>
[Cmdlet(VerbsCommon.Get, "PimActiveRole")]
[OutputType(typeof(ActiveRole))]
public sealed class GetPimActiveRoleCommand : RoleListCommand
{
    private protected override string What => "active";

    private protected override IReadOnlyList<PimRole> List() =>
        RoleSelector.InScopes(RoleListing.Active(this, Kind ?? Array.Empty<string>()), Scope);
}
