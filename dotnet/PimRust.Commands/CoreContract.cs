namespace PimRust.Commands;

/// <summary>Names in the core's contract that the cmdlets act on.</summary>
internal static class CoreContract
{
    /// <summary>The event <c>pim.wait</c> emits as each request reaches a final state (its fields are the result's).</summary>
    public const string RequestFinishedEvent = "requestFinished";
}
