using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>
/// Connect-Pim: signs in to Entra ID for PIM (Microsoft Graph and Azure Resource Manager) with the browser, a device
/// code, a cached sign-in, or access tokens you already have.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "Pim", DefaultParameterSetName = InteractiveSet)]
[OutputType(typeof(Context))]
public sealed class ConnectPimCommand : PimCmdlet
{
    private const string InteractiveSet = "Interactive";
    private const string AccessTokenSet = "AccessToken";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? TenantId { get; set; }

    [Parameter(ParameterSetName = InteractiveSet)]
    [ValidateNotNullOrEmpty]
    public string? ClientId { get; set; }

    [Parameter]
    [ValidateSet("Global", "USGov", "USGovDoD", "China")]
    public string Environment { get; set; } = "Global";

    [Parameter(ParameterSetName = InteractiveSet)]
    [ValidateNotNullOrEmpty]
    public string? Account { get; set; }

    [Parameter(ParameterSetName = InteractiveSet)]
    public SwitchParameter UseDeviceCode { get; set; }

    [Parameter(ParameterSetName = InteractiveSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>A Microsoft Graph access token: a string or a SecureString.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
    [ValidateNotNull]
    public object? AccessToken { get; set; }

    /// <summary>An Azure Resource Manager access token: a string or a SecureString.</summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    [ValidateNotNull]
    public object? ArmAccessToken { get; set; }

    [Parameter]
    [ValidateRange(10, 3600)]
    public int TimeoutSec { get; set; } = 300;

    [Parameter]
    [ValidateNotNull]
    public Uri? SandboxUrl { get; set; }

    protected override void ProcessRecord()
    {
        bool passthrough = ParameterSetName == AccessTokenSet;
        // -UseDeviceCode is an explicit request for a prompt that needs no console: it is honoured anywhere.
        bool interactive = UseDeviceCode || Interactive;
        string paramsJson = JsonParams.Build(writer =>
        {
            writer.WriteString("environment", Environment);
            writer.WriteNumber("timeoutSec", TimeoutSec);
            JsonParams.Optional(writer, "tenantId", TenantId);
            JsonParams.Optional(writer, "clientId", ClientId);
            JsonParams.Optional(writer, "account", Account);
            if (UseDeviceCode)
            {
                writer.WriteBoolean("useDeviceCode", true);
            }
            if (Force)
            {
                writer.WriteBoolean("force", true);
            }
            EndpointSettings.FromEnvironment().WriteTo(writer, SandboxUrl?.AbsoluteUri);
            if (!passthrough)
            {
                writer.WriteBoolean("interactive", interactive);
            }
            if (passthrough)
            {
                writer.WriteString("accessToken", TokenText(AccessToken, nameof(AccessToken)));
                if (ArmAccessToken is not null)
                {
                    writer.WriteString("armAccessToken", TokenText(ArmAccessToken, nameof(ArmAccessToken)));
                }
            }
        });
        // A new sign-in reads the token cache settings of now.
        GetSession(applyNewSettings: true);
        JsonElement data = Invoke("auth.connect", paramsJson, "Signing in to Entra ID");
        CoreContext context = data.Deserialize(CoreJsonContext.Default.CoreContext) ?? new CoreContext();
        State.MarkConnected(context.TenantId, byDeviceCode: UseDeviceCode);
        WriteObject(new Context(context));
    }

    /// <summary>The token's text, for the native side only: never written to output or streams.</summary>
    private string TokenText(object? token, string parameter)
    {
        object? value = token is PSObject wrapped ? wrapped.BaseObject : token;
        string? text = value switch
        {
            SecureString secure => new NetworkCredential(string.Empty, secure).Password,
            string plain => plain,
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(text))
        {
            ThrowTerminatingError(PimErrors.Create(this, CoreRules.Errors.InvalidArgument, $"-{parameter} must be a token string or SecureString.", null));
        }
        return text!.Trim();
    }
}
