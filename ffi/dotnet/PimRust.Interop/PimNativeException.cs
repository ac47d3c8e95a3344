using System;

namespace PimRust.Interop;

/// <summary>A native call failed at the transport level (see <see cref="PimStatus"/>), not in its domain work.</summary>
public sealed class PimNativeException : Exception
{
    internal PimNativeException(string function, PimStatus status)
        : base($"{function} failed with status {status} ({(int)status}).")
    {
        Function = function;
        Status = status.ToString();
    }

    /// <summary>The native function that failed.</summary>
    public string Function { get; }

    /// <summary>The status name, e.g. <c>UnknownOp</c> or <c>InvalidHandle</c>.</summary>
    public string Status { get; }

    internal static void ThrowUnless(string function, PimStatus status, PimStatus expected = PimStatus.Ok)
    {
        if (status != expected)
        {
            throw new PimNativeException(function, status);
        }
    }
}
