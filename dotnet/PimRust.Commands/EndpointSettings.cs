using System;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>
/// The PIMRUST_* settings as this session sees them now. .NET reads its own copy of the environment, which sees
/// <c>$env:X = …</c> made inside pwsh; the native library would only see the environment the process started with,
/// so every setting is passed to it explicitly.
/// </summary>
internal sealed record EndpointSettings(string? SandboxUrl, string? AuthorityUrl, string? GraphUrl, string? ArmUrl)
{
    public static EndpointSettings FromEnvironment() => new(
        Read("PIMRUST_SANDBOX_URL"), Read("PIMRUST_AUTHORITY_URL"), Read("PIMRUST_GRAPH_URL"), Read("PIMRUST_ARM_URL"));

    /// <summary>
    /// Writes the connect/disconnect params <c>sandboxUrl</c>, <c>authorityUrl</c>, <c>graphUrl</c>, <c>armUrl</c>, and
    /// that these are all there are: a setting removed in this session must not come back from the process's startup
    /// environment.
    /// </summary>
    public void WriteTo(Utf8JsonWriter writer, string? sandboxUrlParameter)
    {
        writer.WriteBoolean("environmentFromHost", true);
        JsonParams.Optional(writer, "sandboxUrl", sandboxUrlParameter ?? SandboxUrl);
        if (sandboxUrlParameter is null)
        {
            JsonParams.Optional(writer, "authorityUrl", AuthorityUrl);
            JsonParams.Optional(writer, "graphUrl", GraphUrl);
            JsonParams.Optional(writer, "armUrl", ArmUrl);
        }
    }

    internal static string? Read(string name) => Environment.GetEnvironmentVariable(name) is { } value && value.Trim().Length > 0 ? value.Trim() : null;
}

/// <summary>The native client's config: where sign-ins persist (<c>PIMRUST_TOKEN_CACHE</c>, <c>PIMRUST_TOKEN_CACHE_DIR</c>).</summary>
internal sealed record ClientSettings(string? TokenCache, string? TokenCacheDir)
{
    public static ClientSettings FromEnvironment() =>
        new(EndpointSettings.Read("PIMRUST_TOKEN_CACHE"), EndpointSettings.Read("PIMRUST_TOKEN_CACHE_DIR"));

    public string ToJson() => JsonParams.Build(writer =>
    {
        JsonParams.Optional(writer, "tokenCache", TokenCache);
        JsonParams.Optional(writer, "tokenCacheDir", TokenCacheDir);
    });
}
