using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace PimRust.Commands;

/// <summary>
/// What Select-PimRole shows and reads: the numbered list (the columns of the table views, sized to the console,
/// wrapped rather than cut) and the answer (numbers and ranges such as <c>1,3-5</c>).
/// </summary>
internal static partial class RolePicker
{
    private const int NameColumn = 2, ScopeColumn = 3, DetailsColumn = 5;

    /// <summary>A word longer than this (an id) may be cut to fit; shorter ones wrap whole.</summary>
    private const int LongestWord = 24;

    /// <summary>
    /// The numbered list, one role a row (more lines when a value wraps), for a console <paramref name="width"/>
    /// columns wide. Names are never cut: a name longer than its column wraps inside it.
    /// </summary>
    public static List<string> Render(IReadOnlyList<PimRole> roles, int width)
    {
        bool anyEligible = roles.Any(role => role is not ActiveRole);
        bool anyActive = roles.Any(role => role is ActiveRole);
        string lastHeader = anyEligible && anyActive ? "Requires / left" : anyActive ? "Left" : "Requires";
        var header = new[] { "#", "Kind", "Name", "Scope", "Status", lastHeader };
        List<string[]> rows = roles.Select((role, index) => new[]
        {
            (index + 1).ToString(CultureInfo.InvariantCulture), ShortKind(role.Kind), role.DisplayName, ScopeText(role),
            StatusText(role), Details(role),
        }).ToList();

        int[] widths = Enumerable.Range(0, header.Length)
            .Select(column => rows.Select(row => row[column].Length).Append(header[column].Length).Max())
            .ToArray();
        Fit(widths, Minimums(header, rows), width);

        var lines = new List<string>(rows.Count + 2)
        {
            Line(header, widths),
            Line(header.Select(text => new string('-', text.Length)).ToArray(), widths),
        };
        foreach (string[] row in rows)
        {
            List<string>[] cells = row.Select((text, column) => Wrap(text, widths[column])).ToArray();
            int height = cells.Max(cell => cell.Count);
            for (int i = 0; i < height; i++)
            {
                lines.Add(Line(cells.Select(cell => i < cell.Count ? cell[i] : string.Empty).ToArray(), widths));
            }
        }
        return lines;
    }

    /// <summary>
    /// Narrows the columns until a row fits <paramref name="width"/> (one space between columns): first the details
    /// (they wrap at commas), then the wider of the name and the scope, one column at a time, never below the longest
    /// word of a column; a row that still does not fit overflows rather than cut a word.
    /// </summary>
    private static void Fit(int[] widths, int[] minimums, int width)
    {
        int overflow = widths.Sum() + widths.Length - 1 - width;
        int give = Math.Clamp(overflow, 0, widths[DetailsColumn] - minimums[DetailsColumn]);
        widths[DetailsColumn] -= give;
        overflow -= give;
        while (overflow > 0)
        {
            int column = widths[NameColumn] - minimums[NameColumn] >= widths[ScopeColumn] - minimums[ScopeColumn] ? NameColumn : ScopeColumn;
            if (widths[column] <= minimums[column])
            {
                break;
            }
            widths[column]--;
            overflow--;
        }
    }

    /// <summary>The narrowest each wrapping column may get: its header, and its longest word up to <see cref="LongestWord"/>.</summary>
    private static int[] Minimums(string[] header, List<string[]> rows) =>
        header.Select((title, column) => Math.Max(title.Length, rows
            .SelectMany(row => row[column].Split(Breaks, StringSplitOptions.RemoveEmptyEntries))
            .Select(word => Math.Min(word.Length + 1, LongestWord))
            .DefaultIfEmpty(0)
            .Max())).ToArray();

