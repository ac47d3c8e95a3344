using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using System.Text;
using System.Text.Json;
using PimRust.Commands;
using Xunit;

namespace PimRust.Commands.Tests;

/// <summary>
/// Select-PimRole in a PowerShell hosted in-process, with a host whose ReadLine answers from a script and which
/// records everything written to it.
/// </summary>
public class SelectPimRoleTests
{
    private static EligibleRole Eligible(string kind, string name, string scopeName, string? access = null, string status = "Eligible",
        bool mfa = true, bool ticket = false)
    {
        string json = JsonSerializer.Serialize(new
        {
            kind, roleName = name, accessId = access, scope = "/scopes/" + scopeName, scopeDisplayName = scopeName, status,
            roleDefinitionId = "def-" + name, principalId = "me", key = $"{kind}|{name}|{scopeName}|{access}",
            policy = new { maxDuration = "PT8H", requiresJustification = true, requiresMfa = mfa, requiresTicket = ticket },
        });
        JsonElement source = JsonDocument.Parse(json).RootElement;
        return new EligibleRole(source.Deserialize(CoreJsonContext.Default.CoreRole)!, source, "tenant-1");
    }

    private static ActiveRole Active(string name)
    {
        string json = JsonSerializer.Serialize(new
        {
            kind = "DirectoryRole", roleName = name, scope = "/", scopeDisplayName = "Directory", status = "Active",
            roleDefinitionId = "def-" + name, key = "DirectoryRole|" + name, activeUntil = DateTimeOffset.UtcNow.AddHours(2).AddMinutes(1),
        });
        JsonElement source = JsonDocument.Parse(json).RootElement;
        return new ActiveRole(source.Deserialize(CoreJsonContext.Default.CoreRole)!, source, "tenant-1");
    }

    private static readonly PimRole[] Roles =
    {
        Eligible("DirectoryRole", "Global Reader", "Directory"),
        Eligible("DirectoryRole", "Microsoft Entra Joined Device Local Administrator", "Directory", ticket: true),
        Eligible("AzureResource", "Reader", "rg-web-dev"),
        Eligible("AzureResource", "Reader", "rg-data-prod"),
        Eligible("Group", "Finance Approvers", "Finance Approvers", access: "member", status: "PendingActivation", mfa: false),
    };

    /// <summary>The result of one run: what came out, what the host showed, the errors.</summary>
    private sealed record Run(List<object> Output, ScriptedHost Host, List<ErrorRecord> Errors, Exception? Thrown, PSInvocationState State)
    {
        public string Shown => Host.Ui.Written.ToString();

