using System.Linq;
using System.Management.Automation;
using PimRust.Commands;
using Xunit;

namespace PimRust.Commands.Tests;

public class ErrorRecordTests
{
    /// <summary>Writes one PimRust error, as the module's cmdlets do.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "PimError")]
    public sealed class TestPimErrorCommand : PSCmdlet
    {
        [Parameter(Mandatory = true)]
        public string Kind { get; set; } = "";

        [Parameter(Mandatory = true)]
        public string Code { get; set; } = "";

        protected override void EndProcessing() =>
            WriteError(PimErrors.Create(this, Kind, Code, "no connection; run Connect-Pim", null));
    }

    private static ErrorRecord Written(string kind, string code)
    {
        using PowerShell shell = PowerShell.Create();
        shell.AddCommand(new CmdletInfo("Test-PimError", typeof(TestPimErrorCommand)))
            .AddParameter("Kind", kind).AddParameter("Code", code);
        shell.Invoke();
        return Assert.Single(shell.Streams.Error);
    }

    [Fact]
    public void Ends_the_id_with_the_commands_name()
    {
        Assert.Equal("PimRust.AuthenticationRequired.NotConnected,Test-PimError", Written("AuthenticationRequired", "NotConnected").FullyQualifiedErrorId);
        Assert.Equal("PimRust.Cancelled,Test-PimError", Written("Cancelled", "Cancelled").FullyQualifiedErrorId);
    }

    [Fact]
    public void Carries_the_category_and_the_recommended_action()
    {
        ErrorRecord record = Written("AuthenticationRequired", "NotConnected");
        Assert.Equal(ErrorCategory.AuthenticationError, record.CategoryInfo.Category);
        Assert.Equal("Run Connect-Pim.", record.ErrorDetails.RecommendedAction);
        Assert.Equal("No connection; run Connect-Pim", record.Exception.Message);
        Assert.Equal("Test-PimError", record.InvocationInfo.MyCommand.Name);
    }

    [Theory]
    [InlineData("PolicyViolation", "TicketRequired", "Pass -TicketNumber and -TicketSystem.")]
    [InlineData("InteractionRequired", "NonInteractiveSignInRequired", "Run Connect-Pim -UseDeviceCode")]
    [InlineData("Network", "Timeout", "Check the network connection")]
    // The core's sign-in messages say what happened; the host says which command fixes it.
    [InlineData("AuthenticationRequired", "NotConnected", "Run Connect-Pim.")]
    [InlineData("AuthenticationRequired", "NoAccessToken", "Pass that resource's token to Connect-Pim too")]
    [InlineData("InteractionRequired", "StepUpNeedsInteractiveSignIn", "Run Connect-Pim without -AccessToken")]
    [InlineData("AuthenticationFailed", "invalid_grant", "Run Connect-Pim to sign in again.")]
    [InlineData("AuthenticationFailed", "expired_token", "Run Connect-Pim -UseDeviceCode again")]
    public void Recommends_by_code_then_by_kind(string kind, string code, string start) =>
        Assert.StartsWith(start, PimErrors.RecommendedAction(kind, code));

    [Fact]
    public void Recommends_what_each_failed_service_rule_asks_for()
    {
        Assert.Equal("Pass -Justification. Pass -TicketNumber and -TicketSystem.",
            PimErrors.RecommendedAction("PolicyViolation", "RoleAssignmentRequestPolicyValidationFailed", new[] { "JustificationRule", "TicketingRule" }));
        Assert.Equal("Use -Duration Max, or a shorter -Duration.",
            PimErrors.RecommendedAction("PolicyViolation", "RoleAssignmentRequestPolicyValidationFailed", new[] { "ExpirationRule", "UnknownRule" }));
        Assert.Null(PimErrors.RecommendedAction("PolicyViolation", "RoleAssignmentRequestPolicyValidationFailed", new[] { "UnknownRule" }));
    }

    [Fact]
    public void Maps_each_kind_to_one_category()
    {
        Assert.Equal(ErrorCategory.NotImplemented, PimErrors.CategoryOf("UnknownMethod"));
        Assert.Equal(ErrorCategory.PermissionDenied, PimErrors.CategoryOf("PolicyViolation"));
        Assert.Equal(ErrorCategory.ObjectNotFound, PimErrors.CategoryOf("RoleNotFound"));
        Assert.Equal(ErrorCategory.NotSpecified, PimErrors.CategoryOf("SomethingNew"));
    }

    [Theory]
    [InlineData("Global Reader requires a justification.", "Global Reader requires a justification.")]
    [InlineData("the request ended as Denied.", "Global Reader: the request ended as Denied.")]
    public void Names_the_role_once(string message, string expected) =>
        Assert.Equal(expected, PimErrors.AboutRole("Global Reader", "Global Reader", message));

    [Fact]
    public void Names_a_group_role_by_its_table_name_only_when_the_message_does_not() =>
        Assert.Equal("Finance Approvers (member): still pending", PimErrors.AboutRole("Finance Approvers (member)", "Finance Approvers", "still pending"));

    [Fact]
    public void Drops_the_old_native_marker() =>
        Assert.Equal("Operation started", PimErrors.Clean("[native] operation started"));

    [Fact]
    public void Summarizes_statuses_in_order_of_first_appearance()
    {
        var requests = new[] { "Activated", "PendingApproval", "Activated" }
            .Select(status => new ActivationRequest(new CoreOutcome { Status = status, RoleName = "r" }, null, deactivate: false));
        Assert.Equal("PIM: 2 Activated, 1 PendingApproval", ActivationBatch.Summary(requests));
    }
}
