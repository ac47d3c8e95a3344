using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using PimRust.Interop;

namespace PimRust.Commands;

/// <summary>
/// Every ErrorRecord of the module is made here, with the id and category the core gave the error (PowerShell appends
/// the public command's name to the id), and a recommended action where there is one.
/// </summary>
internal static class PimErrors
{
    /// <summary>Recommended actions, by <c>Kind.Code</c> first, then by kind.</summary>
    private static readonly Dictionary<string, string> Actions = new(StringComparer.Ordinal)
    {
        ["AuthenticationRequired.NotConnected"] = "Run Connect-Pim.",
        ["AuthenticationRequired.NotSignedIn"] = "Run Connect-Pim.",
        ["AuthenticationRequired.AccessTokenExpired"] = "Get a new access token and run Connect-Pim -AccessToken again.",
        ["InteractionRequired.NonInteractiveSignInRequired"] =
            "Run Connect-Pim -UseDeviceCode, or Connect-Pim -AccessToken <token> [-ArmAccessToken <token>], or sign in once in an interactive session so the cached sign-in is reused.",
        ["AuthenticationRequired.NoAccessToken"] =
            "Pass that resource's token to Connect-Pim too (-ArmAccessToken for Azure resources), or run Connect-Pim without -AccessToken to sign in.",
        ["AuthenticationRequired"] = "Run Connect-Pim.",
        ["AuthenticationFailed.invalid_grant"] = "Run Connect-Pim to sign in again.",
        ["AuthenticationFailed.expired_token"] = "Run Connect-Pim -UseDeviceCode again and finish the sign-in before the code expires.",
        ["AuthenticationFailed"] = "Run Connect-Pim again (with -TenantId for guests, or -ClientId for your own app registration).",
        ["InteractionRequired"] = "Run Connect-Pim without -AccessToken so PimRust can complete the extra sign-in the policy asks for.",
        ["Forbidden.MissingScope"] = "Sign in with an app that was granted the permission: Connect-Pim -ClientId <app id> -Force.",
        ["PolicyViolation.JustificationRequired"] = "Pass -Justification.",
        ["PolicyViolation.TicketRequired"] = "Pass -TicketNumber and -TicketSystem.",
        ["PolicyViolation.DurationTooLong"] = "Use -Duration Max, or a shorter -Duration.",
        // The service's own policy rules (PolicyViolation.RoleAssignmentRequestPolicyValidationFailed names them).
        ["PolicyViolation.ExpirationRule"] = "Use -Duration Max, or a shorter -Duration.",
        ["PolicyViolation.JustificationRule"] = "Pass -Justification.",
        ["PolicyViolation.TicketingRule"] = "Pass -TicketNumber and -TicketSystem.",
        ["PolicyViolation.MfaRule"] = "Run Connect-Pim -Force and complete multi-factor authentication.",
        ["PolicyViolation.EligibilityRule"] = "Run Get-PimEligibleRole to see what you are eligible for now.",
        ["Throttled"] = "Wait a minute and run the command again.",
        ["Network"] = "Check the network connection, and the endpoints Get-PimContext shows.",
        ["RoleNotFound"] = "Run Get-PimEligibleRole to see the names, or use wildcards.",
        ["AmbiguousRole"] = "Pipe the role from Get-PimEligibleRole, or add -Scope or -Kind so one role matches.",
        ["InvalidInput"] = "Pipe roles from Get-PimEligibleRole or Get-PimActiveRole, or use -Name.",
        ["InvalidInput.NotARole"] = "Pipe roles from Get-PimEligibleRole or Get-PimActiveRole.",
        ["NonInteractive"] =
            "Select-PimRole needs someone to answer; in scripts, filter with -Name / -Scope / -Kind instead (Get-PimEligibleRole -Name 'Global Reader' | Invoke-PimActivation).",
        ["WrongTenant"] = "List the roles again in this session (Get-PimEligibleRole), or Connect-Pim to their tenant.",
        ["Timeout"] = "Run Wait-PimRequest again with a longer -TimeoutSec; the requests keep going.",
    };

