using System;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using PimRust.Commands;
using Xunit;

namespace PimRust.Commands.Tests;

/// <summary>What users see of the rules the cmdlets take from the core (CoreRules.g.cs): the same as before they moved.</summary>
public class CoreRulesTests
{
    [Fact]
    public void ThrottleLimit_takes_its_range_and_default_from_the_core()
    {
        PropertyInfo property = typeof(RoleBatchCommand).GetProperty(nameof(RoleBatchCommand.ThrottleLimit))!;
        ValidateRangeAttribute range = Assert.Single(property.GetCustomAttributes<ValidateRangeAttribute>());
        Assert.Equal((1, 32), ((int)range.MinRange, (int)range.MaxRange));
        Assert.Equal(20, new InvokePimActivationCommand().ThrottleLimit);
        Assert.Equal(20, new InvokePimDeactivationCommand().ThrottleLimit);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void A_ThrottleLimit_out_of_range_fails_at_binding(int limit)
    {
        using PowerShell shell = PowerShell.Create();
        shell.AddCommand(new CmdletInfo("Invoke-PimActivation", typeof(InvokePimActivationCommand)))
            .AddParameter("Name", "Global Reader").AddParameter("ThrottleLimit", limit);
        var error = Assert.ThrowsAny<ParameterBindingException>(() => shell.Invoke());
        Assert.StartsWith("ParameterArgumentValidationError", error.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains(limit == 0 ? "minimum allowed range of 1" : "maximum allowed range of 32", error.Message);
    }

    [Fact]
    public void The_confirmation_names_the_default_duration_rule()
    {
        var options = new ActivationOptions(null, null, null, Duration: null, StartAt: null, ValidateOnly: false, ThrottleLimit: 8, Deactivate: false, ReadPolicies: false);
        Assert.Equal("Activate for PT1H (or the policy maximum if shorter) from now", options.Action);
    }

    [Theory]
    [InlineData("PendingApproval", true)]
    [InlineData("PendingProvisioning", true)]
    [InlineData("Scheduled", true)]
    [InlineData("Activated", false)]
    [InlineData("AlreadyActive", false)]
    [InlineData("Validated", false)]
    [InlineData("Deactivated", false)]
    [InlineData("Failed", false)]
    public void A_request_is_pending_while_the_core_says_it_is_on_its_way(string status, bool pending)
    {
        var request = new ActivationRequest(new CoreOutcome { Status = status, RoleName = "r", RequestId = "id" }, null, deactivate: false);
        Assert.Equal(pending, request.IsPending);
        var unsent = new ActivationRequest(new CoreOutcome { Status = status, RoleName = "r" }, null, deactivate: false);
        Assert.False(unsent.IsPending);
    }

    [Fact]
    public void A_waits_progress_bar_stays_open_for_the_statuses_still_on_their_way() =>
        Assert.Equal(new[] { "PendingApproval", "Provisioning", "Scheduled" }, CoreRules.OpenWaitStatuses.OrderBy(s => s, StringComparer.Ordinal));
}
