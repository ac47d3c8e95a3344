using System;
using System.Collections.Generic;
using System.Text.Json;
using PimRust.Commands;

namespace PimRust;

/// <summary>
/// What <see cref="EligibleRole"/> and <see cref="ActiveRole"/> share: one eligibility (or assignment) of any kind,
/// with its full identity (kind, role definition, scope, access, eligibility, tenant) and its activation policy.
/// </summary>
public abstract class PimRole
{
    private protected PimRole(CoreRole role, JsonElement source, string? tenantId)
    {
        Source = source;
        CorePolicy policy = role.Policy ?? new CorePolicy();
        Kind = role.Kind ?? string.Empty;
        RoleName = role.RoleName ?? string.Empty;
        AccessId = role.AccessId;
        Scope = role.Scope ?? string.Empty;
        ScopeDisplayName = role.ScopeDisplayName ?? role.Scope ?? string.Empty;
        MemberType = role.MemberType;
        GrantedVia = role.GrantedVia;
        Status = role.Status ?? string.Empty;
        EligibilityStart = role.EligibilityStart;
        EligibilityEnd = role.EligibilityEnd;
        ActiveUntil = role.ActiveUntil;
        MaxDuration = DurationText.TryParseIso(policy.MaxDuration);
        RequiresJustification = policy.RequiresJustification;
        RequiresTicket = policy.RequiresTicket;
        RequiresMfa = policy.RequiresMfa;
        RequiresApproval = policy.RequiresApproval;
        AuthenticationContext = policy.AuthenticationContext;
        Requirements = DescribeRequirements(policy);
        RoleDefinitionId = role.RoleDefinitionId ?? string.Empty;
        PrincipalId = role.PrincipalId;
        GroupId = role.GroupId;
        DirectoryScopeId = role.DirectoryScopeId;
        EligibilityScheduleId = role.EligibilityScheduleId;
        EligibilityInstanceId = role.EligibilityInstanceId;
        PolicyId = policy.PolicyId;
        Key = role.Key ?? string.Empty;
        TenantId = role.TenantId ?? tenantId;
    }

    /// <summary>DirectoryRole, Group or AzureResource.</summary>
    public string Kind { get; }
    public string RoleName { get; }
    /// <summary><c>member</c> or <c>owner</c> for groups.</summary>
    public string? AccessId { get; }
    public string Scope { get; }
    public string ScopeDisplayName { get; }
    public string? MemberType { get; }
    public string? GrantedVia { get; }
    public string Status { get; }
    public DateTimeOffset? EligibilityStart { get; }
    public DateTimeOffset? EligibilityEnd { get; }
    public DateTimeOffset? ActiveUntil { get; }
    public TimeSpan? MaxDuration { get; }
    public bool? RequiresJustification { get; }
    public bool? RequiresTicket { get; }
    public bool? RequiresMfa { get; }
    public bool? RequiresApproval { get; }
    public string? AuthenticationContext { get; }
    public string Requirements { get; }
    public string RoleDefinitionId { get; }
    public string? PrincipalId { get; }
    public string? GroupId { get; }
    public string? DirectoryScopeId { get; }
    public string? EligibilityScheduleId { get; }
    public string? EligibilityInstanceId { get; }
    public string? PolicyId { get; }
    public string Key { get; }
    /// <summary>The tenant the role was listed in.</summary>
    public string? TenantId { get; }

    /// <summary>The name as tables show it, which <c>-Name</c> also accepts: <c>Finance Approvers (member)</c>.</summary>
    public string DisplayName => AccessId is null ? RoleName : $"{RoleName} ({AccessId})";

    /// <summary>The role exactly as the core emitted it; sent back as it is when the role is activated.</summary>
    internal JsonElement Source { get; }

    public override string ToString() => DisplayName;

    private static string DescribeRequirements(CorePolicy policy)
    {
        var parts = new List<string>(5);
        if (policy.RequiresJustification == true) parts.Add("Justification");
        if (policy.RequiresTicket == true) parts.Add("Ticket");
        if (policy.RequiresMfa == true) parts.Add("MFA");
        if (policy.RequiresApproval == true) parts.Add("Approval");
        if (!string.IsNullOrEmpty(policy.AuthenticationContext)) parts.Add("AuthContext:" + policy.AuthenticationContext);
        return string.Join(",", parts);
    }
}

/// <summary>Something you can activate, as listed by Get-PimEligibleRole.</summary>
public sealed class EligibleRole : PimRole
{
    internal EligibleRole(CoreRole role, JsonElement source, string? tenantId) : base(role, source, tenantId) { }
}

/// <summary>An active assignment (activated or standing), as listed by Get-PimActiveRole.</summary>
public sealed class ActiveRole : PimRole
{
    internal ActiveRole(CoreRole role, JsonElement source, string? tenantId) : base(role, source, tenantId) { }

    /// <summary>How long the role stays active, from now; null for a permanent assignment.</summary>
    public TimeSpan? TimeRemaining => ActiveUntil is { } until ? until - DateTimeOffset.UtcNow : null;
}
