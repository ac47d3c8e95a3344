using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace PimRust.Commands;

/// <summary>
/// Wait-PimRequest: waits until requests are done and access is real, writing each request out as soon as it
/// reaches a final state. Requests that need no wait pass through at once.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "PimRequest", DefaultParameterSetName = InputSet)]
[OutputType(typeof(ActivationRequest))]
public sealed class WaitPimRequestCommand : PimCmdlet
{
    private const string InputSet = "InputObject";
    private const string IdSet = "RequestId";
    private readonly List<ActivationRequest> _pending = new();

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    public ActivationRequest[]? InputObject { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    public string[]? RequestId { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateSet("DirectoryRole", "Group", "AzureResource")]
    public string? Kind { get; set; }

    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 600;

    [Parameter]
    [ValidateRange(0.2, 300)]
    public double IntervalSec { get; set; } = 5;

    [Parameter]
    public SwitchParameter CancelOnStop { get; set; }

    protected override void ProcessRecord()
    {
        foreach (ActivationRequest request in InputObject ?? Array.Empty<ActivationRequest>())
        {
            if (request is null)
            {
                continue;
            }
            if (request.IsPending)
            {
                _pending.Add(request);
            }
            else
            {
                WriteObject(request);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == IdSet)
        {
            _pending.AddRange(RequestId!.Distinct(StringComparer.OrdinalIgnoreCase).Select(id => new ActivationRequest(id, Kind!)));
        }
        if (_pending.Count == 0)
        {
            return;
        }
        EnsureConnected();
        RequestWaiter.Wait(this, _pending, TimeoutSec, IntervalSec, CancelOnStop);
    }
}
