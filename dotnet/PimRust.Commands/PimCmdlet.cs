using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text.Json;
using PimRust.Interop;

namespace PimRust.Commands;

/// <summary>
/// What every PimRust cmdlet shares: running native ops (start, wait in short slices, relay events to the streams,
/// cancel on Ctrl+C), connecting on first use, and writing warnings, prompts and the summary line.
/// </summary>
public abstract class PimCmdlet : PSCmdlet
{
    private readonly HashSet<string> _warnings = new(StringComparer.Ordinal);
    private volatile PimOperation? _running;

    internal ModuleState State => ModuleSession.State;

    /// <summary>Ctrl+C: cancel the native op at once; the waiting loop then ends and leaves nothing running.</summary>
    protected override void StopProcessing()
    {
        try
        {
            _running?.Cancel();
        }
        catch (Exception e) when (e is ObjectDisposedException or PimNativeException)
        {
            // The op or the client is already gone: nothing is left to cancel.
        }
    }

    /// <summary>
    /// Runs <paramref name="method"/> to completion and returns its data; a failure is this command's terminating
    /// error. <paramref name="onEvent"/> sees each event before it is relayed to the streams.
    /// </summary>
    internal JsonElement Invoke(string method, string paramsJson, string activity, Func<CoreEvent, string, bool>? onEvent = null,
        PimSession? session = null)
    {
        PimResult result = Run(method, paramsJson, activity, onEvent, session);
        if (!result.Ok)
        {
            ThrowTerminatingError(PimErrors.FromNative(this, result.Error!, method));
        }
        using JsonDocument document = JsonDocument.Parse(result.DataJson ?? "null");
        return document.RootElement.Clone();
    }

    /// <summary>Runs an op and returns its envelope (the caller decides what a failure means).</summary>
    internal PimResult Run(string method, string paramsJson, string activity, Func<CoreEvent, string, bool>? onEvent = null,
        PimSession? session = null)
    {
        var relay = new NativeEventRelay(this, activity);
        PimOperation operation;
        try
        {
            operation = (session ?? GetSession()).Start(method, paramsJson, NativeLogLevel());
        }
        catch (PimNativeException e)
        {
            ThrowTerminatingError(PimErrors.FromTransport(this, e, method));
            throw;
        }
        _running = operation;
        try
        {
            while (true)
            {
                bool finished = operation.Wait(PimSession.DefaultWaitSliceMs);
                if (Stopping)
                {
                    operation.Cancel();
                    throw new PipelineStoppedException();
                }
                foreach (string json in operation.DrainEvents())
                {
                    CoreEvent? evt = ParseEvent(json);
                    if (evt is not null && onEvent?.Invoke(evt, json) != true)
                    {
                        relay.Relay(evt, json);
                    }
                }
                if (finished)
                {
                    PimResult result = operation.TakeResult();
                    if (!result.Ok && result.Error!.Kind == "Cancelled" && Stopping)
                    {
                        throw new PipelineStoppedException();
                    }
                    return result;
                }
            }
        }
        catch (PimNativeException e)
        {
            ThrowTerminatingError(PimErrors.FromTransport(this, e, method));
            throw;
        }
        finally
        {
            _running = null;
            operation.Dispose();
            relay.Complete();
        }
    }

    internal PimSession GetSession(bool applyNewSettings = false)
    {
        try
        {
            return State.GetSession(this, applyNewSettings);
        }
        catch (PimException e)
        {
            ThrowTerminatingError(PimErrors.Create(this, e, null));
            throw;
        }
    }

    /// <summary>
    /// Connects on first use, with the endpoint settings this session sees now. In a session where nobody can
    /// answer a sign-in, the core is told so and fails at once unless a cached sign-in serves.
    /// </summary>
    internal void EnsureConnected()
    {
        if (State.Connected && State.ExistingSession is not null)
        {
            return;
        }
        WriteVerbose("Not connected yet: signing in with the defaults (run Connect-Pim to choose the tenant, account or flow).");
        string paramsJson = JsonParams.Build(writer =>
        {
            writer.WriteString("environment", "Global");
            EndpointSettings.FromEnvironment().WriteTo(writer, null);
            writer.WriteBoolean("interactive", Interactive);
        });
        JsonElement context = Invoke("auth.connect", paramsJson, "Signing in to Entra ID");
        CoreContext parsed = context.Deserialize(CoreJsonContext.Default.CoreContext) ?? new CoreContext();
        State.MarkConnected(parsed.TenantId);
    }

    /// <summary>
    /// Whether the core may prompt (browser, device code, step-up). Where nobody can answer, it fails at once
    /// with an error that names the ways to sign in instead. Someone who signed in here with a device code can
    /// answer the next one, wherever the session runs.
    /// </summary>
    internal bool Interactive => State.DeviceCodeAnswered || Interactivity.IsInteractive(Host);

    /// <summary>How much of the core's tracing comes back: -Debug → debug, -Verbose → info, else warnings only.</summary>
    internal string NativeLogLevel() =>
        IsOn("Debug", "DebugPreference") ? "debug" : IsOn("Verbose", "VerbosePreference") ? "info" : "warn";

    internal void WriteWarningOnce(string message)
    {
        if (_warnings.Add(message))
        {
            WriteWarning(message);
        }
    }

    /// <summary>A sign-in prompt: shown like Write-Host (even when the information stream is silenced), and recorded.</summary>
    internal void WritePrompt(string message)
    {
        WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST", "PimRust.Prompt" });
        if (Preference("InformationAction", "InformationPreference") == ActionPreference.Ignore)
        {
            Host?.UI?.WriteLine(message);
        }
    }

    /// <summary>
    /// A command's closing line on the information stream: shown by default, yet silenced or captured with the
    /// caller's own -InformationAction or -InformationVariable.
    /// </summary>
    internal void WriteSummary(string message)
    {
        if (MyInvocation.BoundParameters.ContainsKey("InformationAction"))
        {
            WriteInformation(message, new[] { "PimRust.Summary" });
        }
        else
        {
            WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST", "PimRust.Summary" });
        }
    }

    private bool IsOn(string commonParameter, string preferenceVariable) =>
        Preference(commonParameter, preferenceVariable) is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);

    private ActionPreference Preference(string commonParameter, string preferenceVariable)
    {
        if (MyInvocation.BoundParameters.TryGetValue(commonParameter, out object? bound))
        {
            return bound switch
            {
                SwitchParameter flag => flag.IsPresent ? ActionPreference.Continue : ActionPreference.SilentlyContinue,
                ActionPreference preference => preference,
                _ => LanguagePrimitives.IsTrue(bound) ? ActionPreference.Continue : ActionPreference.SilentlyContinue,
            };
        }
        object? value = GetVariableValue(preferenceVariable);
        if (value is PSObject wrapped)
        {
            value = wrapped.BaseObject;
        }
        return value switch
        {
            ActionPreference preference => preference,
            string text when Enum.TryParse(text, true, out ActionPreference parsed) => parsed,
            _ => ActionPreference.SilentlyContinue,
        };
    }

    private static CoreEvent? ParseEvent(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CoreJsonContext.Default.CoreEvent);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
