using PimRust.Commands;
using Xunit;

namespace PimRust.Commands.Tests;

public class InteractivityTests
{
    [Theory]
    [InlineData("pwsh", "-NonInteractive", "-Command", "Connect-Pim")]
    [InlineData("pwsh", "-noni", "-c", "x")]
    [InlineData("pwsh", "-NoProfile", "--noninteractive")]
    [InlineData("pwsh", "/NonInteractive")]
    public void Sees_the_switch_in_any_spelling_pwsh_accepts(params string[] args) =>
        Assert.True(Interactivity.HasNonInteractiveSwitch(args));

    [Theory]
    [InlineData("pwsh")]
    [InlineData("pwsh", "-NoProfile")]
    [InlineData("pwsh", "-non")]
    [InlineData("pwsh", "-Command", "Write-Output", "-NonInteractive")]
    [InlineData("pwsh", "-File", "script.ps1", "-NonInteractive")]
    [InlineData("pwsh", "NonInteractive")]
    public void Ignores_script_arguments_and_other_switches(params string[] args) =>
        Assert.False(Interactivity.HasNonInteractiveSwitch(args));
}
