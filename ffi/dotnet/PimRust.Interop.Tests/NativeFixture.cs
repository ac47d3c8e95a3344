using System;
using System.IO;
using PimRust.Interop;
using Xunit;

namespace PimRust.Interop.Tests;

/// <summary>Loads the native library from the assembled module named by PIMRUST_MODULE_ROOT (set by `cargo xtask test`).</summary>
public static class NativeFixture
{
    private static readonly Lazy<string> Root = new(() =>
    {
        string? root = Environment.GetEnvironmentVariable("PIMRUST_MODULE_ROOT");
        if (string.IsNullOrEmpty(root) || !Directory.Exists(root))
        {
            throw new InvalidOperationException(
                "Set PIMRUST_MODULE_ROOT to an assembled module folder (out/PimRust/<version>); `cargo xtask test` does this.");
        }
        NativeLoader.Initialize(root);
        return root;
    });

    public static string ModuleRoot => Root.Value;

    public static PimSession NewSession(string config = "{}")
    {
        _ = ModuleRoot;
        return PimSession.Create(config);
    }
}
