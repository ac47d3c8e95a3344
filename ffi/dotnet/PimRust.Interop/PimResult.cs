using System.Text.Json;

namespace PimRust.Interop;

/// <summary>
/// The final envelope of an operation: <c>{"v":1,"ok":true,"data":…}</c> or <c>{"v":1,"ok":false,"error":{…}}</c>, whose
/// error carries its id and category as the core names them.
/// </summary>
public sealed class PimResult
{
    /// <summary>Envelope version this assembly understands.</summary>
    public const int SupportedVersion = 1;

    private PimResult(bool ok, string? dataJson, PimError? error)
    {
        Ok = ok;
        DataJson = dataJson;
        Error = error;
    }

    public bool Ok { get; }

    /// <summary>The <c>data</c> member as JSON text (for <c>ConvertFrom-Json</c>), when <see cref="Ok"/>.</summary>
    public string? DataJson { get; }

    public PimError? Error { get; }

    public static PimResult Parse(string envelope)
    {
        using JsonDocument document = JsonDocument.Parse(envelope);
        JsonElement root = document.RootElement;
        int version = root.GetProperty("v").GetInt32();
        if (version != SupportedVersion)
        {
            throw new JsonException($"Unsupported envelope version {version}; expected {SupportedVersion}.");
        }
        if (root.GetProperty("ok").GetBoolean())
        {
            return new PimResult(true, root.GetProperty("data").GetRawText(), null);
        }
        return new PimResult(false, null, PimError.FromJson(root.GetProperty("error")));
    }
}

/// <summary>A domain error from the native side, with a stable <see cref="Kind"/>.</summary>
public sealed class PimError
{
    public required string Kind { get; init; }
    public required string Code { get; init; }
    public required string Message { get; init; }
    public int? HttpStatus { get; init; }
    public double? RetryAfterSec { get; init; }
    /// <summary>Extra structured detail as JSON text, or null.</summary>
    public string? DetailsJson { get; init; }

    /// <summary>The stable identifier hosts use, as the core builds it: <c>PimRust.Cancelled</c>, <c>PimRust.PolicyViolation.ExpirationRule</c>.</summary>
    public required string ErrorId { get; init; }
    /// <summary>The category the core files the error under, named as a member of PowerShell's <c>ErrorCategory</c>.</summary>
    public required string Category { get; init; }

    internal static PimError FromJson(JsonElement error) => new()
    {
        Kind = error.GetProperty("kind").GetString() ?? "Internal",
        Code = error.GetProperty("code").GetString() ?? "Internal",
        ErrorId = Text(error, "errorId"),
        Category = Text(error, "category"),
        Message = error.GetProperty("message").GetString() ?? string.Empty,
        HttpStatus = Number(error, "httpStatus") is double status ? (int)status : null,
        RetryAfterSec = Number(error, "retryAfterSec"),
        DetailsJson = error.TryGetProperty("details", out JsonElement details) && details.ValueKind != JsonValueKind.Null
            ? details.GetRawText()
            : null,
    };

    private static string Text(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new JsonException($"The error envelope has no '{name}' text.");

    private static double? Number(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    public override string ToString() => $"{ErrorId}: {Message}";
}
