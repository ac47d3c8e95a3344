using System.Linq;
using PimRust.Commands;
using Xunit;

namespace PimRust.Commands.Tests;

public class CompletionTests
{
    private static readonly string[] Names = { "Global Reader", "Global Administrator", "Reader", "O'Brien's Role" };

    [Fact]
    public void Offers_what_starts_with_the_typed_text_quoted_where_needed()
    {
        string[] offered = Completion.Offer(Names, "glo").Select(c => c.CompletionText).ToArray();
        Assert.Equal(new[] { "'Global Administrator'", "'Global Reader'" }, offered);
    }

    [Fact]
    public void Ignores_the_quote_being_typed_and_escapes_quotes() =>
        Assert.Equal("'O''Brien''s Role'", Assert.Single(Completion.Offer(Names, "'O")).CompletionText);

    [Fact]
    public void Leaves_simple_names_bare() =>
        Assert.Equal("Reader", Assert.Single(Completion.Offer(Names, "Rea")).CompletionText);
}
