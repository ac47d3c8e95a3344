using System;
using System.Collections.Generic;
using System.Management.Automation.Host;

namespace PimRust.Commands;

/// <summary>
/// Whether anyone can answer a sign-in: not under <c>pwsh -NonInteractive</c>, with console input, in a host that
/// has a user (runbooks, CI and background runspaces have none).
/// </summary>
internal static class Interactivity
{
    private static readonly Lazy<bool> StartedNonInteractive = new(() => HasNonInteractiveSwitch(Environment.GetCommandLineArgs()));

    public static bool IsInteractive(PSHost? host)
    {
        if (StartedNonInteractive.Value || !Environment.UserInteractive)
        {
            return false;
        }
        if (host is null || host.Name == "Default Host" || host.Name == "ServerRemoteHost")
        {
            return false;
        }
        return host.Name != "ConsoleHost" || !Console.IsInputRedirected;
    }

    /// <summary>
    /// Whether the host can ask the user something through <c>Host.UI.ReadLine</c> (Select-PimRole): not under
    /// <c>pwsh -NonInteractive</c>, in a host that has a user interface (not the default host of a runbook or a
    /// background runspace), and, in the console host, with console input. A remoting host forwards the question to
    /// the client's host, which answers or refuses.
    /// </summary>
    public static bool CanPrompt(PSHost? host)
    {
        if (StartedNonInteractive.Value || !Environment.UserInteractive)
        {
            return false;
        }
        if (host?.UI is null || host.Name == "Default Host")
        {
            return false;
        }
        return host.Name != "ConsoleHost" || !Console.IsInputRedirected;
    }

    /// <summary>
    /// pwsh's own rule: <c>-NonInteractive</c> may be shortened down to <c>-noni</c>, with <c>-</c>, <c>--</c> or
    /// <c>/</c>; what follows -Command or -File belongs to the script.
    /// </summary>
    internal static bool HasNonInteractiveSwitch(IReadOnlyList<string> args)
    {
        for (int i = 1; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg.TrimStart('-', '/').ToLowerInvariant();
            if (name.Length == arg.Length)
            {
                continue; // not a switch
            }
            if (name is "c" or "f" or "e" or "ec" or "cwa" || IsPrefixOf(name, "command", 3) || IsPrefixOf(name, "file", 2) ||
                IsPrefixOf(name, "encodedcommand", 3) || IsPrefixOf(name, "commandwithargs", 8))
            {
                return false;
            }
            if (IsPrefixOf(name, "noninteractive", 4))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsPrefixOf(string name, string full, int shortest) =>
        name.Length >= shortest && full.StartsWith(name, StringComparison.Ordinal);
}
