using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// The identity a piped object carries when it is not one of the module's own roles: the output of Select-Object,
/// an object saved with Export-Clixml or ConvertTo-Json and read back, or one built by hand. It is resolved against
/// a fresh listing on every identity property it carries, never on its name alone, and must match exactly one role.
/// </summary>
internal sealed class RoleIdentity
{
    /// <summary>Identity properties in the order messages name them.</summary>
    private static readonly string[] Properties =
    {
        "RoleName", "Kind", "Scope", "ScopeDisplayName", "AccessId", "RoleDefinitionId", "DirectoryScopeId", "GroupId",
        "EligibilityScheduleId", "EligibilityInstanceId", "PrincipalId", "Key", "TenantId",
    };

    /// <summary>Any of these pins a role down without its name.</summary>
    private static readonly string[] Decisive = { "RoleDefinitionId", "Key", "EligibilityScheduleId", "EligibilityInstanceId" };

    /// <summary>With a name, any of these says which of the roles of that name is meant.</summary>
    private static readonly string[] Qualifying = { "Kind", "Scope", "ScopeDisplayName", "AccessId", "DirectoryScopeId", "GroupId" };

    private readonly Dictionary<string, string> _carried;

    private RoleIdentity(object input, Dictionary<string, string> carried)
    {
        Input = input;
        _carried = carried;
    }

    public object Input { get; }

    /// <summary>
    /// Reads the identity of <paramref name="input"/>; null with the reason when it carries none that can select a
    /// role safely (a process, a plain string, an object with only a name).
    /// </summary>
    public static RoleIdentity? From(PSObject input, out string? refusal)
    {
        var carried = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string name in Properties)
        {
            if (Read(input, name) is { Length: > 0 } value)
            {
                carried[name] = value;
            }
        }
        bool decisive = Decisive.Any(carried.ContainsKey);
        bool qualified = carried.ContainsKey("RoleName") && Qualifying.Any(carried.ContainsKey);
        if (decisive || qualified)
        {
            refusal = null;
            return new RoleIdentity(input, carried);
        }
        string type = input.BaseObject is PSCustomObject ? "object" : input.BaseObject.GetType().FullName ?? "object";
        refusal = carried.TryGetValue("RoleName", out string? roleName)
            ? $"The piped {type} carries only a role name ('{roleName}'), which could select several roles. Use -Name '{roleName}' (with -Scope or -Kind), or pipe the role from Get-PimEligibleRole."
            : $"The piped {type} is not a PIM role: it has no RoleName, Kind, Scope or RoleDefinitionId. Pipe roles from Get-PimEligibleRole or Get-PimActiveRole, or use -Name.";
        return null;
    }

    public bool Matches(PimRole role)
    {
        foreach ((string name, string value) in _carried)
        {
            bool same = name switch
            {
                "RoleName" => Same(role.RoleName, value) || Same(role.DisplayName, value),
                "Kind" => Same(role.Kind, value),
                "Scope" => Same(role.Scope, value) || Same(role.ScopeDisplayName, value),
                "ScopeDisplayName" => Same(role.ScopeDisplayName, value),
                "AccessId" => Same(role.AccessId, value),
                "RoleDefinitionId" => Same(role.RoleDefinitionId, value) ||
                    role.RoleDefinitionId.EndsWith("/" + value, StringComparison.OrdinalIgnoreCase),
                "DirectoryScopeId" => Same(role.DirectoryScopeId, value),
                "GroupId" => Same(role.GroupId, value),
                "EligibilityScheduleId" => Same(role.EligibilityScheduleId, value),
                "EligibilityInstanceId" => Same(role.EligibilityInstanceId, value),
                "PrincipalId" => Same(role.PrincipalId, value),
                "Key" => Same(role.Key, value),
                "TenantId" => role.TenantId is null || Same(role.TenantId, value),
                _ => true,
            };
            if (!same)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary><c>RoleName='Reader', Kind='AzureResource', Scope='/subscriptions/…'</c>.</summary>
    public string Describe() =>
        string.Join(", ", Properties.Where(_carried.ContainsKey).Where(p => p != "Key").Select(p => $"{p}='{_carried[p]}'"));

    private static bool Same(string? actual, string wanted) => string.Equals(actual, wanted, StringComparison.OrdinalIgnoreCase);

    private static string? Read(PSObject input, string name)
    {
        object? value = input.BaseObject is IDictionary dictionary
            ? ReadKey(dictionary, name)
            : input.Properties[name]?.Value;
        if (value is PSObject wrapped)
        {
            value = wrapped.BaseObject;
        }
        return value switch
        {
            null => null,
            string text => text.Trim(),
            IEnumerable => null, // a collection is no identity
            _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)?.Trim(),
        };
    }

    private static object? ReadKey(IDictionary dictionary, string name)
    {
        foreach (DictionaryEntry entry in dictionary)
        {
            if (string.Equals(entry.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value;
            }
        }
        return null;
    }
}
