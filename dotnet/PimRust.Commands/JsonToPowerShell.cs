using System.Linq;
using System.Management.Automation;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>JSON as ConvertFrom-Json gives it: objects as PSCustomObjects, arrays as object[], numbers as long or double.</summary>
internal static class JsonToPowerShell
{
    public static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => Object(element),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToArray(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out long whole) ? whole : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static PSObject Object(JsonElement element)
    {
        var result = new PSObject();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            result.Properties.Add(new PSNoteProperty(property.Name, Convert(property.Value)));
        }
        return result;
    }
}
