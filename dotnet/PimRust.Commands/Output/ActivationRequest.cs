using System;
using PimRust.Commands;

namespace PimRust;

/// <summary>
/// What became of one role's activation or deactivation: Activated, PendingApproval, PendingProvisioning,
/// Scheduled, AlreadyActive, Validated, Deactivated or Failed (with the error's code and message).
/// </summary>
public sealed class ActivationRequest
{
    internal ActivationRequest(CoreOutcome outcome, PimRole? role, bool deactivate)
    {
        RoleName = outcome.RoleName ?? role?.RoleName ?? string.Empty;
        Kind = outcome.Kind ?? role?.Kind ?? string.Empty;
        Scope = outcome.Scope ?? role?.Scope ?? string.Empty;
        ScopeDisplayName = role?.ScopeDisplayName ?? Scope;
        AccessId = role?.AccessId;
        Status = outcome.Status ?? "Failed";
        RequestId = outcome.RequestId;
        RequestStatus = outcome.RequestStatus;
        Start = outcome.Start;
        End = outcome.End;
        Duration = DurationText.TryParseIso(outcome.Duration);
        ErrorCode = outcome.Error?.Code;
        ErrorMessage = outcome.Error?.Message is { } message ? PimErrors.Clean(message) : null;
        FailedRules = outcome.Error?.FailedRules?.ToArray() ?? Array.Empty<string>();
        Warnings = outcome.Warnings?.ToArray() ?? Array.Empty<string>();
        Deactivate = deactivate;
        Key = outcome.Key ?? role?.Key ?? string.Empty;
        TenantId = role?.TenantId;
    }

    /// <summary>A request known only by its id (Wait-PimRequest -RequestId).</summary>
    internal ActivationRequest(string requestId, string kind)
    {
        RoleName = requestId;
        Kind = kind;
        Scope = string.Empty;
        ScopeDisplayName = string.Empty;
        Status = "PendingApproval";
        RequestId = requestId;
        FailedRules = Array.Empty<string>();
        Warnings = Array.Empty<string>();
        Key = string.Empty;
    }

    public string RoleName { get; internal set; }
    public string Kind { get; }
    public string Scope { get; }
    public string ScopeDisplayName { get; }
    public string? AccessId { get; }
    public string Status { get; internal set; }
    public string? RequestId { get; }
    /// <summary>The service's own word for the request's state (Provisioned, PendingApproval, Denied…).</summary>
    public string? RequestStatus { get; internal set; }
    public DateTimeOffset? Start { get; internal set; }
    public DateTimeOffset? End { get; internal set; }
    public TimeSpan? Duration { get; }
    public string? ErrorCode { get; internal set; }
    public string? ErrorMessage { get; internal set; }
    public string[] FailedRules { get; }
    public string[] Warnings { get; }
    public bool Deactivate { get; }
    public string Key { get; }
    public string? TenantId { get; }

    /// <summary>The name as tables show it: <c>Finance Approvers (member)</c>.</summary>
    public string DisplayName => AccessId is null ? RoleName : $"{RoleName} ({AccessId})";

    /// <summary>Whether the request still waits for an approver, for provisioning or for its start time.</summary>
    internal bool IsPending => RequestId is { Length: > 0 } && Array.IndexOf(CoreRules.PendingStatuses, Status) >= 0;

    public override string ToString() => $"{DisplayName}: {Status}";
}
