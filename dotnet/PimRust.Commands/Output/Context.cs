using System;
using System.Collections.Generic;
using System.Linq;
using PimRust.Commands;

namespace PimRust;

/// <summary>Who is signed in, to which tenant and cloud, through which endpoints, and what each token allows.</summary>
public sealed class Context
{
    internal Context(CoreContext context)
    {
        Connected = context.Connected;
        Account = context.Account;
        TenantId = context.TenantId;
        // 'organizations' (or 'common') only says how the sign-in was started; once the account is known, its
        // tenant is the real one.
        Tenant = IsPlaceholderTenant(context.Tenant) && !string.IsNullOrEmpty(context.TenantId) ? context.TenantId : context.Tenant;
        Environment = context.Environment;
        Endpoints = context.Endpoints is { } endpoints ? new EndpointInfo(endpoints) : null;
        ClientIds = context.ClientIds is { } ids ? new ClientIdInfo(ids.Graph, ids.Arm) : null;
        TokenCache = context.TokenCache;
        Tokens = (context.Tokens ?? new List<CoreToken>()).Select(t => new TokenInfo(t)).ToArray();
    }

    public bool Connected { get; }
    public string? Account { get; }
    public string? TenantId { get; }
    public string? Tenant { get; }
    public string? Environment { get; }
    public EndpointInfo? Endpoints { get; }
    public ClientIdInfo? ClientIds { get; }
    public string? TokenCache { get; }
    public TokenInfo[] Tokens { get; }

    private static bool IsPlaceholderTenant(string? tenant) =>
        tenant is null || tenant.Equals("organizations", StringComparison.OrdinalIgnoreCase) ||
        tenant.Equals("common", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The sign-in, Graph and ARM roots in use.</summary>
public sealed class EndpointInfo
{
    internal EndpointInfo(CoreEndpoints endpoints)
    {
        Authority = endpoints.Authority;
        Graph = endpoints.Graph;
        Arm = endpoints.Arm;
        Overridden = endpoints.Overridden;
    }

    public string? Authority { get; }
    public string? Graph { get; }
    public string? Arm { get; }
    /// <summary>True when a sandbox or override replaced the cloud's own hosts.</summary>
    public bool Overridden { get; }

    public override string ToString() => $"authority {Authority}, graph {Graph}, arm {Arm}{(Overridden ? " (overridden)" : "")}";
}

/// <summary>The app (client) ids used for Graph and ARM sign-ins.</summary>
public sealed class ClientIdInfo
{
    internal ClientIdInfo(string? graph, string? arm)
    {
        Graph = graph;
        Arm = arm;
    }

    public string? Graph { get; }
    public string? Arm { get; }

    public override string ToString() => string.Equals(Graph, Arm, StringComparison.OrdinalIgnoreCase) ? $"{Graph}" : $"graph {Graph}, arm {Arm}";
}

/// <summary>One access token's facts (never the token itself).</summary>
public sealed class TokenInfo
{
    internal TokenInfo(CoreToken token)
    {
        Resource = token.Resource;
        ExpiresOn = token.ExpiresOn;
        Source = token.Source;
        Scopes = token.Scopes?.ToArray() ?? Array.Empty<string>();
        Amr = token.Amr?.ToArray() ?? Array.Empty<string>();
        Acrs = token.Acrs?.ToArray() ?? Array.Empty<string>();
        StepUp = token.StepUp;
    }

    public string? Resource { get; }
    public DateTimeOffset? ExpiresOn { get; }
    /// <summary>Interactive, Refresh or Passthrough.</summary>
    public string? Source { get; }
    public string[] Scopes { get; }
    public string[] Amr { get; }
    public string[] Acrs { get; }
    public bool StepUp { get; }

    public override string ToString()
    {
        string until = ExpiresOn is { } expires ? $" until {expires.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z" : "";
        string acrs = Acrs.Length > 0 ? $", acrs {string.Join(",", Acrs)}" : "";
        string scopes = Scopes.Length > 0 ? $"; {string.Join(" ", Scopes)}" : "";
        return $"{Resource}{until} ({Source}{acrs}){scopes}";
    }
}
