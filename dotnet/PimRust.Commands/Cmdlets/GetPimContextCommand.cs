using System.Management.Automation;
using System.Text.Json;

namespace PimRust.Commands;

/// <summary>Get-PimContext: who is signed in, to which tenant and cloud, through which endpoints; never the tokens.</summary>
[Cmdlet(VerbsCommon.Get, "PimContext")]
[OutputType(typeof(Context))]
public sealed class GetPimContextCommand : PimCmdlet
{
    protected override void EndProcessing()
    {
        JsonElement data = Invoke("auth.context", "{}", "Reading the PimRust context");
        CoreContext context = data.Deserialize(CoreJsonContext.Default.CoreContext) ?? new CoreContext();
        WriteObject(new Context(context));
    }
}