    // PowerShell ends the FullyQualifiedErrorId of a compiled cmdlet's error with the cmdlet class's full name
    // (PimRust.Commands.GetPimEligibleRoleCommand); PimRust's ids end with the command's name, as they did when
    // the commands were functions and as scripts that match on them expect. The record keeps a fixed id in this
    // field (the one remoting fills for deserialized errors); without it, the class name stays.
    private static readonly FieldInfo? FixedErrorId =
        typeof(ErrorRecord).GetField("_serializedFullyQualifiedErrorId", BindingFlags.Instance | BindingFlags.NonPublic);

    public static ErrorRecord Create(PSCmdlet cmdlet, PimException exception, object? target, IReadOnlyList<string>? failedRules = null)
    {
        var record = new ErrorRecord(exception, exception.ErrorId, CategoryOf(exception.Identity.Category), target);
        if (RecommendedAction(exception.Kind, exception.Code, failedRules) is { } action)
        {
            record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action };
        }
        if (cmdlet.MyInvocation?.MyCommand?.Name is { Length: > 0 } command && FixedErrorId?.FieldType == typeof(string))
        {
            FixedErrorId.SetValue(record, $"{exception.ErrorId},{command}");
        }
        return record;
    }

    public static ErrorRecord Create(PSCmdlet cmdlet, ErrorIdentity identity, string message, object? target, int? httpStatus = null,
        IReadOnlyList<string>? failedRules = null) =>
        Create(cmdlet, new PimException(identity, Clean(message), httpStatus), target, failedRules);

    /// <summary>A native op's error envelope.</summary>
    public static ErrorRecord FromNative(PSCmdlet cmdlet, PimError error, object? target) =>
        Create(cmdlet, new PimException(new ErrorIdentity(error.Kind, error.Code, error.ErrorId, error.Category), Clean(error.Message), error.HttpStatus)
        {
            RetryAfterSec = error.RetryAfterSec,
            DetailsJson = error.DetailsJson,
        }, target);

    /// <summary>The transport failed (a stale handle, a panic): a bug, not a domain error.</summary>
    public static ErrorRecord FromTransport(PSCmdlet cmdlet, Exception exception, string method) =>
        Create(cmdlet, new PimException(CoreRules.Errors.Internal, $"PimRust's native library failed during {method}: {exception.Message}", null, exception), method);

    /// <summary>The <c>ErrorCategory</c> member the core named; NotSpecified for a name this PowerShell does not know.</summary>
    public static ErrorCategory CategoryOf(string category) =>
        category is [char first, ..] && char.IsLetter(first) && Enum.TryParse(category, out ErrorCategory parsed) && Enum.IsDefined(parsed)
            ? parsed
            : ErrorCategory.NotSpecified;

    /// <summary>By the service's failed policy rules first, then by <c>Kind.Code</c>, then by kind.</summary>
    public static string? RecommendedAction(string kind, string code, IReadOnlyList<string>? failedRules = null)
    {
        var byRule = (failedRules ?? Array.Empty<string>())
            .Select(rule => Actions.TryGetValue($"{kind}.{rule}", out string? action) ? action : null)
            .OfType<string>()
            .Distinct()
            .ToList();
        return byRule.Count > 0 ? string.Join(" ", byRule) :
            Actions.TryGetValue($"{kind}.{code}", out string? specific) ? specific :
            Actions.TryGetValue(kind, out string? general) ? general : null;
    }

    /// <summary>Messages as users read them: no internal markers, a capital first letter.</summary>
    public static string Clean(string message)
    {
        string text = message.Replace("[native] ", string.Empty, StringComparison.Ordinal).Trim();
        return text.Length > 0 && char.IsLower(text[0]) ? char.ToUpperInvariant(text[0]) + text[1..] : text;
    }

    /// <summary>"Finance Approvers (member): message", unless the message already names the role.</summary>
    public static string AboutRole(string shownName, string roleName, string message) =>
        string.IsNullOrEmpty(roleName) || message.Contains(roleName, StringComparison.OrdinalIgnoreCase)
            ? Clean(message)
            : $"{shownName}: {message}";
}
