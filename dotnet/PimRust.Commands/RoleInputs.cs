using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// The roles piped into Invoke-PimActivation or Invoke-PimDeactivation, in order: the module's own roles as they
/// are, anything else by the identity it carries (resolved later against one fresh listing), and objects that are
/// no role at all refused at once with a non-terminating PimRust.InvalidInput error.
/// </summary>
internal sealed class RoleInputs
{
    private readonly List<object> _items = new();

    public bool NeedsListing => _items.Any(item => item is RoleIdentity);

    public int Count => _items.Count;

    public void Add(PimCmdlet cmdlet, PSObject? input)
    {
        if (input?.BaseObject is PimRole role)
        {
            _items.Add(role);
            return;
        }
        if (input is null)
        {
            return;
        }
        if (RoleIdentity.From(input, out string? refusal) is { } identity)
        {
            _items.Add(identity);
        }
        else
        {
            cmdlet.WriteError(PimErrors.Create(cmdlet, CoreRules.Errors.InvalidInput, refusal!, input));
        }
    }

    /// <summary>
    /// The roles to submit: own roles of this session's tenant, and each other object's single match in
    /// <paramref name="listing"/> (none or several are non-terminating errors, never a guess).
    /// </summary>
    public List<PimRole> Resolve(PimCmdlet cmdlet, IReadOnlyList<PimRole> listing, string what)
    {
        var resolved = new List<PimRole>(_items.Count);
        string? tenant = cmdlet.State.TenantId;
        foreach (object item in _items)
        {
            if (item is PimRole role)
            {
                if (role.TenantId is not null && tenant is not null && !string.Equals(role.TenantId, tenant, StringComparison.OrdinalIgnoreCase))
                {
                    cmdlet.WriteError(PimErrors.Create(cmdlet, CoreRules.Errors.WrongTenant,
                        $"{role.DisplayName} was listed in tenant {role.TenantId}, but this session is signed in to tenant {tenant}.", role));
                    continue;
                }
                resolved.Add(role);
                continue;
            }
            var identity = (RoleIdentity)item;
            List<PimRole> matches = listing.Where(identity.Matches).ToList();
            switch (matches.Count)
            {
                case 1:
                    resolved.Add(matches[0]);
                    break;
                case 0:
                    cmdlet.WriteError(PimErrors.Create(cmdlet, CoreRules.Errors.RoleNotFound,
                        $"No {what} role matches the piped object ({identity.Describe()}).", identity.Input));
                    break;
                default:
                    string candidates = string.Join("; ", matches.Take(5).Select(m => $"{m.DisplayName} at {m.ScopeDisplayName} [{m.Kind}]"));
                    cmdlet.WriteError(PimErrors.Create(cmdlet, CoreRules.Errors.AmbiguousRole,
                        $"The piped object ({identity.Describe()}) matches {matches.Count} {what} roles ({candidates}); nothing was done for it.",
                        identity.Input));
                    break;
            }
        }
        return resolved;
    }
}
