using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>
/// Lists roles through the core (connecting on first use), warns once about each kind that could not be listed,
/// and remembers the roles for tab completion.
/// </summary>
internal static class RoleListing
{
    /// <summary>
    /// My eligibilities; <paramref name="withPolicies"/> false leaves their policies out, for a command that has the
    /// core read only the chosen roles' policies when it activates them.
    /// </summary>
    public static List<EligibleRole> Eligible(PimCmdlet cmdlet, IReadOnlyCollection<string> kinds, bool refresh, bool withPolicies = true) =>
        List(cmdlet, "pim.listEligible", kinds, refresh, withPolicies, "Listing PIM roles",
            (role, source, tenant) => new EligibleRole(role, source, tenant));

    public static List<ActiveRole> Active(PimCmdlet cmdlet, IReadOnlyCollection<string> kinds) =>
        List(cmdlet, "pim.listActive", kinds, null, true, "Listing active PIM roles",
            (role, source, tenant) => new ActiveRole(role, source, tenant));

    private static List<T> List<T>(PimCmdlet cmdlet, string method, IReadOnlyCollection<string> kinds, bool? refresh, bool withPolicies,
        string activity,
        Func<CoreRole, JsonElement, string?, T> create) where T : PimRole
    {
        cmdlet.EnsureConnected();
        string paramsJson = JsonParams.Build(writer =>
        {
            if (refresh is { } value)
            {
                writer.WriteBoolean("refresh", value);
            }
            if (!withPolicies)
            {
                writer.WriteBoolean("skipPolicies", true);
            }
            if (kinds.Count > 0)
            {
                JsonParams.Strings(writer, "kinds", kinds);
            }
            writer.WriteBoolean("interactive", cmdlet.Interactive);
        });
        JsonElement data = cmdlet.Invoke(method, paramsJson, activity);
        if (data.TryGetProperty("failures", out JsonElement failures) && failures.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement failure in failures.EnumerateArray())
            {
                CoreKindFailure? item = failure.Deserialize(CoreJsonContext.Default.CoreKindFailure);
                if (item is not null)
                {
                    // The core also logs this as a warning, in the same words: it is shown once.
                    cmdlet.WriteWarningOnce($"{item.Kind} roles could not be listed: {item.Message}");
                }
            }
        }
        var roles = new List<T>();
        if (data.TryGetProperty("roles", out JsonElement listed) && listed.ValueKind == JsonValueKind.Array)
        {
            string? tenant = cmdlet.State.TenantId;
            foreach (JsonElement source in listed.EnumerateArray())
            {
                if (source.ValueKind == JsonValueKind.Object && source.Deserialize(CoreJsonContext.Default.CoreRole) is { } role)
                {
                    roles.Add(create(role, source, tenant));
                }
            }
        }
        cmdlet.State.Remember(roles, kinds);
        return roles;
    }
}
