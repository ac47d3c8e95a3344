using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Threading;
using PimRust.Interop;

namespace PimRust.Commands;

/// <summary>
/// Waits for pending requests with one native op (pim.wait) and writes each request to the pipeline as soon as it
/// reaches a final state. On Ctrl+C the finished ones are already out; a warning names those still pending, and
/// with <c>cancelOnStop</c> they are cancelled and named.
/// </summary>
internal sealed class RequestWaiter
{
    private readonly PimCmdlet _cmdlet;
    private readonly List<ActivationRequest> _open;

    private RequestWaiter(PimCmdlet cmdlet, IEnumerable<ActivationRequest> pending)
    {
        _cmdlet = cmdlet;
        _open = pending.ToList();
    }

    public static void Wait(PimCmdlet cmdlet, IReadOnlyCollection<ActivationRequest> pending, int timeoutSec, double intervalSec, bool cancelOnStop)
    {
        if (pending.Count > 0)
        {
            new RequestWaiter(cmdlet, pending).Run(timeoutSec, intervalSec, cancelOnStop);
        }
    }

    private void Run(int timeoutSec, double intervalSec, bool cancelOnStop)
    {
        string targets = TargetsJson(_open);
        string paramsJson = JsonParams.Build(writer =>
        {
            writer.WritePropertyName("requests");
            using (JsonDocument document = JsonDocument.Parse(targets))
            {
                document.RootElement.WriteTo(writer);
            }
            writer.WriteNumber("timeoutSec", timeoutSec);
            writer.WriteNumber("intervalSec", intervalSec);
            writer.WriteBoolean("interactive", _cmdlet.Interactive);
        });
        PimSession session = _cmdlet.GetSession();
        bool finished = false;
        try
        {
            PimResult result = _cmdlet.Run("pim.wait", paramsJson, "Waiting for PIM requests", OnEvent, session);
            if (!result.Ok)
            {
                _cmdlet.ThrowTerminatingError(PimErrors.FromNative(_cmdlet, result.Error!, "pim.wait"));
            }
            List<CoreWaitResult> results = JsonSerializer.Deserialize(result.DataJson ?? "[]", CoreJsonContext.Default.ListCoreWaitResult)
                ?? new List<CoreWaitResult>();
            foreach (CoreWaitResult item in results)
            {
                Finish(item);
            }
            finished = true;
        }
        finally
        {
            if (!finished && _cmdlet.Stopping && _open.Count > 0)
            {
                ReportStop(session, cancelOnStop);
            }
        }
        // Requests the core did not report on stay as they were.
        foreach (ActivationRequest request in _open.ToList())
        {
            _open.Remove(request);
            _cmdlet.WriteObject(request);
        }
    }

    private bool OnEvent(CoreEvent evt, string json)
    {
        if (evt.Event != CoreContract.RequestFinishedEvent)
        {
            return false;
        }
        if (JsonSerializer.Deserialize(json, CoreJsonContext.Default.CoreWaitResult) is { } result)
        {
            Finish(result);
        }
        return true;
    }

