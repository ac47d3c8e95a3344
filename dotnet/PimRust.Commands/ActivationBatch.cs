using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>
/// What the user asked for besides the roles; <c>ReadPolicies</c>: the roles were listed without their policies, so
/// the core reads them first.
/// </summary>
internal sealed record ActivationOptions(
    string? Justification, string? TicketNumber, string? TicketSystem, string? Duration, DateTime? StartAt,
    bool ValidateOnly, int ThrottleLimit, bool Deactivate, bool ReadPolicies)
{
    /// <summary>The -WhatIf/-Confirm action text.</summary>
    public string Action
    {
        get
        {
            if (Deactivate)
            {
                return "Deactivate";
            }
            string length = Duration switch
            {
                DurationText.Max => "the policy maximum",
                null => CoreRules.DefaultDuration,
                _ => Duration,
            };
            string from = StartAt is { } start ? Iso(start) : "now";
            return $"{(ValidateOnly ? "Validate activation" : "Activate")} for {length} from {from}";
        }
    }

    public static string Iso(DateTime when) =>
        when.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// One native batch (pim.activate) for the roles the user confirmed: one ActivationRequest per role, a
/// non-terminating error per failed role, each warning once.
/// </summary>
internal static class ActivationBatch
{
    /// <summary>The parts of a listed role that activation reads, copied from the role the core emitted.</summary>
    private static readonly string[] TargetMembers =
    {
        "key", "kind", "roleName", "roleDefinitionId", "scope", "principalId", "groupId", "accessId", "directoryScopeId",
        "eligibilityScheduleId", "status", "policy",
    };

    /// <summary>How a role is named in -WhatIf and -Confirm: name, scope and kind (or the group's access).</summary>
    public static string Describe(PimRole role) =>
        role.AccessId is not null ? $"{role.DisplayName} in {role.ScopeDisplayName}" : $"{role.RoleName} at {role.ScopeDisplayName} [{role.Kind}]";

    public static List<ActivationRequest> Submit(PimCmdlet cmdlet, IReadOnlyList<PimRole> roles, ActivationOptions options)
    {
        var requests = new List<ActivationRequest>(roles.Count);
        if (roles.Count == 0)
        {
            return requests;
        }
        string paramsJson = JsonParams.Build(writer =>
        {
            writer.WriteStartArray("roles");
            foreach (PimRole role in roles)
            {
                writer.WriteStartObject();
                foreach (JsonProperty member in role.Source.EnumerateObject())
                {
                    if (Array.IndexOf(TargetMembers, member.Name) >= 0)
                    {
                        member.WriteTo(writer);
                    }
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            JsonParams.Optional(writer, "justification", options.Justification);
            JsonParams.Optional(writer, "ticketNumber", options.TicketNumber);
            JsonParams.Optional(writer, "ticketSystem", options.TicketSystem);
            JsonParams.Optional(writer, "duration", options.Duration);
            if (options.StartAt is { } start)
            {
                writer.WriteString("startAt", ActivationOptions.Iso(start));
            }
            writer.WriteBoolean("validateOnly", options.ValidateOnly);
            writer.WriteBoolean("deactivate", options.Deactivate);
            writer.WriteNumber("throttleLimit", options.ThrottleLimit);
            if (options.ReadPolicies)
            {
                writer.WriteBoolean("readPolicies", true);
            }
            writer.WriteBoolean("interactive", cmdlet.Interactive);
        });
        string activity = options.Deactivate ? "Deactivating PIM roles" : "Activating PIM roles";
        JsonElement data = cmdlet.Invoke("pim.activate", paramsJson, activity);
        List<CoreOutcome> outcomes = data.Deserialize(CoreJsonContext.Default.ListCoreOutcome) ?? new List<CoreOutcome>();
        var byKey = new Dictionary<string, PimRole>(StringComparer.OrdinalIgnoreCase);
        foreach (PimRole role in roles)
        {
            byKey.TryAdd(role.Key, role);
        }
        for (int i = 0; i < outcomes.Count; i++)
        {
            CoreOutcome outcome = outcomes[i];
            PimRole? role = i < roles.Count && string.Equals(roles[i].Key, outcome.Key, StringComparison.OrdinalIgnoreCase)
                ? roles[i]
                : outcome.Key is not null && byKey.TryGetValue(outcome.Key, out PimRole? byItsKey) ? byItsKey : null;
            var request = new ActivationRequest(outcome, role, options.Deactivate);
            foreach (string warning in request.Warnings)
            {
                cmdlet.WriteWarningOnce(PimErrors.AboutRole(request.DisplayName, request.RoleName, warning));
            }
            if (request.Status == "Failed")
            {
                CoreOutcomeError? error = outcome.Error;
                cmdlet.WriteError(PimErrors.Create(cmdlet, error?.Identity() ?? CoreRules.Errors.Internal,
                    PimErrors.AboutRole(request.DisplayName, request.RoleName, error?.Message ?? "the request failed"), request, error?.HttpStatus,
                    error?.FailedRules));
            }
            requests.Add(request);
        }
        return requests;
    }

    /// <summary>"PIM: 2 Activated, 1 PendingApproval", in order of first appearance.</summary>
    public static string Summary(IEnumerable<ActivationRequest> requests) =>
        "PIM: " + string.Join(", ", requests.GroupBy(r => r.Status).Select(g => $"{g.Count()} {g.Key}"));
}
