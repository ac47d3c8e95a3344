using System;
using PimRust.Commands;
using Xunit;

namespace PimRust.Commands.Tests;

public class DurationTextTests
{
    [Theory]
    [InlineData("2h", "PT2H")]
    [InlineData("90m", "PT1H30M")]
    [InlineData("1h30m", "PT1H30M")]
    [InlineData("1h 30m", "PT1H30M")]
    [InlineData("1.5h", "PT1H30M")]
    [InlineData("1d", "PT24H")]
    [InlineData("PT2H", "PT2H")]
    [InlineData("pt45m", "PT45M")]
    [InlineData("P1DT2H", "PT26H")]
    [InlineData("02:00:00", "PT2H")]
    [InlineData("1.02:00:00", "PT26H")]
    [InlineData("max", "Max")]
    [InlineData(" Max ", "Max")]
    public void Normalizes_what_users_type(string typed, string expected) =>
        Assert.Equal(expected, DurationText.Normalize(typed));

    [Fact]
    public void Takes_a_TimeSpan_rounded_up_to_whole_minutes() =>
        Assert.Equal("PT45M", DurationText.Normalize(TimeSpan.FromSeconds(44 * 60 + 1)));

    [Theory]
    [InlineData("2")]
    [InlineData("2.5")]
    public void Refuses_a_bare_number_with_a_hint(string typed)
    {
        FormatException error = Assert.Throws<FormatException>(() => DurationText.Normalize(typed));
        Assert.Contains($"{typed}h", error.Message);
    }

    [Fact]
    public void Refuses_a_bare_integer_value() =>
        Assert.Contains("2h", Assert.Throws<FormatException>(() => DurationText.Normalize(2)).Message);

    [Theory]
    [InlineData("-2h")]
    [InlineData("-PT1H")]
    [InlineData("soon")]
    [InlineData("PT")]
    [InlineData("P")]
    [InlineData("P1Y")]
    [InlineData("0m")]
    [InlineData("4m")]
    [InlineData("")]
    [InlineData("1h30")]
    public void Refuses_what_is_no_activation_length(string typed) =>
        Assert.Throws<FormatException>(() => DurationText.Normalize(typed));

    [Fact]
    public void Refuses_a_negative_TimeSpan() =>
        Assert.Throws<FormatException>(() => DurationText.Normalize(TimeSpan.FromHours(-1)));

    [Theory]
    [InlineData("PT8H", 8 * 60)]
    [InlineData("PT1H30M", 90)]
    [InlineData("P1D", 24 * 60)]
    public void Reads_the_cores_iso_text(string iso, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), DurationText.TryParseIso(iso));

    [Fact]
    public void Reads_nothing_from_nothing()
    {
        Assert.Null(DurationText.TryParseIso(null));
        Assert.Null(DurationText.TryParseIso("eight hours"));
    }
}
