using System;
using System.Buffers;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>Writes op params as JSON objects, leaving out what the user did not give.</summary>
internal static class JsonParams
{
    public static string Build(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteString(name, value);
        }
    }

    public static void Strings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }
        writer.WriteEndArray();
    }

    /// <summary>Any PowerShell value (hashtables, custom objects, arrays, scalars) as JSON, for the diagnostic command.</summary>
    public static void Value(Utf8JsonWriter writer, object? value, int depth = 0)
    {
        if (depth > 32)
        {
            throw new ArgumentException("The params are nested too deeply.");
        }
        object? item = value is PSObject wrapped && wrapped.BaseObject is not PSCustomObject ? wrapped.BaseObject : value;
        switch (item)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case SwitchParameter flag:
                writer.WriteBooleanValue(flag.IsPresent);
                break;
            case int or long or short or byte or uint or ushort or sbyte:
                writer.WriteNumberValue(Convert.ToInt64(item, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal or ulong:
                writer.WriteNumberValue(Convert.ToDouble(item, CultureInfo.InvariantCulture));
                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(entry.Key.ToString() ?? string.Empty);
                    Value(writer, entry.Value, depth + 1);
                }
                writer.WriteEndObject();
                break;
            case PSObject custom:
                writer.WriteStartObject();
                foreach (PSPropertyInfo property in custom.Properties)
                {
                    writer.WritePropertyName(property.Name);
                    Value(writer, property.Value, depth + 1);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (object? element in items)
                {
                    Value(writer, element, depth + 1);
                }
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(item.ToString());
                break;
        }
    }
}
