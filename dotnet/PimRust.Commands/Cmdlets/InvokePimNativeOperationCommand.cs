using System.ComponentModel;
using System.Management.Automation;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>
/// Runs one native method as the cmdlets do (events to the streams, errors as ErrorRecords, Ctrl+C cancels). For
/// troubleshooting and tests; not exported: reach it with
/// <c>[System.Management.Automation.CmdletInfo]::new('Invoke-PimNativeOperation', [PimRust.Commands.InvokePimNativeOperationCommand])</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[Cmdlet(VerbsLifecycle.Invoke, "PimNativeOperation")]
[OutputType(typeof(PSObject))]
public sealed class InvokePimNativeOperationCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Method { get; set; }

    /// <summary>The method's params: a hashtable or object, sent as JSON.</summary>
    [Parameter(Position = 1)]
    public object? Parameters { get; set; }

    protected override void EndProcessing()
    {
        string paramsJson = Parameters is null ? "null" : Serialize(Parameters);
        JsonElement data = Invoke(Method!, paramsJson, Method!);
        WriteObject(JsonToPowerShell.Convert(data));
    }

    private static string Serialize(object value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonParams.Value(writer, value);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
