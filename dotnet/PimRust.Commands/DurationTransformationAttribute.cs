using System;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// Converts -Duration at parameter binding, before any listing or request, into the core's text (<c>PT2H</c> or
/// <c>Max</c>); a value that is not a duration is a binding error on -Duration.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        try
        {
            return DurationText.Normalize(value);
        }
        catch (FormatException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}
