using System;
using System.Text.Json;
using System.Threading;
using PimRust.Interop;

namespace PimRust.Commands;

/// <summary>
/// Compiles the JSON paths every command takes on a pool thread while the import finishes and the user types, so
/// a session's first command does not pay for them.
/// </summary>
internal static class Warmup
{
    public static void Start() => ThreadPool.UnsafeQueueUserWorkItem(_ => Run(), null);

    private static void Run()
    {
        try
        {
            string request = JsonParams.Build(writer =>
            {
                writer.WriteString("method", "sys.echo");
                writer.WriteBoolean("interactive", false);
                JsonParams.Strings(writer, "kinds", new[] { "Group" });
            });
            PimResult result = PimResult.Parse("{\"v\":1,\"ok\":true,\"data\":" + request + "}");
            using JsonDocument data = JsonDocument.Parse(result.DataJson ?? "{}");
            data.RootElement.Deserialize(CoreJsonContext.Default.CoreContext);
            JsonSerializer.Deserialize("{\"event\":\"log\",\"level\":\"debug\",\"message\":\"m\"}", CoreJsonContext.Default.CoreEvent);
            JsonSerializer.Deserialize("{\"kind\":\"Group\",\"policy\":{}}", CoreJsonContext.Default.CoreRole);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            // Only a head start: the commands work the same without it.
        }
    }
}
