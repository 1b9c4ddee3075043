using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PSAssistants.Json;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// -JsonSchema from a type: the strict schema structured outputs ask for (all required, additionalProperties
/// false, enums by name, arrays, nested classes in $defs), the check of a reply against a schema, and the
/// reply turned back into an instance of the type.
/// </summary>
public class JsonSchemaTests
{
    public enum Mood { Calm, Busy }

    public sealed class Address
    {
        public string Street { get; set; } = "";
        public int Number { get; set; }
    }

    public sealed class Person
    {
        public string Name { get; set; } = "";
        public int Age { get; set; }
        public double Score { get; set; }
        public bool Admin { get; set; }
        public Mood Mood { get; set; }
        public string[] Tags { get; set; } = Array.Empty<string>();
        public List<Address> Addresses { get; set; } = new();
        public Address? Home { get; set; }
        public int? Rank { get; set; }
        public DateTimeOffset Seen { get; set; }
        [JsonIgnore] public string Secret { get; set; } = "";
        [JsonPropertyName("nick_name")] public string Nick { get; set; } = "";
    }

    public sealed class Node
    {
        public string Label { get; set; } = "";
        public Node[] Children { get; set; } = Array.Empty<Node>();
    }

    public sealed class WithDictionary
    {
        public Dictionary<string, string> Map { get; set; } = new();
    }

    private static JsonObject Schema<T>() => JsonNode.Parse(JsonSchemas.FromType(typeof(T)))!.AsObject();

    [Fact]
    public void Every_property_is_required_and_no_other_is_allowed()
    {
        var s = Schema<Person>();
        Assert.Equal("object", (string?)s["type"]);
        Assert.False((bool)s["additionalProperties"]!);
        var names = s["properties"]!.AsObject().Select(p => p.Key).ToArray();
        Assert.Equal(new[] { "Name", "Age", "Score", "Admin", "Mood", "Tags", "Addresses", "Home", "Rank", "Seen", "nick_name" }, names);
        Assert.Equal(names, s["required"]!.AsArray().Select(n => (string?)n).ToArray());
    }

    [Fact]
    public void Scalars_enums_and_arrays_get_their_json_types()
    {
        var p = Schema<Person>()["properties"]!;
        Assert.Equal("string", (string?)p["Name"]!["type"]);
        Assert.Equal("integer", (string?)p["Age"]!["type"]);
        Assert.Equal("number", (string?)p["Score"]!["type"]);
        Assert.Equal("boolean", (string?)p["Admin"]!["type"]);
        Assert.Equal(new[] { "Calm", "Busy" }, p["Mood"]!["enum"]!.AsArray().Select(n => (string?)n).ToArray());
        Assert.Equal("array", (string?)p["Tags"]!["type"]);
        Assert.Equal("string", (string?)p["Tags"]!["items"]!["type"]);
        Assert.Equal("date-time", (string?)p["Seen"]!["format"]);
        Assert.Equal("null", (string?)p["Rank"]!["anyOf"]![1]!["type"]);
    }

    [Fact]
    public void Nested_classes_are_strict_too_and_defined_once()
    {
        var s = Schema<Person>();
        Assert.Equal("#/$defs/Address", (string?)s["properties"]!["Addresses"]!["items"]!["$ref"]);
        Assert.Equal("#/$defs/Address", (string?)s["properties"]!["Home"]!["anyOf"]![0]!["$ref"]);
        var address = s["$defs"]!["Address"]!;
        Assert.False((bool)address["additionalProperties"]!);
        Assert.Equal(new[] { "Street", "Number" }, address["required"]!.AsArray().Select(n => (string?)n).ToArray());
        Assert.Single(s["$defs"]!.AsObject());
    }

    [Fact]
    public void A_class_that_holds_itself_refers_back_to_the_root()
    {
        var s = Schema<Node>();
        Assert.Equal("#", (string?)s["properties"]!["Children"]!["items"]!["$ref"]);
        Assert.Null(s["$defs"]);
    }

