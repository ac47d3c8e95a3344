using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>
/// Disconnect-Pim: forgets the tokens in memory and removes cached sign-ins from disk (this session's, or those the
/// parameters select, or with -All every one and the cache's key), and says what it removed.
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "Pim", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low,
    DefaultParameterSetName = SelectedSet)]
[OutputType(typeof(void))]
public sealed class DisconnectPimCommand : PimCmdlet
{
    private const string SelectedSet = "Selected";

    [Parameter(ParameterSetName = SelectedSet)]
    [ValidateNotNullOrEmpty]
    public string? TenantId { get; set; }

    [Parameter(ParameterSetName = SelectedSet)]
    [ValidateNotNullOrEmpty]
    public string? Account { get; set; }

    [Parameter(ParameterSetName = SelectedSet)]
    [ValidateSet("Global", "USGov", "USGovDoD", "China")]
    public string? Environment { get; set; }

    [Parameter(ParameterSetName = SelectedSet)]
    [ValidateNotNull]
    public Uri? SandboxUrl { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "All")]
    public SwitchParameter All { get; set; }

    protected override void EndProcessing()
    {
        string target = All ? "all cached PimRust sign-ins" : "the PimRust sign-in";
        if (!ShouldProcess(target, "Sign out and remove from the token cache"))
        {
            return;
        }
        string paramsJson = JsonParams.Build(writer =>
        {
            writer.WriteBoolean("all", All);
            JsonParams.Optional(writer, "tenantId", TenantId);
            JsonParams.Optional(writer, "account", Account);
            JsonParams.Optional(writer, "environment", Environment);
            EndpointSettings.FromEnvironment().WriteTo(writer, SandboxUrl?.AbsoluteUri);
        });
        GetSession(applyNewSettings: true);
        JsonElement data = Invoke("auth.disconnect", paramsJson, "Signing out");
        State.MarkDisconnected();
        CoreDisconnectReport report = data.Deserialize(CoreJsonContext.Default.CoreDisconnectReport) ?? new CoreDisconnectReport();
        List<string> removed = (report.RemovedAccounts ?? new List<CoreRemovedSignIn>())
            .Where(signIn => signIn is not null)
            .Select(signIn => $"{signIn.Account} (tenant {signIn.TenantId}, {(signIn.Endpoints is { } endpoints ? $"sandbox {endpoints.Graph}" : signIn.Cloud)})")
            .ToList();
        string message = removed.Count > 0
            ? $"Signed out. Removed from the token cache: {string.Join("; ", removed)}."
            : All
                ? "Signed out. The token cache is empty and its key is gone."
                : "Signed out. No cached sign-in matched, so nothing was removed from the token cache.";
        WriteSummary(message);
    }
}
