using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;

namespace PimRust.Interop;

/// <summary>
/// One native client: starts operations and reports on them. Dispose cancels everything still running.
/// PowerShell holds one per imported module; all waiting happens on the caller's thread in short slices.
/// </summary>
public sealed unsafe class PimSession : IDisposable
{
    /// <summary>Slice length hosts should wait in, so Ctrl+C is noticed between slices.</summary>
    public const int DefaultWaitSliceMs = 250;

    private readonly PimClientHandle _handle;

    private PimSession(PimClientHandle handle) => _handle = handle;

    /// <summary>Creates a native client from a JSON config (<c>{}</c> for defaults).</summary>
    /// <exception cref="ArgumentException">The config was rejected; the message says why.</exception>
    public static PimSession Create(string configJson = "{}")
    {
        byte[] config = NativeText.Encode(configJson);
        ulong client;
        PimBuffer error = default;
        PimStatus status;
        fixed (byte* configPtr = config)
        {
            status = NativeMethods.pim_client_new(configPtr, (nuint)config.Length, &client, &error);
        }
        if (status == PimStatus.InvalidArgument)
        {
            PimResult rejected = PimResult.Parse(NativeText.Take(error));
            throw new ArgumentException(rejected.Error?.Message ?? "The PimRust client config was rejected.", nameof(configJson));
        }
        PimNativeException.ThrowUnless(nameof(NativeMethods.pim_client_new), status);
        return new PimSession(new PimClientHandle(client));
    }

    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Starts <paramref name="method"/> with <paramref name="paramsJson"/> and returns at once.
    /// <paramref name="logLevel"/> sets the level of the log events the op emits (off, error, warn, info, debug, trace).</summary>
    public PimOperation Start(string method, string? paramsJson = null, string? logLevel = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        // Written with Utf8JsonWriter: JsonSerializer's first use costs tens of milliseconds, paid by a
        // command's first call.
        var buffer = new ArrayBufferWriter<byte>(64 + (paramsJson?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("method", method);
            writer.WritePropertyName("params");
            if (string.IsNullOrWhiteSpace(paramsJson))
            {
                writer.WriteNullValue();
            }
            else
            {
                // The core checks the params (a malformed text still starts an op, whose result says why).
                writer.WriteRawValue(paramsJson, skipInputValidation: true);
            }
            if (logLevel is not null)
            {
                writer.WriteString("logLevel", logLevel);
            }
            writer.WriteEndObject();
        }
        byte[] bytes = buffer.WrittenSpan.ToArray();
        ulong op = 0;
        Call(nameof(NativeMethods.pim_op_start), client =>
        {
            fixed (byte* requestPtr = bytes)
            {
                ulong id;
                PimStatus status = NativeMethods.pim_op_start(client, requestPtr, (nuint)bytes.Length, &id);
                op = id;
                return status;
            }
        });
        return new PimOperation(this, op);
    }

    /// <summary>Runs an operation to completion on this thread, passing each event to <paramref name="onEvent"/>.
    /// Cancelling <paramref name="cancellationToken"/> cancels the op; the op is released whatever happens.</summary>
    public PimResult Invoke(string method, string? paramsJson = null, Action<string>? onEvent = null,
        string? logLevel = null, CancellationToken cancellationToken = default)
    {
        using PimOperation operation = Start(method, paramsJson, logLevel);
        using CancellationTokenRegistration registration = cancellationToken.Register(operation.Cancel);
        while (true)
        {
            bool finished = operation.Wait(DefaultWaitSliceMs);
            foreach (string evt in operation.DrainEvents())
            {
                onEvent?.Invoke(evt);
            }
            if (finished)
            {
                return operation.TakeResult();
            }
        }
    }

    /// <summary>Ops still known to the native side (running, or finished and not collected).</summary>
    public int LiveOperations => Info().GetProperty("liveOps").GetInt32();

    /// <summary>Ops whose native task is still running.</summary>
    public int RunningOperations => Info().GetProperty("runningOps").GetInt32();

    private JsonElement Info()
    {
        string json = string.Empty;
        Call(nameof(NativeMethods.pim_client_info), client =>
        {
            PimBuffer buffer;
            PimStatus status = NativeMethods.pim_client_info(client, &buffer);
            if (status == PimStatus.Ok)
            {
                json = NativeText.Take(buffer);
            }
            return status;
        });
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>Calls native code with the client handle kept alive for the call's duration.</summary>
    internal PimStatus Call(string function, Func<ulong, PimStatus> call, params PimStatus[] accepted)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            PimStatus status = call(_handle.Value);
            if (status != PimStatus.Ok && Array.IndexOf(accepted, status) < 0)
            {
                throw new PimNativeException(function, status);
            }
            return status;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>One running native operation. Dispose releases it (cancelling it if it still runs).</summary>
public sealed unsafe class PimOperation : IDisposable
{
    private readonly PimSession _session;
    private bool _retired;

    internal PimOperation(PimSession session, ulong id)
    {
        _session = session;
        Id = id;
    }

    public ulong Id { get; }

    /// <summary>Waits up to <paramref name="timeoutMs"/>; true once finished, false on time-out or a new event.</summary>
    public bool Wait(int timeoutMs = PimSession.DefaultWaitSliceMs)
    {
        uint timeout = (uint)Math.Max(0, timeoutMs);
        return _session.Call(nameof(NativeMethods.pim_op_wait),
            client => NativeMethods.pim_op_wait(client, Id, timeout), PimStatus.Pending) == PimStatus.Ok;
    }

    /// <summary>The next queued event as JSON, or null when none is queued.</summary>
    public string? NextEvent()
    {
        string? evt = null;
        _session.Call(nameof(NativeMethods.pim_op_next_event), client =>
        {
            PimBuffer buffer;
            PimStatus status = NativeMethods.pim_op_next_event(client, Id, &buffer);
            if (status == PimStatus.Ok)
            {
                evt = NativeText.Take(buffer);
            }
            return status;
        }, PimStatus.Pending);
        return evt;
    }

    /// <summary>All queued events, oldest first.</summary>
    public string[] DrainEvents()
    {
        var events = new List<string>();
        while (NextEvent() is string evt)
        {
            events.Add(evt);
        }
        return events.ToArray();
    }

    /// <summary>The final envelope, or null while the op still runs. Collecting it retires the op.</summary>
    public PimResult? TryTakeResult()
    {
        string? envelope = null;
        _session.Call(nameof(NativeMethods.pim_op_result), client =>
        {
            PimBuffer buffer;
            PimStatus status = NativeMethods.pim_op_result(client, Id, &buffer);
            if (status == PimStatus.Ok)
            {
                envelope = NativeText.Take(buffer);
            }
            return status;
        }, PimStatus.Pending);
        if (envelope is null)
        {
            return null;
        }
        _retired = true;
        return PimResult.Parse(envelope);
    }

    /// <summary>The final envelope of a finished op.</summary>
    /// <exception cref="InvalidOperationException">The op is still running.</exception>
    public PimResult TakeResult() =>
        TryTakeResult() ?? throw new InvalidOperationException($"Operation {Id} has not finished.");

    /// <summary>Requests cancellation; idempotent and non-blocking.</summary>
    public void Cancel()
    {
        if (!_retired && !_session.IsDisposed)
        {
            _session.Call(nameof(NativeMethods.pim_op_cancel), client => NativeMethods.pim_op_cancel(client, Id), PimStatus.UnknownOp);
        }
    }

    /// <summary>Releases the op: cancels it if still running; never blocks.</summary>
    public void Dispose()
    {
        if (_retired || _session.IsDisposed)
        {
            return;
        }
        _retired = true;
        _session.Call(nameof(NativeMethods.pim_op_release), client => NativeMethods.pim_op_release(client, Id), PimStatus.UnknownOp);
    }
}
