using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// Relays one op's events to the command's streams: log lines to warning/verbose/debug, progress to one parent bar
/// (and one child bar per request), sign-in prompts to the user.
/// </summary>
internal sealed class NativeEventRelay
{
    private const int ParentId = 1;
    private readonly PimCmdlet _cmdlet;
    private readonly string _activity;
    private readonly HashSet<int> _openChildren = new();
    private bool _progressShown;

    public NativeEventRelay(PimCmdlet cmdlet, string activity)
    {
        _cmdlet = cmdlet;
        _activity = activity;
    }

    public void Relay(CoreEvent evt, string json)
    {
        switch (evt.Event)
        {
            case "log":
                Log(evt);
                break;
            case "progress":
                int percent = (int)Math.Clamp(evt.Percent ?? 0, 0, 100);
                _progressShown = true;
                _cmdlet.WriteProgress(new ProgressRecord(ParentId, _activity, evt.Status ?? $"{percent}%") { PercentComplete = percent });
                break;
            case "requestStatus":
                RequestProgress(evt);
                break;
            case "activation":
                _cmdlet.WriteVerbose($"{evt.RoleName}: {evt.Status}");
                break;
            case "deviceCode":
                _cmdlet.WritePrompt(evt.Message ?? string.Empty);
                break;
            case "browser":
                _cmdlet.WritePrompt(evt.Opened == true ? evt.Message ?? string.Empty : $"{evt.Message}{Environment.NewLine}{evt.Url}");
                break;
            case "eventsDropped":
                _cmdlet.WriteDebug($"{evt.Count} events were dropped because the queue was full");
                break;
            default:
                _cmdlet.WriteDebug($"unhandled event: {json}");
                break;
        }
    }

    /// <summary>Closes the bars this op opened.</summary>
    public void Complete()
    {
        if (_cmdlet.Stopping)
        {
            return;
        }
        foreach (int child in _openChildren)
        {
            _cmdlet.WriteProgress(new ProgressRecord(child, _activity, "Done") { ParentActivityId = ParentId, RecordType = ProgressRecordType.Completed });
        }
        if (_progressShown)
        {
            _cmdlet.WriteProgress(new ProgressRecord(ParentId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private void Log(CoreEvent evt)
    {
        string message = evt.Message ?? string.Empty;
        switch (evt.Level)
        {
            case "error" or "warn":
                _cmdlet.WriteWarningOnce(PimErrors.Clean(message));
                break;
            case "info":
                _cmdlet.WriteVerbose(message);
                break;
            default:
                // Only PimRust's own tracing: the HTTP stack's connection-pool chatter helps nobody.
                if (evt.Target is null || evt.Target.StartsWith("pimrust", StringComparison.Ordinal))
                {
                    _cmdlet.WriteDebug(evt.Target is null ? message : $"{message} ({evt.Target})");
                }
                break;
        }
    }

    private void RequestProgress(CoreEvent evt)
    {
        int childId = 2 + (int)((uint)StringComparer.Ordinal.GetHashCode(evt.RequestId ?? string.Empty) % 100000);
        string activity = string.IsNullOrEmpty(evt.RoleName) ? evt.RequestId ?? "Request" : evt.RoleName;
        string text = evt.Status switch
        {
            "PendingApproval" => "Pending approval",
            null => "Waiting",
            _ => evt.Status,
        };
        bool open = Array.IndexOf(CoreRules.OpenWaitStatuses, evt.Status) >= 0;
        var record = new ProgressRecord(childId, activity, text) { ParentActivityId = ParentId };
        if (open)
        {
            _openChildren.Add(childId);
        }
        else
        {
            record.RecordType = ProgressRecordType.Completed;
            _openChildren.Remove(childId);
        }
        _progressShown = true;
        _cmdlet.WriteProgress(record);
    }
}
