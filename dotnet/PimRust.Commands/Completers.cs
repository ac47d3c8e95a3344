using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PimRust.Commands;

/// <summary>Completes -Name from the roles this session listed last; never calls the services.</summary>
public sealed class RoleNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<string> names = ModuleSession.State.KnownRoles
            .SelectMany(role => role.DisplayName == role.RoleName ? new[] { role.RoleName } : new[] { role.RoleName, role.DisplayName });
        return Completion.Offer(names, wordToComplete);
    }
}

/// <summary>Completes -Scope from the scopes of the roles this session listed last (display names first).</summary>
public sealed class ScopeCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<string> scopes = ModuleSession.State.KnownRoles
            .SelectMany(role => new[] { role.ScopeDisplayName, role.Scope })
            .Where(scope => !string.IsNullOrEmpty(scope));
        return Completion.Offer(scopes, wordToComplete);
    }
}

internal static class Completion
{
    /// <summary>The values that start with what was typed (quotes ignored, wildcards honoured), quoted where needed.</summary>
    public static IEnumerable<CompletionResult> Offer(IEnumerable<string> values, string wordToComplete)
    {
        string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var pattern = WildcardPattern.Get(typed + "*", WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        return values
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(pattern.IsMatch)
            .OrderBy(value => value, StringComparer.OrdinalIgnoreCase)
            .Select(value => new CompletionResult(Quote(value), value, CompletionResultType.ParameterValue, value))
            .ToList();
    }

    private static string Quote(string value) =>
        value.Any(c => char.IsWhiteSpace(c) || "'\"$`(){}[];,|&@#<>".Contains(c))
            ? "'" + value.Replace("'", "''") + "'"
            : value;
}
