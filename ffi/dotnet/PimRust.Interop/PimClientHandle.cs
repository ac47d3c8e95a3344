using System;
using System.Runtime.InteropServices;

namespace PimRust.Interop;

/// <summary>Owns one native client handle; releasing it cancels every op and stops the native runtime.</summary>
internal sealed class PimClientHandle : SafeHandle
{
    public PimClientHandle(ulong client) : base(IntPtr.Zero, ownsHandle: true) => SetHandle((IntPtr)(long)client);

    public override bool IsInvalid => handle == IntPtr.Zero;

    public ulong Value => (ulong)(long)handle;

    protected override bool ReleaseHandle() => NativeMethods.pim_client_free(Value) == PimStatus.Ok;
}
