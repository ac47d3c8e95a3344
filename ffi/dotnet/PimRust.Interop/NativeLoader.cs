using System;
using System.IO;
using System.Runtime.InteropServices;

namespace PimRust.Interop;

/// <summary>
/// Loads the pimrust native library from <c>&lt;moduleRoot&gt;/runtimes/&lt;rid&gt;/native/</c> (never from the
/// pwsh folder or the system search path) and refuses to run against a library of another ABI version.
/// </summary>
public static class NativeLoader
{
    /// <summary>The <c>PIM_ABI_VERSION</c> these bindings were written for (checked against ffi/src/lib.rs in CI).</summary>
    public const uint ExpectedAbiVersion = 1;

    private const string LibraryName = "pimrust";
    private static readonly object Gate = new();
    private static string? _libraryPath;

    /// <summary>The native library file that was loaded, once <see cref="Initialize"/> succeeded.</summary>
    public static string? LibraryPath => _libraryPath;

    /// <summary>Runtime identifier of this process, e.g. <c>linux-x64</c>, <c>osx-arm64</c>, <c>win-x64</c>.</summary>
    public static string RuntimeIdentifier
    {
        get
        {
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
            return $"{os}-{arch}";
        }
    }

    /// <summary>File name of the native library on this OS.</summary>
    public static string LibraryFileName =>
        OperatingSystem.IsWindows() ? $"{LibraryName}.dll" : OperatingSystem.IsMacOS() ? $"lib{LibraryName}.dylib" : $"lib{LibraryName}.so";

    /// <summary>Where the library is expected under a module root.</summary>
    public static string ExpectedLibraryPath(string moduleRoot) =>
        Path.Combine(moduleRoot, "runtimes", RuntimeIdentifier, "native", LibraryFileName);

    /// <summary>
    /// Registers the resolver and checks the ABI version. Idempotent for the same root; throws
    /// <see cref="PimNativeLoadException"/> with the path and reason when the library is missing or mismatched.
    /// </summary>
    public static void Initialize(string moduleRoot)
    {
        lock (Gate)
        {
            string path = ExpectedLibraryPath(Path.GetFullPath(moduleRoot));
            if (string.Equals(_libraryPath, path, StringComparison.Ordinal))
            {
                return;
            }
            if (!File.Exists(path))
            {
                throw new PimNativeLoadException(
                    $"PimRust's native library for {RuntimeIdentifier} was not found at '{path}'. This platform may not be supported by this build of the module.");
            }
            if (_libraryPath is not null)
            {
                throw new PimNativeLoadException(
                    $"PimRust's native library is already loaded from '{_libraryPath}'; it cannot also be loaded from '{path}' in the same process.");
            }
            NativeLibrary.SetDllImportResolver(typeof(NativeLoader).Assembly, (name, assembly, searchPath) =>
                name == LibraryName ? NativeLibrary.Load(path) : IntPtr.Zero);
            _libraryPath = path;
            uint actual;
            try
            {
                actual = NativeMethods.pim_abi_version();
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
            {
                throw new PimNativeLoadException($"PimRust's native library at '{path}' could not be loaded: {e.Message}", e);
            }
            EnsureCompatible(actual, path);
        }
    }

    /// <summary>Throws <see cref="PimNativeLoadException"/> unless <paramref name="actual"/> is the expected ABI version.</summary>
    public static void EnsureCompatible(uint actual, string path)
    {
        if (actual != ExpectedAbiVersion)
        {
            throw new PimNativeLoadException(
                $"PimRust's native library at '{path}' has ABI version {actual}, but PimRust.Interop expects {ExpectedAbiVersion}. " +
                "The module files come from different builds; reinstall the module.");
        }
    }
}

/// <summary>The native library is missing, unloadable or of the wrong ABI version.</summary>
public sealed class PimNativeLoadException : Exception
{
    public PimNativeLoadException(string message, Exception? inner = null) : base(message, inner) { }
}