        /// <summary>What was shown, as one line (messages wrap to the console width).</summary>
        public string Flat => string.Join(" ", Shown.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static Run Pick(IEnumerable<object> input, ScriptedHost? host = null, string? title = null, Action<PowerShell>? onRead = null)
    {
        host ??= Answering();
        using Runspace runspace = RunspaceFactory.CreateRunspace(host);
        runspace.Open();
        using PowerShell shell = PowerShell.Create();
        shell.Runspace = runspace;
        host.Ui.OnRead = onRead is null ? null : () => onRead(shell);
        shell.AddCommand(new CmdletInfo("Select-PimRole", typeof(SelectPimRoleCommand)));
        if (title is not null)
        {
            shell.AddParameter("Title", title);
        }
        var output = new List<object>();
        Exception? thrown = null;
        try
        {
            output.AddRange(shell.Invoke(input).Select(item => item.BaseObject));
        }
        catch (Exception e) when (e is RuntimeException)
        {
            thrown = e;
        }
        return new Run(output, host, shell.Streams.Error.ToList(), thrown, shell.InvocationStateInfo.State);
    }

    private static ScriptedHost Answering(params string?[] answers) => new(answers);

    [Fact]
    public void Passes_on_exactly_the_chosen_instances_in_input_order()
    {
        Run run = Pick(Roles, Answering("4,1"));
        Assert.Null(run.Thrown);
        Assert.Equal(new object[] { Roles[0], Roles[3] }, run.Output);
        Assert.Same(Roles[3], run.Output[1]);
        Assert.Equal(1, run.Host.Ui.Reads);
    }

    [Fact]
    public void Takes_ranges_and_spaces()
    {
        Assert.Equal(new object[] { Roles[1], Roles[2], Roles[3], Roles[4] }, Pick(Roles, Answering("2-4 5")).Output);
        Assert.Equal(Roles, Pick(Roles, Answering(" 1 - 5 ")).Output);
    }

    [Fact]
    public void Selects_nothing_for_an_empty_answer()
    {
        Run run = Pick(Roles, Answering("   "));
        Assert.Null(run.Thrown);
        Assert.Empty(run.Output);
        Assert.Empty(run.Errors);
        Assert.Equal(1, run.Host.Ui.Reads);
    }

    [Theory]
    [InlineData("abc", "'abc' is not a number")]
    [InlineData("6", "There is no role 6")]
    [InlineData("0", "There is no role 0")]
    [InlineData("1,1", "Role 1 is chosen twice")]
    [InlineData("1-3,2", "Role 2 is chosen twice")]
    [InlineData("3-1", "counts down")]
    [InlineData("all", "no shortcut for all roles")]
    [InlineData("*", "no shortcut for all roles")]
    [InlineData("1,x", "'x' is not a number")]
    public void Asks_again_after_a_bad_answer_and_keeps_nothing_of_it(string bad, string message)
    {
        Run run = Pick(Roles, Answering(bad, "5"));
        Assert.Null(run.Thrown);
        Assert.Equal(new object[] { Roles[4] }, run.Output);
        Assert.Equal(2, run.Host.Ui.Reads);
        Assert.Contains(message, run.Flat);
        Assert.Contains("Nothing is selected yet; answer again.", run.Flat);
    }

    [Fact]
    public void Shows_a_numbered_list_that_fits_80_columns_without_cutting_names()
    {
        Run run = Pick(Roles, Answering(""), title: "Roles to activate");
        string[] lines = run.Shown.Split('\n');
        Assert.All(lines, line => Assert.True(line.Length < 80, $"wider than 79 columns: '{line}'"));
        Assert.Equal("# Kind  Name                                Scope             Status   Requires", lines[1]);
        Assert.Equal("1 Role  Global Reader                       Directory         Eligible Just MFA", lines[3]);
        // The long name wraps inside its column, at a space; so do the requirements.
        Assert.Equal("2 Role  Microsoft Entra Joined Device Local Directory         Eligible Just", lines[4]);
        Assert.Equal("        Administrator                                                  Ticket", lines[5]);
        Assert.Equal("                                                                       MFA", lines[6]);
        Assert.Equal("4 Azure Reader                              rg-data-prod      Eligible Just MFA", lines[8]);
        Assert.Equal("5 Group Finance Approvers (member)          Finance Approvers Pending  Just", lines[9]);
        Assert.Equal("Roles to activate (e.g. 1,3-5), empty for none: ", lines[10]);
    }

    [Fact]
    public void Shows_active_roles_with_the_time_they_have_left()
    {
        ActiveRole active = Active("Reports Reader");
        Run run = Pick(new object[] { active }, Answering("1"));
        Assert.Equal(new object[] { active }, run.Output);
        Assert.Contains("2h left", run.Shown);
        Assert.Contains("Left", run.Shown);
    }

    [Fact]
    public void Refuses_an_object_that_is_no_role_and_offers_the_rest()
    {
        Run run = Pick(new object[] { Roles[0], "Global Reader", Roles[2] }, Answering("2"));
        ErrorRecord error = Assert.Single(run.Errors);
        Assert.Equal("PimRust.InvalidInput.NotARole,Select-PimRole", error.FullyQualifiedErrorId);
        Assert.Contains("System.String is not a PimRust role", error.Exception.Message);
        Assert.Equal(new object[] { Roles[2] }, run.Output);
    }

    [Fact]
    public void Asks_nothing_and_writes_nothing_without_roles()
    {
        // @() | Select-PimRole: pipeline input is expected, and none comes.
        ScriptedHost host = Answering("1");
        using Runspace runspace = RunspaceFactory.CreateRunspace(host);
        runspace.Open();
        using PowerShell shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript("param($Command) @() | & $Command").AddArgument(new CmdletInfo("Select-PimRole", typeof(SelectPimRoleCommand)));
        Assert.Empty(shell.Invoke());
        Assert.False(shell.HadErrors);
        Assert.Equal(0, host.Ui.Reads);
        Assert.Equal(string.Empty, host.Ui.Written.ToString());
    }

    [Fact]
    public void Fails_at_once_in_a_runspace_without_a_user()
    {
        using PowerShell shell = PowerShell.Create();
        shell.AddCommand(new CmdletInfo("Select-PimRole", typeof(SelectPimRoleCommand)));
        var thrown = Assert.ThrowsAny<RuntimeException>(() => shell.Invoke(Roles));
        Assert.Equal("PimRust.NonInteractive,Select-PimRole", thrown.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("-Name / -Scope / -Kind", thrown.ErrorRecord.ErrorDetails.RecommendedAction);
        Assert.Equal(ErrorCategory.InvalidOperation, thrown.ErrorRecord.CategoryInfo.Category);
    }

    [Fact]
    public void Fails_at_once_in_a_host_without_a_user_interface()
    {
        Run run = Pick(Roles, new ScriptedHost(Array.Empty<string>(), hasUi: false));
        var thrown = Assert.IsAssignableFrom<RuntimeException>(run.Thrown);
        Assert.Equal("PimRust.NonInteractive,Select-PimRole", thrown.ErrorRecord.FullyQualifiedErrorId);
        Assert.Empty(run.Output);
    }

    [Fact]
    public void Fails_when_the_host_cannot_read_after_all()
    {
        var host = Answering("1");
        host.Ui.ReadFails = true;
        Run run = Pick(Roles, host);
        var thrown = Assert.IsAssignableFrom<RuntimeException>(run.Thrown);
        Assert.Equal("PimRust.NonInteractive,Select-PimRole", thrown.ErrorRecord.FullyQualifiedErrorId);
        Assert.Empty(run.Output);
    }

    [Fact]
    public void Writes_nothing_when_stopped_at_the_prompt()
    {
        // Ctrl+C: the host stops the pipeline while the user is being asked; the answer typed meanwhile is dropped.
        Run run = Pick(Roles, Answering("1-5"), onRead: shell =>
        {
            shell.BeginStop(null, null);
            System.Threading.Thread.Sleep(300);
        });
        Assert.Equal(PSInvocationState.Stopped, run.State);
        Assert.Empty(run.Output);
        Assert.Equal(1, run.Host.Ui.Reads);
    }

    [Fact]
    public void Selects_nothing_when_the_input_ends()
    {
        Run run = Pick(Roles, Answering("abc" /* then the input ends */));
        Assert.Null(run.Thrown);
        Assert.Empty(run.Output);
        Assert.Equal(2, run.Host.Ui.Reads);
    }

    [Theory]
    [InlineData("Just,Ticket,MFA", 11, new[] { "Just,", "Ticket,MFA" })]
    [InlineData("Microsoft Entra Joined Device", 16, new[] { "Microsoft Entra", "Joined Device" })]
    [InlineData("abcdefghij", 4, new[] { "abcd", "efgh", "ij" })]
    [InlineData("short", 10, new[] { "short" })]
    public void Wraps_at_spaces_and_commas_before_cutting_a_word(string text, int width, string[] expected) =>
        Assert.Equal(expected, RolePicker.Wrap(text, width));

    /// <summary>A host with a user who answers from a script (null: the input ended).</summary>
    private sealed class ScriptedHost : PSHost
    {
        private readonly bool _hasUi;

        public ScriptedHost(IEnumerable<string?> answers, bool hasUi = true)
        {
            Ui = new ScriptedUi(answers);
            _hasUi = hasUi;
        }

        public ScriptedUi Ui { get; }
        public override PSHostUserInterface? UI => _hasUi ? Ui : null;
        public override string Name => "PimRust.Tests.ScriptedHost";
        public override Version Version => new(1, 0);
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override void EnterNestedPrompt() => throw new NotSupportedException();
        public override void ExitNestedPrompt() => throw new NotSupportedException();
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }
    }

    private sealed class ScriptedUi : PSHostUserInterface
    {
        private readonly Queue<string?> _answers;

        public ScriptedUi(IEnumerable<string?> answers) => _answers = new Queue<string?>(answers);

        public StringBuilder Written { get; } = new();
        public int Reads { get; private set; }
        public bool ReadFails { get; set; }
        public Action? OnRead { get; set; }
        public override PSHostRawUserInterface RawUI { get; } = new FixedRawUi(80);

        public override string? ReadLine()
        {
            Reads++;
            if (ReadFails)
            {
                throw new PSNotImplementedException("This host cannot read.");
            }
            OnRead?.Invoke();
            string? answer = _answers.Count > 0 ? _answers.Dequeue() : null;
            Written.Append(answer).Append('\n');
            return answer;
        }

        public override void Write(string value) => Written.Append(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Written.Append(value);
        public override void WriteLine(string value) => Written.Append(value).Append('\n');
        public override void WriteErrorLine(string value) => Written.Append(value).Append('\n');
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) => Written.Append("WARNING: ").Append(message).Append('\n');
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
            throw new PSNotImplementedException("The test host does not prompt for parameters.");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) =>
            throw new NotSupportedException();
    }

    /// <summary>A console of a fixed width.</summary>
    private sealed class FixedRawUi : PSHostRawUserInterface
    {
        public FixedRawUi(int width) => BufferSize = new Size(width, 50);

        public override ConsoleColor BackgroundColor { get; set; }
        public override ConsoleColor ForegroundColor { get; set; }
        public override Size BufferSize { get; set; }
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => BufferSize;
        public override Size MaxWindowSize => BufferSize;
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get => BufferSize; set { } }
        public override string WindowTitle { get; set; } = string.Empty;
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
            throw new NotSupportedException();
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
    }
}
