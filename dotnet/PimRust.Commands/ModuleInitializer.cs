using System.IO;
using System.Management.Automation;
using PimRust.Interop;

namespace PimRust.Commands;

/// <summary>
/// Runs at Import-Module: registers the resolver that loads runtimes/&lt;rid&gt;/native/&lt;lib&gt; from the module folder
/// and refuses a native library of another ABI version. Throwing here fails the import with that message.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        // This assembly sits in <module root>/lib.
        string lib = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
        NativeLoader.Initialize(Path.GetDirectoryName(lib)!);
        Warmup.Start();
    }
}
