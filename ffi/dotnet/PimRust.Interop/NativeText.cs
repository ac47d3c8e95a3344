using System;
using System.Text;

namespace PimRust.Interop;

/// <summary>Moves UTF-8 text across the boundary: C# owns what it sends, Rust owns what it returns.</summary>
internal static unsafe class NativeText
{
    /// <summary>Copies a Rust-owned buffer into a string and frees the buffer.</summary>
    public static string Take(PimBuffer buffer)
    {
        try
        {
            return buffer.ptr == null ? string.Empty : Encoding.UTF8.GetString(buffer.ptr, checked((int)buffer.len));
        }
        finally
        {
            NativeMethods.pim_buffer_free(buffer);
        }
    }

    public static byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);
}