    /// <summary>
    /// Reads an answer: numbers and ranges separated by commas or spaces (<c>1,3-5</c>, <c>2 7</c>). Returns the
    /// chosen indexes (0-based, ascending), an empty list for an empty answer, or null with the reason the whole
    /// answer was refused: a word, a number out of range, a backwards range, or a role chosen twice.
    /// </summary>
    public static List<int>? Parse(string answer, int count, out string? problem)
    {
        problem = null;
        string text = RangeDash().Replace(answer.Trim(), "-");
        var chosen = new SortedSet<int>();
        foreach (string token in text.Split(new[] { ',', ' ', '\t', ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            string[] ends = token.Split('-');
            if (ends.Length > 2 || !ends.All(IsNumber))
            {
                problem = token.Equals("all", StringComparison.OrdinalIgnoreCase) || token == "*"
                    ? $"'{token}' is not accepted: there is no shortcut for all roles. Type the range 1-{count} to choose every one."
                    : $"'{token}' is not a number or a range such as 3-5.";
                return null;
            }
            int first = int.Parse(ends[0], CultureInfo.InvariantCulture);
            int last = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (first > last)
            {
                problem = $"'{token}' counts down; write it as {last}-{first}.";
                return null;
            }
            foreach (int number in new[] { first, last })
            {
                if (number < 1 || number > count)
                {
                    problem = $"There is no role {number}: the numbers go from 1 to {count}.";
                    return null;
                }
            }
            for (int number = first; number <= last; number++)
            {
                if (!chosen.Add(number - 1))
                {
                    problem = $"Role {number} is chosen twice ('{token}' repeats it); give each number once.";
                    return null;
                }
            }
        }
        return chosen.ToList();
    }

    private static readonly char[] Breaks = { ' ', ',', '/' };

    private static bool IsNumber(string text) =>
        text.Length is > 0 and <= 6 && text.All(c => c is >= '0' and <= '9');

    [GeneratedRegex(@"\s*-\s*")]
    private static partial Regex RangeDash();

    internal static string ShortKind(string kind) => kind switch
    {
        "DirectoryRole" => "Role",
        "AzureResource" => "Azure",
        _ => kind,
    };

    /// <summary>The scope's display name; an ARM id without one shows its last name (the full id stays on the object).</summary>
    private static string ScopeText(PimRole role)
    {
        string scope = string.IsNullOrEmpty(role.ScopeDisplayName) ? role.Scope : role.ScopeDisplayName;
        return scope == "/" ? "Directory" : scope;
    }

    private static string StatusText(PimRole role) =>
        role is ActiveRole ? "Active" : role.Status == "PendingActivation" ? "Pending" : role.Status;

    /// <summary>What activation requires (as the table view shows it), or for an active role the time it has left.</summary>
    private static string Details(PimRole role)
    {
        if (role is ActiveRole active)
        {
            return active.TimeRemaining is { } left ? Left(left) : "permanent";
        }
        // Requirements in the table view's short words: Justification,Approval,AuthContext:c1 -> Just Appr AC:c1.
        string needs = string.Join(" ", role.Requirements.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(need => need switch
        {
            "Justification" => "Just",
            "Approval" => "Appr",
            _ when need.StartsWith("AuthContext:", StringComparison.Ordinal) => "AC:" + need["AuthContext:".Length..],
            _ => need,
        }));
        bool known = role.RequiresJustification is not null || role.RequiresTicket is not null || role.RequiresMfa is not null ||
            role.RequiresApproval is not null;
        return needs.Length > 0 ? needs : known ? "none" : "unknown";
    }

    private static string Left(TimeSpan left)
    {
        long minutes = (long)Math.Floor(left.TotalMinutes);
        return minutes switch
        {
            < 1 => "ended",
            < 60 => $"{minutes}m left",
            < 2880 => minutes % 60 == 0 ? $"{minutes / 60}h left" : $"{minutes / 60}h{minutes % 60}m left",
            _ => $"{minutes / 1440}d left",
        };
    }

    private static string Line(string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (int column = 0; column < cells.Length; column++)
        {
            if (column > 0)
            {
                line.Append(' ');
            }
            // The number is right-aligned; the last column is not padded.
            line.Append(column == 0 ? cells[column].PadLeft(widths[column])
                : column == cells.Length - 1 ? cells[column] : cells[column].PadRight(widths[column]));
        }
        return line.ToString().TrimEnd();
    }

    /// <summary>Word-wraps <paramref name="text"/> to <paramref name="width"/>, breaking after spaces, commas and slashes, and inside a word only when it is longer than the column.</summary>
    internal static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        string rest = text;
        while (rest.Length > width)
        {
            // A space right after the edge ends the line there; else the last break that fits, else a hard cut.
            int cut = rest[width] == ' ' ? width : rest.LastIndexOfAny(Breaks, width - 1) + 1;
            if (cut <= 0)
            {
                cut = width;
            }
            lines.Add(rest[..cut].TrimEnd());
            rest = rest[cut..].TrimStart();
        }
        lines.Add(rest);
        return lines;
    }
}
