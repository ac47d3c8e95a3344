using System;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using PimRust.Commands;
using PimRust.Interop;
using Xunit;

namespace PimRust.Commands.Tests;

public class ErrorRecordTests
{
    /// <summary>Writes one PimRust error, as the module's cmdlets do: a core envelope's error, or one the cmdlets raise.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "PimError")]
    public sealed class TestPimErrorCommand : PSCmdlet
    {
        [Parameter(Mandatory = true)]
        public object Error { get; set; } = null!;

        protected override void EndProcessing() =>
            WriteError((Error is PSObject wrapped ? wrapped.BaseObject : Error) switch
            {
                PimError native => PimErrors.FromNative(this, native, null),
                ErrorIdentity identity => PimErrors.Create(this, identity, "no connection; run Connect-Pim", null),
                var other => throw new ArgumentException($"not an error: {other}"),
            });
    }

    private static ErrorRecord Written(object error)
    {
        using PowerShell shell = PowerShell.Create();
        shell.AddCommand(new CmdletInfo("Test-PimError", typeof(TestPimErrorCommand))).AddParameter("Error", error);
        shell.Invoke();
        return Assert.Single(shell.Streams.Error);
    }

    /// <summary>An error envelope's error as the core writes it.</summary>
    private static PimError Native(string kind, string code, string errorId, string category) =>
        PimResult.Parse($$$"""
            {"v":1,"ok":false,"error":{"kind":"{{{kind}}}","code":"{{{code}}}","errorId":"{{{errorId}}}","category":"{{{category}}}",
             "message":"no connection; run Connect-Pim","httpStatus":null,"retryAfterSec":null,"details":null}}
            """).Error!;

    [Fact]
    public void Ends_the_id_the_core_gave_with_the_commands_name()
    {
        Assert.Equal("PimRust.AuthenticationRequired.NotConnected,Test-PimError",
            Written(Native("AuthenticationRequired", "NotConnected", "PimRust.AuthenticationRequired.NotConnected", "AuthenticationError")).FullyQualifiedErrorId);
        Assert.Equal("PimRust.Cancelled,Test-PimError", Written(Native("Cancelled", "Cancelled", "PimRust.Cancelled", "OperationStopped")).FullyQualifiedErrorId);
    }

    [Fact]
    public void Carries_the_category_and_the_recommended_action()
    {
        ErrorRecord record = Written(Native("AuthenticationRequired", "NotConnected", "PimRust.AuthenticationRequired.NotConnected", "AuthenticationError"));
        Assert.Equal(ErrorCategory.AuthenticationError, record.CategoryInfo.Category);
        Assert.Equal("Run Connect-Pim.", record.ErrorDetails.RecommendedAction);
        Assert.Equal("No connection; run Connect-Pim", record.Exception.Message);
        Assert.Equal("Test-PimError", record.InvocationInfo.MyCommand.Name);
    }

    [Theory]
    [InlineData(nameof(CoreRules.Errors.RoleNotFound), "PimRust.RoleNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData(nameof(CoreRules.Errors.AmbiguousRole), "PimRust.AmbiguousRole", ErrorCategory.InvalidArgument)]
    [InlineData(nameof(CoreRules.Errors.InvalidInput), "PimRust.InvalidInput", ErrorCategory.InvalidArgument)]
    [InlineData(nameof(CoreRules.Errors.NotARole), "PimRust.InvalidInput.NotARole", ErrorCategory.InvalidArgument)]
    [InlineData(nameof(CoreRules.Errors.WrongTenant), "PimRust.WrongTenant", ErrorCategory.InvalidArgument)]
    [InlineData(nameof(CoreRules.Errors.NonInteractive), "PimRust.NonInteractive", ErrorCategory.InvalidOperation)]
    [InlineData(nameof(CoreRules.Errors.InvalidArgument), "PimRust.InvalidArgument", ErrorCategory.InvalidArgument)]
    [InlineData(nameof(CoreRules.Errors.InvalidClientConfig), "PimRust.InvalidArgument.InvalidClientConfig", ErrorCategory.InvalidArgument)]
    [InlineData(nameof(CoreRules.Errors.Internal), "PimRust.Internal", ErrorCategory.NotSpecified)]
    public void The_cmdlets_own_errors_keep_their_ids_and_categories(string name, string errorId, ErrorCategory category)
    {
        var identity = (ErrorIdentity)typeof(CoreRules.Errors).GetField(name)!.GetValue(null)!;
        ErrorRecord record = Written(identity);
        Assert.Equal($"{errorId},Test-PimError", record.FullyQualifiedErrorId);
        Assert.Equal(category, record.CategoryInfo.Category);
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

    [Theory]
    [InlineData("NotImplemented", ErrorCategory.NotImplemented)]
    [InlineData("PermissionDenied", ErrorCategory.PermissionDenied)]
    [InlineData("SomethingNew", ErrorCategory.NotSpecified)]
    [InlineData("7", ErrorCategory.NotSpecified)]
    [InlineData("", ErrorCategory.NotSpecified)]
    public void Parses_the_category_the_core_names(string name, ErrorCategory expected) =>
        Assert.Equal(expected, PimErrors.CategoryOf(name));

    [Fact]
    public void Every_category_the_core_names_is_an_ErrorCategory_member()
    {
        Assert.NotEmpty(CoreRules.ErrorCategories);
        Assert.All(CoreRules.ErrorCategories, name => Assert.Equal(name, PimErrors.CategoryOf(name).ToString()));
    }

    [Fact]
    public void Reads_the_identity_of_outcome_and_wait_errors_as_the_core_wrote_it()
    {
        CoreOutcome outcome = JsonSerializer.Deserialize("""
            {"key":"k","status":"Failed","error":{"kind":"PolicyViolation","code":"TicketRequired","errorId":"PimRust.PolicyViolation.TicketRequired",
             "category":"PermissionDenied","message":"m","httpStatus":null,"failedRules":[]}}
            """, CoreJsonContext.Default.CoreOutcome)!;
        Assert.Equal(new ErrorIdentity("PolicyViolation", "TicketRequired", "PimRust.PolicyViolation.TicketRequired", "PermissionDenied"),
            outcome.Error!.Identity());
        CoreWaitResult ended = JsonSerializer.Deserialize("""
            {"requestId":"r","status":"Denied","error":{"kind":"Request","code":"Denied","errorId":"PimRust.Request.Denied","category":"PermissionDenied"}}
            """, CoreJsonContext.Default.CoreWaitResult)!;
        Assert.Equal("PimRust.Request.Denied", ended.Error!.Identity()!.ErrorId);
        Assert.Null(new CoreError { Kind = "Request", Code = "Denied" }.Identity());
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