    /// <summary>Applies a final result to the request(s) it belongs to and writes them out.</summary>
    private void Finish(CoreWaitResult result)
    {
        foreach (ActivationRequest request in _open.Where(r => string.Equals(r.RequestId, result.RequestId, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            _open.Remove(request);
            Apply(request, result);
            _cmdlet.WriteObject(request);
        }
    }

    private void Apply(ActivationRequest request, CoreWaitResult result)
    {
        request.RequestStatus = result.RequestStatus ?? request.RequestStatus;
        if (string.IsNullOrEmpty(request.RoleName) || request.RoleName == request.RequestId)
        {
            request.RoleName = result.RoleName is { Length: > 0 } name ? name : request.RoleName;
        }
        switch (result.Status)
        {
            case "Active":
                request.Status = "Activated";
                request.End = result.ActiveUntil ?? request.End;
                break;
            case "Deactivated":
                request.Status = "Deactivated";
                break;
            case "Scheduled":
                request.Status = "Scheduled";
                break;
            case "TimedOut":
                _cmdlet.WriteError(PimErrors.Create(_cmdlet, result.Error?.Identity() ?? CoreRules.Errors.Internal,
                    PimErrors.AboutRole(request.DisplayName, request.RoleName, result.Message ?? "the wait timed out"), request));
                break;
            default:
                ErrorIdentity error = result.Error?.Identity() ?? CoreRules.Errors.Internal;
                string ended = result.RequestStatus ?? result.Status ?? "Failed";
                request.Status = "Failed";
                request.ErrorCode = error.Code;
                request.ErrorMessage = result.Message is { Length: > 0 } reason ? PimErrors.Clean(reason) : $"The request ended as {ended}.";
                request.End = null;
                _cmdlet.WriteError(PimErrors.Create(_cmdlet, error,
                    PimErrors.AboutRole(request.DisplayName, request.RoleName, result.Message is { Length: > 0 } ? result.Message : $"the request ended as {ended}."),
                    request));
                break;
        }
    }

    /// <summary>
    /// Ctrl+C: says what was still pending (and, with -CancelOnStop, what was cancelled). The warning stream still
    /// takes a record while the pipeline stops; output and errors no longer do.
    /// </summary>
    private void ReportStop(PimSession session, bool cancelOnStop)
    {
        string pending = string.Join(", ", _open.Select(r => $"{r.DisplayName} ({r.Status}, request {r.RequestId})"));
        string message = cancelOnStop ? Cancel(session, pending) : $"Stopped waiting. Still pending in PIM: {pending}.";
        try
        {
            _cmdlet.WriteWarning(message);
        }
        catch (Exception e) when (e is PipelineStoppedException or InvalidOperationException)
        {
            _cmdlet.Host?.UI?.WriteWarningLine(message);
        }
    }

    private string Cancel(PimSession session, string pending)
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            PimResult result = session.Invoke("pim.cancel", $"{{\"requests\":{TargetsJson(_open)},\"interactive\":false}}", cancellationToken: limit.Token);
            if (!result.Ok)
            {
                return $"Stopped waiting; cancelling failed ({PimErrors.Clean(result.Error!.Message)}). Still pending in PIM: {pending}.";
            }
            CoreCancelReport report = JsonSerializer.Deserialize(result.DataJson ?? "{}", CoreJsonContext.Default.CoreCancelReport) ?? new CoreCancelReport();
            string Named(string id) => _open.FirstOrDefault(r => string.Equals(r.RequestId, id, StringComparison.OrdinalIgnoreCase))?.DisplayName ?? id;
            string cancelled = report.Cancelled.Count > 0 ? $"Cancelled: {string.Join(", ", report.Cancelled.Select(Named))}." : "Nothing was cancelled.";
            string refused = report.Refused.Count > 0
                ? $" Could not cancel: {string.Join(", ", report.Refused.Select(r => $"{Named(r.RequestId ?? "")} ({PimErrors.Clean(r.Message ?? r.Code ?? "refused")})"))}."
                : string.Empty;
            return $"Stopped waiting. {cancelled}{refused}";
        }
        catch (Exception e) when (e is PimNativeException or ObjectDisposedException or JsonException)
        {
            return $"Stopped waiting; cancelling failed ({e.Message}). Still pending in PIM: {pending}.";
        }
    }

    private static string TargetsJson(IEnumerable<ActivationRequest> requests)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (ActivationRequest request in requests.GroupBy(r => r.RequestId, StringComparer.OrdinalIgnoreCase).Select(g => g.First()))
            {
                writer.WriteStartObject();
                writer.WriteString("requestId", request.RequestId);
                writer.WriteString("kind", request.Kind);
                writer.WriteString("key", request.Key);
                writer.WriteString("roleName", request.RoleName);
                writer.WriteBoolean("deactivate", request.Deactivate);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
