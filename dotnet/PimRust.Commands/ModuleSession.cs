using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using PimRust.Interop;

namespace PimRust.Commands;

/// <summary>
/// The module's state in each runspace, as a script module's <c>$script:</c> variables were: the native client
/// (created on first use, so importing stays instant), whether it is connected, and the roles last listed (for
/// tab completion). Remove-Module, or closing the runspace, disposes the native client.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ModuleSession
{
    private static readonly ConditionalWeakTable<Runspace, ModuleState> States = new();
    private static readonly ModuleState NoRunspace = new();

    /// <summary>This runspace's native client, or null before first use (tests read its op counts).</summary>
    public static PimSession? Current => Find()?.ExistingSession;

    /// <summary>Disposes this runspace's native client (the module's OnRemove calls it).</summary>
    public static void Close()
    {
        if (Runspace.DefaultRunspace is { } runspace && States.TryGetValue(runspace, out ModuleState? state))
        {
            States.Remove(runspace);
            state.Dispose();
        }
    }

    internal static ModuleState State
    {
        get
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            if (runspace is null)
            {
                return NoRunspace;
            }
            return States.GetValue(runspace, created =>
            {
                var state = new ModuleState();
                created.StateChanged += (_, e) =>
                {
                    if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
                    {
                        state.Dispose();
                    }
                };
                return state;
            });
        }
    }

    private static ModuleState? Find() =>
        Runspace.DefaultRunspace is { } runspace && States.TryGetValue(runspace, out ModuleState? state) ? state : null;
}

/// <summary>One runspace's native client and what the module remembers about it.</summary>
internal sealed class ModuleState : IDisposable
{
    private const string OnRemoveScript = "[PimRust.Commands.ModuleSession]::Close()";
    private readonly object _gate = new();
    private PimSession? _session;
    private ClientSettings? _settings;
    private Dictionary<string, RoleHint> _roles = new(StringComparer.OrdinalIgnoreCase);

    public PimSession? ExistingSession => _session is { IsDisposed: false } session ? session : null;

    /// <summary>True once Connect-Pim (or a connect on first use) succeeded on this native client.</summary>
    public bool Connected { get; private set; }

    /// <summary>The tenant of the signed-in account, stamped on every listed role.</summary>
    public string? TenantId { get; private set; }

    /// <summary>
    /// The native client, created with the current PIMRUST_TOKEN_CACHE settings. With
    /// <paramref name="applyNewSettings"/> (sign-in and sign-out), a client made under other cache settings is
    /// replaced, since those settings only apply when a client is created.
    /// </summary>
    public PimSession GetSession(PSCmdlet cmdlet, bool applyNewSettings = false)
    {
        lock (_gate)
        {
            ClientSettings wanted = ClientSettings.FromEnvironment();
            if (_session is { IsDisposed: false } && applyNewSettings && wanted != _settings)
            {
                ResetLocked();
            }
            if (_session is not { IsDisposed: false })
            {
                try
                {
                    _session = PimSession.Create(wanted.ToJson());
                }
                catch (ArgumentException e)
                {
                    throw new PimException(CoreRules.Errors.InvalidClientConfig, PimErrors.Clean(e.Message), inner: e);
                }
                _settings = wanted;
                Connected = false;
                TenantId = null;
                DeviceCodeAnswered = false;
            }
            if (cmdlet.MyInvocation.MyCommand.Module is { OnRemove: null } module)
            {
                module.OnRemove = ScriptBlock.Create(OnRemoveScript);
            }
            return _session;
        }
    }

    /// <summary>Connect-Pim -UseDeviceCode succeeded: someone answers device-code prompts in this session.</summary>
    public bool DeviceCodeAnswered { get; private set; }

    public void MarkConnected(string? tenantId, bool byDeviceCode = false)
    {
        Connected = true;
        TenantId = tenantId;
        DeviceCodeAnswered = byDeviceCode;
    }

    public void MarkDisconnected()
    {
        Connected = false;
        TenantId = null;
        DeviceCodeAnswered = false;
        lock (_gate)
        {
            _roles = new Dictionary<string, RoleHint>(StringComparer.OrdinalIgnoreCase);
        }
    }

    /// <summary>Remembers a listing for completion: roles of the listed kinds replace those kinds' earlier ones.</summary>
    public void Remember(IReadOnlyCollection<PimRole> roles, IReadOnlyCollection<string> kinds)
    {
        lock (_gate)
        {
            var next = new Dictionary<string, RoleHint>(StringComparer.OrdinalIgnoreCase);
            foreach ((string key, RoleHint hint) in _roles)
            {
                if (kinds.Count > 0 && !Contains(kinds, hint.Kind))
                {
                    next[key] = hint;
                }
            }
            foreach (PimRole role in roles)
            {
                next[role.Key] = new RoleHint(role.Kind, role.RoleName, role.DisplayName, role.Scope, role.ScopeDisplayName);
            }
            _roles = next;
        }
    }

    public IReadOnlyCollection<RoleHint> KnownRoles
    {
        get
        {
            lock (_gate)
            {
                return new List<RoleHint>(_roles.Values);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            ResetLocked();
        }
    }

    private void ResetLocked()
    {
        _session?.Dispose();
        _session = null;
        Connected = false;
        TenantId = null;
        DeviceCodeAnswered = false;
        _roles = new Dictionary<string, RoleHint>(StringComparer.OrdinalIgnoreCase);
    }

    private static bool Contains(IReadOnlyCollection<string> values, string value)
    {
        foreach (string candidate in values)
        {
            if (string.Equals(candidate, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>What completion needs to know about a listed role.</summary>
internal sealed record RoleHint(string Kind, string RoleName, string DisplayName, string Scope, string ScopeDisplayName);
