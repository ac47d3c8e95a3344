using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Threading;

namespace PimRust.Commands;

/// <summary>
/// Select-PimRole: a picker for the pipeline that works in every terminal (the cross-platform stand-in for
/// <c>Out-GridView -PassThru</c>). It collects the roles piped in, shows them numbered, asks through Host.UI which
/// ones to pass on, and writes exactly those objects, in input order. An empty answer selects nothing.
/// </summary>
[Cmdlet(VerbsCommon.Select, "PimRole")]
[OutputType(typeof(EligibleRole), typeof(ActiveRole))]
public sealed class SelectPimRoleCommand : PimCmdlet
{
    private const string DefaultTitle = "Select roles by number";
    private readonly List<(PSObject Input, PimRole Role)> _roles = new();

    /// <summary>Roles from Get-PimEligibleRole or Get-PimActiveRole.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject[]? InputObject { get; set; }

    /// <summary>The question the prompt asks, before the hint on how to answer.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Title { get; set; }

    /// <summary>Where nobody can answer, fail before anything upstream runs: a picker must never guess.</summary>
    protected override void BeginProcessing()
    {
        if (!Interactivity.CanPrompt(Host))
        {
            ThrowNonInteractive(null);
        }
    }

    protected override void ProcessRecord()
    {
        foreach (PSObject? item in InputObject ?? Array.Empty<PSObject>())
        {
            if (item?.BaseObject is PimRole role)
            {
                _roles.Add((item, role));
            }
            else if (item is not null)
            {
                string type = item.BaseObject is PSCustomObject ? "object" : item.BaseObject.GetType().FullName ?? "object";
                WriteError(PimErrors.Create(this, CoreRules.Errors.NotARole,
                    $"The piped {type} is not a PimRust role; Select-PimRole offers only the roles that Get-PimEligibleRole and Get-PimActiveRole return.",
                    item));
            }
        }
    }

    protected override void EndProcessing()
    {
        if (_roles.Count == 0)
        {
            return;
        }
        PSHostUserInterface ui = Host.UI;
        int width = ConsoleWidth(ui);
        ui.WriteLine(string.Empty);
        foreach (string line in RolePicker.Render(_roles.Select(item => item.Role).ToList(), width))
        {
            ui.WriteLine(line);
        }
        string prompt = $"{Title ?? DefaultTitle} (e.g. 1,3-5), empty for none: ";
        while (true)
        {
            ui.Write(prompt);
            string? answer = Read(ui);
            if (answer is null)
            {
                WriteWarning("The input ended before an answer: no role was selected.");
                return;
            }
            List<int>? chosen = RolePicker.Parse(answer, _roles.Count, out string? problem);
            if (chosen is null)
            {
                foreach (string line in RolePicker.Wrap($"{problem} Nothing is selected yet; answer again.", width))
                {
                    ui.WriteLine(line);
                }
                continue;
            }
            WriteVerbose(chosen.Count == 0
                ? "No role was selected."
                : $"Selected {chosen.Count} of {_roles.Count} roles: {string.Join(", ", chosen.Select(i => _roles[i].Role.DisplayName))}.");
            WriteObject(chosen.Select(i => _roles[i].Input), enumerateCollection: true);
            return;
        }
    }

    /// <summary>One line from the user; Ctrl+C (or a host that cannot read after all) ends the command with no output.</summary>
    private string? Read(PSHostUserInterface ui)
    {
        string? answer;
        try
        {
            answer = ui.ReadLine();
        }
        catch (Exception e) when ((e is NotImplementedException or PSNotImplementedException or HostException or PSInvalidOperationException) &&
            !Stopping)
        {
            ThrowNonInteractive(e);
            throw;
        }
        if (answer is null)
        {
            // The console host returns null on Ctrl+C slightly before the pipeline is marked as stopping.
            for (int i = 0; i < 20 && !Stopping; i++)
            {
                Thread.Sleep(10);
            }
        }
        if (Stopping)
        {
            throw new PipelineStoppedException();
        }
        return answer;
    }

    private void ThrowNonInteractive(Exception? inner)
    {
        string reason = inner is null ? string.Empty : $" ({inner.Message})";
        var exception = new PimException(CoreRules.Errors.NonInteractive,
            $"Select-PimRole asks which roles to pass on, and nobody can answer in this session{reason}; no role was selected.", null, inner);
        ThrowTerminatingError(PimErrors.Create(this, exception, null));
    }

    private static int ConsoleWidth(PSHostUserInterface ui)
    {
        try
        {
            int width = ui.RawUI?.BufferSize.Width ?? 0;
            // Writing up to the last column makes some terminals wrap at once: keep one column free.
            return width > 0 ? width - 1 : 79;
        }
        catch (Exception e) when (e is NotImplementedException or PSNotImplementedException or HostException or System.IO.IOException)
        {
            return 79;
        }
    }
}