    [Fact]
    public void Shapes_a_strict_schema_cannot_hold_are_refused()
    {
        var ex = Assert.Throws<PSAssistants.Client.OaiArgumentException>(() => JsonSchemas.FromType(typeof(WithDictionary)));
        Assert.Contains("Map", ex.Message);
        Assert.Throws<PSAssistants.Client.OaiArgumentException>(() => JsonSchemas.FromType(typeof(string)));
        Assert.Throws<PSAssistants.Client.OaiArgumentException>(() => JsonSchemas.FromType(typeof(int[])));
    }

    private const string Answer = """
        {"Name":"Ada","Age":36,"Score":9.5,"Admin":true,"Mood":"Busy","Tags":["a","b"],
         "Addresses":[{"Street":"Main","Number":3}],"Home":null,"Rank":2,"Seen":"2026-01-02T03:04:05Z","nick_name":"ada"}
        """;

    [Fact]
    public void A_reply_that_fits_has_no_mismatch_and_becomes_an_instance()
    {
        var schema = Schema<Person>();
        var reply = JsonNode.Parse(Answer);
        Assert.Null(JsonSchemas.Mismatch(reply, schema));
        var person = Assert.IsType<Person>(JsonSchemas.ToInstance(reply, typeof(Person)));
        Assert.Equal("Ada", person.Name);
        Assert.Equal(36, person.Age);
        Assert.Equal(9.5, person.Score);
        Assert.True(person.Admin);
        Assert.Equal(Mood.Busy, person.Mood);
        Assert.Equal(new[] { "a", "b" }, person.Tags);
        Assert.Equal("Main", Assert.Single(person.Addresses).Street);
        Assert.Null(person.Home);
        Assert.Equal(2, person.Rank);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), person.Seen);
        Assert.Equal("ada", person.Nick);
    }

    [Theory]
    [InlineData("\"Age\":36", "\"Age\":\"old\"", "$.Age")]
    [InlineData("\"Mood\":\"Busy\"", "\"Mood\":\"Sleepy\"", "$.Mood")]
    [InlineData("\"Name\":\"Ada\",", "", "'Name'")]
    [InlineData("\"Number\":3", "\"Number\":3,\"Extra\":1", "Extra")]
    [InlineData("\"Age\":36", "\"Age\":36.5", "$.Age")]
    public void A_reply_that_does_not_fit_names_where(string from, string to, string where)
    {
        var mismatch = JsonSchemas.Mismatch(JsonNode.Parse(Answer.Replace(from, to)), Schema<Person>());
        Assert.NotNull(mismatch);
        Assert.Contains(where, mismatch);
    }

    [Fact]
    public void A_value_of_the_wrong_shape_is_a_format_error_not_a_silent_default()
    {
        var ex = Assert.Throws<FormatException>(() => JsonSchemas.ToInstance(JsonNode.Parse("""{"Name":"x","Age":"old"}"""), typeof(Person)));
        Assert.Contains("$.Age", ex.Message);
        Assert.Throws<FormatException>(() => JsonSchemas.ToInstance(JsonNode.Parse("[1]"), typeof(Person)));
    }

    [Fact]
    public void Schemas_as_json_text_must_be_objects()
    {
        Assert.Equal("""{"type":"object"}""", JsonSchemas.FromValue("""{ "type": "object" }"""));
        Assert.Throws<PSAssistants.Client.OaiArgumentException>(() => JsonSchemas.FromValue("[1,2]"));
        Assert.Throws<PSAssistants.Client.OaiArgumentException>(() => JsonSchemas.FromValue("{not json"));
    }

    [Fact]
    public void The_format_name_comes_from_the_type()
    {
        Assert.Equal("Person", JsonSchemas.NameOf(typeof(Person)));
        Assert.Equal("List1", JsonSchemas.NameOf(typeof(List<string>)));
    }
}
