using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using PimRust.Commands;
using Xunit;

namespace PimRust.Commands.Tests;

public class RoleMatchingTests
{
    private static EligibleRole Role(string kind, string name, string scope, string scopeName, string? access = null, string definition = "def")
    {
        string json = JsonSerializer.Serialize(new
        {
            kind, roleName = name, accessId = access, scope, scopeDisplayName = scopeName, status = "Eligible",
            roleDefinitionId = definition, principalId = "me", key = $"{kind}|{definition}|{scope}|{access}",
            policy = new { maxDuration = "PT8H", requiresJustification = true },
        });
        JsonElement source = JsonDocument.Parse(json).RootElement;
        return new EligibleRole(source.Deserialize(CoreJsonContext.Default.CoreRole)!, source, "tenant-1");
    }

    private static readonly EligibleRole[] Listing =
    {
        Role("DirectoryRole", "Global Reader", "/", "Directory", definition: "f2ef992c"),
        Role("AzureResource", "Reader", "/subscriptions/s/resourceGroups/rg-web-dev", "rg-web-dev", definition: "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/acdd72a7"),
        Role("AzureResource", "Reader", "/subscriptions/s/resourceGroups/rg-data-prod", "rg-data-prod", definition: "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/acdd72a7"),
        Role("Group", "Finance Approvers", "group-1", "Finance Approvers", access: "member"),
        Role("Group", "Finance Approvers", "group-1", "Finance Approvers", access: "owner"),
    };

    private static PSObject Object(params (string Name, object? Value)[] properties)
    {
        var result = new PSObject();
        foreach ((string name, object? value) in properties)
        {
            result.Properties.Add(new PSNoteProperty(name, value));
        }
        return result;
    }

    private static EligibleRole[] Resolve(PSObject input)
    {
        RoleIdentity identity = RoleIdentity.From(input, out string? refusal) ?? throw new Xunit.Sdk.XunitException(refusal);
        return Listing.Where(identity.Matches).ToArray();
    }

    [Fact]
    public void Matches_the_name_the_table_shows()
    {
        Assert.True(RoleSelector.NameMatches(Listing[3], "finance approvers (member)"));
        Assert.False(RoleSelector.NameMatches(Listing[4], "Finance Approvers (member)"));
        Assert.True(RoleSelector.NameMatches(Listing[4], "Finance Approvers"));
        Assert.True(RoleSelector.NameMatches(Listing[0], "Global*"));
        Assert.False(RoleSelector.NameMatches(Listing[0], "Global"));
    }

    [Fact]
    public void Matches_a_scope_by_id_or_display_name() =>
        Assert.Equal(new[] { Listing[1] }, RoleSelector.InScopes(Listing, new[] { "rg-web*" }));

    [Fact]
    public void Resolves_a_projection_on_every_property_it_carries()
    {
        EligibleRole[] found = Resolve(Object(("RoleName", "Reader"), ("Scope", Listing[2].Scope), ("Kind", "AzureResource")));
        Assert.Equal(new[] { Listing[2] }, found);
    }

    [Fact]
    public void Resolves_a_group_access_and_a_short_role_definition_id()
    {
        Assert.Equal(new[] { Listing[4] }, Resolve(Object(("RoleName", "Finance Approvers"), ("AccessId", "owner"))));
        Assert.Equal(2, Resolve(Object(("RoleDefinitionId", "acdd72a7"))).Length);
    }

    [Fact]
    public void Finds_nothing_for_another_tenant() =>
        Assert.Empty(Resolve(Object(("Key", Listing[0].Key), ("TenantId", "tenant-2"))));

    [Fact]
    public void Reads_hashtables_too() =>
        Assert.Equal(new[] { Listing[0] }, Resolve(PSObject.AsPSObject(new System.Collections.Hashtable { ["RoleName"] = "Global Reader", ["Kind"] = "DirectoryRole" })));

    [Fact]
    public void Refuses_an_object_with_a_name_alone()
    {
        Assert.Null(RoleIdentity.From(Object(("RoleName", "Reader")), out string? refusal));
        Assert.Contains("-Name 'Reader'", refusal);
    }

    [Fact]
    public void Refuses_unrelated_objects()
    {
        Assert.Null(RoleIdentity.From(PSObject.AsPSObject(System.Diagnostics.Process.GetCurrentProcess()), out string? refusal));
        Assert.Contains("System.Diagnostics.Process is not a PIM role", refusal);
        Assert.Null(RoleIdentity.From(PSObject.AsPSObject("Global Reader"), out _));
    }

    [Fact]
    public void Ignores_empty_identity_values() =>
        Assert.Null(RoleIdentity.From(Object(("RoleName", "Reader"), ("Scope", ""), ("Kind", null)), out _));

    [Fact]
    public void Keeps_the_role_the_core_emitted()
    {
        Assert.Equal("Eligible", Listing[0].Source.GetProperty("status").GetString());
        Assert.Equal(System.TimeSpan.FromHours(8), Listing[0].MaxDuration);
        Assert.Equal("Justification", Listing[0].Requirements);
        Assert.Equal("tenant-1", Listing[0].TenantId);
    }
}
