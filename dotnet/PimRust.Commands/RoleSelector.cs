using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// -Name and -Scope: exact, case-insensitive matches unless the pattern has wildcards; every match is returned
/// (never "the first one"); a name matches the role's name or the name the table shows (<c>Finance Approvers (member)</c>).
/// </summary>
internal static class RoleSelector
{
    public static bool Matches(string? value, string pattern)
    {
        if (value is null)
        {
            return false;
        }
        return WildcardPattern.ContainsWildcardCharacters(pattern)
            ? WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant).IsMatch(value)
            : string.Equals(value, pattern, StringComparison.OrdinalIgnoreCase);
    }

    public static bool NameMatches(PimRole role, string pattern) =>
        Matches(role.RoleName, pattern) || (role.AccessId is not null && Matches(role.DisplayName, pattern));

    public static bool ScopeMatches(PimRole role, string pattern) =>
        Matches(role.Scope, pattern) || Matches(role.ScopeDisplayName, pattern);

    public static List<T> InScopes<T>(IEnumerable<T> roles, IReadOnlyCollection<string>? scopes) where T : PimRole =>
        scopes is null || scopes.Count == 0
            ? roles.ToList()
            : roles.Where(role => scopes.Any(scope => ScopeMatches(role, scope))).ToList();

    /// <summary>
    /// The roles named <paramref name="pattern"/>; a plain name that matches nothing is a non-terminating
    /// PimRust.RoleNotFound error with the similar names, or with the scopes where the name exists when
    /// <paramref name="roles"/> were limited to -Scope and <paramref name="unscoped"/> holds them all.
    /// </summary>
    public static List<T> Named<T>(PimCmdlet cmdlet, IReadOnlyList<T> roles, string pattern, string what, IReadOnlyList<T>? unscoped = null) where T : PimRole
    {
        List<T> found = roles.Where(role => NameMatches(role, pattern)).ToList();
        if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
        {
            string[] elsewhere = (unscoped ?? Array.Empty<T>()).Where(role => NameMatches(role, pattern)).Select(role => role.Scope).ToArray();
            string message = elsewhere.Length > 0
                ? $"No {what} role is named '{pattern}' within -Scope; it is {what} at {string.Join(", ", elsewhere)}."
                : $"No {what} role is named '{pattern}'.{SimilarHint(roles, pattern)}";
            cmdlet.WriteError(PimErrors.Create(cmdlet, CoreRules.Errors.RoleNotFound, message, pattern));
        }
        return found;
    }

    private static string SimilarHint(IEnumerable<PimRole> roles, string pattern)
    {
        string[] similar = roles
            .Select(role => role.DisplayName)
            .Where(name => name.Contains(pattern, StringComparison.OrdinalIgnoreCase) ||
                pattern.Contains(name, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Take(5)
            .ToArray();
        return similar.Length == 0
            ? string.Empty
            : $" Similar: {string.Join(", ", similar)}. Use wildcards (e.g. '*{pattern}*') to match several.";
    }
}
