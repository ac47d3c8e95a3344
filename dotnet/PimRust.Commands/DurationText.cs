using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PimRust.Commands;

/// <summary>
/// The durations users type for -Duration (a TimeSpan, <c>PT2H</c>, <c>Max</c>, <c>2h</c>, <c>90m</c>, <c>1h30m</c>,
/// <c>02:00:00</c>) and the ISO 8601 text the core speaks. A bare number is refused: nobody can tell whether
/// <c>2</c> means hours or days.
/// </summary>
internal static partial class DurationText
{
    public const string Max = "Max";

    /// <summary>PIM refuses activations shorter than this.</summary>
    public static readonly TimeSpan Minimum = TimeSpan.FromMinutes(5);

    private const string Examples = "2h, 90m, 1h30m, PT2H, 02:00:00 or Max";

    [GeneratedRegex(@"^P(?:(?<d>\d+(?:\.\d+)?)D)?(?:T(?:(?<h>\d+(?:\.\d+)?)H)?(?:(?<m>\d+(?:\.\d+)?)M)?(?:(?<s>\d+(?:\.\d+)?)S)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IsoPattern();

    [GeneratedRegex(@"^(?:(?<d>\d+(?:\.\d+)?)\s*d(?:ays?)?)?\s*(?:(?<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(?<m>\d+(?:\.\d+)?)\s*m(?:in(?:utes?|s)?)?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HumanePattern();

    /// <summary>
    /// Turns what the user gave into the core's form (<c>Max</c> or <c>PT1H30M</c>); throws
    /// <see cref="FormatException"/> with a message that says what is accepted.
    /// </summary>
    public static string Normalize(object? value)
    {
        switch (value)
        {
            case null:
                throw new FormatException($"-Duration needs a value such as {Examples}.");
            case TimeSpan span:
                return FromTimeSpan(span, span.ToString("c", CultureInfo.InvariantCulture));
            case int or long or short or byte or double or float or decimal:
                throw BareNumber(Convert.ToString(value, CultureInfo.InvariantCulture)!);
        }
        string text = (value.ToString() ?? string.Empty).Trim();
        if (text.Length == 0)
        {
            throw new FormatException($"-Duration is empty; use {Examples}.");
        }
        if (text.Equals(Max, StringComparison.OrdinalIgnoreCase))
        {
            return Max;
        }
        if (text.StartsWith('-'))
        {
            throw new FormatException($"-Duration '{text}' is negative; an activation lasts a positive time, e.g. {Examples}.");
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw BareNumber(text);
        }
        if (IsoPattern().Match(text) is { Success: true } iso && text.Length > 1 && !text.EndsWith('T'))
        {
            return FromTimeSpan(Sum(iso), text);
        }
        if (text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan parsed))
        {
            return FromTimeSpan(parsed, text);
        }
        if (HumanePattern().Match(text) is { Success: true } humane && text.Length > 0)
        {
            return FromTimeSpan(Sum(humane), text);
        }
        throw new FormatException($"-Duration '{text}' is not a duration; use {Examples}.");
    }

    /// <summary>Parses the core's ISO 8601 text (<c>PT8H</c>, <c>P1DT2H</c>); null when absent or unreadable.</summary>
    public static TimeSpan? TryParseIso(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || IsoPattern().Match(text.Trim()) is not { Success: true } match)
        {
            return null;
        }
        return Sum(match);
    }

    /// <summary><c>PT1H30M</c>, in whole minutes (PIM's granularity), rounded up like the core does.</summary>
    public static string ToIso(TimeSpan span)
    {
        long minutes = (long)Math.Ceiling(span.TotalMinutes);
        (long hours, long rest) = (minutes / 60, minutes % 60);
        return (hours, rest) switch
        {
            (0, _) => $"PT{rest}M",
            (_, 0) => $"PT{hours}H",
            _ => $"PT{hours}H{rest}M",
        };
    }

    private static string FromTimeSpan(TimeSpan span, string shown)
    {
        if (span < TimeSpan.Zero)
        {
            throw new FormatException($"-Duration '{shown}' is negative; an activation lasts a positive time, e.g. {Examples}.");
        }
        if (span < Minimum)
        {
            throw new FormatException($"-Duration '{shown}' is shorter than PIM's minimum of 5 minutes.");
        }
        return ToIso(span);
    }

    private static TimeSpan Sum(Match match)
    {
        double Part(string name) =>
            match.Groups[name] is { Success: true } group ? double.Parse(group.Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromDays(Part("d")) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) +
            (match.Groups["s"].Success ? TimeSpan.FromSeconds(Part("s")) : TimeSpan.Zero);
    }

    private static FormatException BareNumber(string text) =>
        new($"-Duration {text} has no unit: write {text}h for hours or {text}m for minutes (or PT{text}H, or Max).");
}
