using System.IO;
using PimRust.Interop;
using Xunit;

namespace PimRust.Interop.Tests;

public class NativeLoaderTests
{
    [Fact]
    public void LoadsTheLibraryFromTheModuleRuntimesFolder()
    {
        string root = NativeFixture.ModuleRoot;
        Assert.Equal(NativeLoader.ExpectedLibraryPath(Path.GetFullPath(root)), NativeLoader.LibraryPath);
        Assert.Contains(Path.Combine("runtimes", NativeLoader.RuntimeIdentifier, "native"), NativeLoader.LibraryPath);
        NativeLoader.Initialize(root); // idempotent for the same root
    }

    [Fact]
    public void MissingLibraryNamesThePathAndPlatform()
    {
        _ = NativeFixture.ModuleRoot;
        string root = Path.Combine(Path.GetTempPath(), "pimrust-no-such-module");
        var error = Assert.Throws<PimNativeLoadException>(() => NativeLoader.Initialize(root));
        Assert.Contains(NativeLoader.ExpectedLibraryPath(root), error.Message);
        Assert.Contains(NativeLoader.RuntimeIdentifier, error.Message);
    }

    [Fact]
    public void AbiGuardRejectsAnotherVersionWithAClearMessage()
    {
        var error = Assert.Throws<PimNativeLoadException>(() => NativeLoader.EnsureCompatible(NativeLoader.ExpectedAbiVersion + 1, "/x/libpimrust.so"));
        Assert.Contains($"ABI version {NativeLoader.ExpectedAbiVersion + 1}", error.Message);
        Assert.Contains($"expects {NativeLoader.ExpectedAbiVersion}", error.Message);
        NativeLoader.EnsureCompatible(NativeLoader.ExpectedAbiVersion, "/x/libpimrust.so");
    }

    [Fact]
    public void LoadedLibraryHasTheExpectedAbiVersion()
    {
        _ = NativeFixture.ModuleRoot;
        Assert.Equal(NativeLoader.ExpectedAbiVersion, NativeMethods.pim_abi_version());
    }
}
