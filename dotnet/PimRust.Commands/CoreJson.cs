using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PimRust.Commands;

// The shapes the core emits (camelCase JSON). Unknown members are ignored, so the core may add fields.

internal sealed class CoreKindFailure
{
    public string? Kind { get; set; }
    public string? Code { get; set; }
    public string? Message { get; set; }
}

internal sealed class CoreRole
{
    public string? Kind { get; set; }
    public string? RoleName { get; set; }
    public string? AccessId { get; set; }
    public string? Scope { get; set; }
    public string? ScopeDisplayName { get; set; }
    public string? MemberType { get; set; }
    public string? GrantedVia { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? EligibilityStart { get; set; }
    public DateTimeOffset? EligibilityEnd { get; set; }
    public DateTimeOffset? ActiveUntil { get; set; }
    public CorePolicy? Policy { get; set; }
    public string? RoleDefinitionId { get; set; }
    public string? PrincipalId { get; set; }
    public string? GroupId { get; set; }
    public string? DirectoryScopeId { get; set; }
    public string? EligibilityScheduleId { get; set; }
    public string? EligibilityInstanceId { get; set; }
    public string? Key { get; set; }
    public string? TenantId { get; set; }
}

internal sealed class CorePolicy
{
    public string? MaxDuration { get; set; }
    public bool? RequiresJustification { get; set; }
    public bool? RequiresTicket { get; set; }
    public bool? RequiresMfa { get; set; }
    public bool? RequiresApproval { get; set; }
    public string? AuthenticationContext { get; set; }
    public string? PolicyId { get; set; }
}

internal sealed class CoreOutcome
{
    public string? Key { get; set; }
    public string? RoleName { get; set; }
    public string? Kind { get; set; }
    public string? Scope { get; set; }
    public string? Status { get; set; }
    public string? RequestId { get; set; }
    public string? RequestStatus { get; set; }
    public DateTimeOffset? Start { get; set; }
    public DateTimeOffset? End { get; set; }
    public string? Duration { get; set; }
    public CoreOutcomeError? Error { get; set; }
    public List<string>? Warnings { get; set; }
}

/// <summary>An error as the core names it; the cmdlets never build an id or pick a category themselves.</summary>
internal class CoreError
{
    public string? Kind { get; set; }
    public string? Code { get; set; }
    public string? ErrorId { get; set; }
    public string? Category { get; set; }

    /// <summary>The identity the core gave the error, or null when the core left a part out.</summary>
    public ErrorIdentity? Identity() =>
        Kind is null || Code is null || ErrorId is null || Category is null ? null : new ErrorIdentity(Kind, Code, ErrorId, Category);
}

internal sealed class CoreOutcomeError : CoreError
{
    public string? Message { get; set; }
    public int? HttpStatus { get; set; }
    public List<string>? FailedRules { get; set; }
}

internal sealed class CoreWaitResult
{
    public string? RequestId { get; set; }
    public string? Key { get; set; }
    public string? RoleName { get; set; }
    public string? Kind { get; set; }
    public string? Status { get; set; }
    public string? RequestStatus { get; set; }
    public DateTimeOffset? ActiveUntil { get; set; }
    public string? Message { get; set; }
    /// <summary>Set when the request ended without access, or the wait timed out.</summary>
    public CoreError? Error { get; set; }
}

internal sealed class CoreCancelReport
{
    public List<string> Cancelled { get; set; } = new();
    public List<CoreCancelRefusal> Refused { get; set; } = new();
}

internal sealed class CoreCancelRefusal
{
    public string? RequestId { get; set; }
    public string? Code { get; set; }
    public string? Message { get; set; }
}

internal sealed class CoreContext
{
    public bool Connected { get; set; }
    public string? Account { get; set; }
    public string? TenantId { get; set; }
    public string? Tenant { get; set; }
    public string? Environment { get; set; }
    public CoreEndpoints? Endpoints { get; set; }
    public CoreClientIds? ClientIds { get; set; }
    public string? TokenCache { get; set; }
    public List<CoreToken>? Tokens { get; set; }
}

internal sealed class CoreEndpoints
{
    public string? Authority { get; set; }
    public string? Graph { get; set; }
    public string? Arm { get; set; }
    public bool Overridden { get; set; }
}

internal sealed class CoreClientIds
{
    public string? Graph { get; set; }
    public string? Arm { get; set; }
}

internal sealed class CoreToken
{
    public string? Resource { get; set; }
    public DateTimeOffset? ExpiresOn { get; set; }
    public string? Source { get; set; }
    public List<string>? Scopes { get; set; }
    public List<string>? Amr { get; set; }
    public List<string>? Acrs { get; set; }
    public bool StepUp { get; set; }
}

internal sealed class CoreDisconnectReport
{
    public List<CoreRemovedSignIn>? RemovedAccounts { get; set; }
}

internal sealed class CoreRemovedSignIn
{
    public string? Account { get; set; }
    public string? TenantId { get; set; }
    public string? Cloud { get; set; }
    public CoreEndpoints? Endpoints { get; set; }
}

/// <summary>One event of an op's queue: <c>{"v":1,"event":…, …}</c>; only the members hosts act on.</summary>
internal sealed class CoreEvent
{
    public string? Event { get; set; }
    public string? Level { get; set; }
    public string? Target { get; set; }
    public string? Message { get; set; }
    public double? Percent { get; set; }
    public string? Status { get; set; }
    public string? RequestId { get; set; }
    public string? RoleName { get; set; }
    public string? Url { get; set; }
    public bool? Opened { get; set; }
    public long? Count { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(CoreKindFailure))]
[JsonSerializable(typeof(CoreRole))]
[JsonSerializable(typeof(List<CoreOutcome>))]
[JsonSerializable(typeof(List<CoreWaitResult>))]
[JsonSerializable(typeof(CoreWaitResult))]
[JsonSerializable(typeof(CoreCancelReport))]
[JsonSerializable(typeof(CoreContext))]
[JsonSerializable(typeof(CoreDisconnectReport))]
[JsonSerializable(typeof(CoreEvent))]
internal sealed partial class CoreJsonContext : JsonSerializerContext
{
}
