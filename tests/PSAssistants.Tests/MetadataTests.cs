using System.Collections;
using PSAssistants.Client;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>Metadata limits of the reference (≤16 pairs, key ≤64, value ≤512), enforced before any request.</summary>
public class MetadataTests
{
    private static Hashtable Pairs(int count)
    {
        var table = new Hashtable();
        for (var i = 0; i < count; i++) table["key" + i] = "value" + i;
        return table;
    }

    [Fact]
    public void Sixteen_pairs_are_accepted() => Assert.Equal(16, OaiMetadata.FromHashtable(Pairs(16))!.Count);

    [Fact]
    public void Seventeen_pairs_are_refused()
    {
        var ex = Assert.Throws<OaiArgumentException>(() => OaiMetadata.FromHashtable(Pairs(17)));
        Assert.Contains("16", ex.Message);
    }

    [Fact]
    public void A_64_character_key_is_accepted_and_65_refused()
    {
        var ok = new string('k', 64);
        Assert.Equal("v", OaiMetadata.FromHashtable(new Hashtable { [ok] = "v" })![ok]);
        Assert.Throws<OaiArgumentException>(() => OaiMetadata.FromHashtable(new Hashtable { [new string('k', 65)] = "v" }));
    }

    [Fact]
    public void A_512_character_value_is_accepted_and_513_refused()
    {
        var ok = new string('v', 512);
        Assert.Equal(ok, OaiMetadata.FromHashtable(new Hashtable { ["k"] = ok })!["k"]);
        var ex = Assert.Throws<OaiArgumentException>(() => OaiMetadata.FromHashtable(new Hashtable { ["k"] = new string('v', 513) }));
        Assert.Contains("512", ex.Message);
    }

    [Fact]
    public void An_empty_key_is_refused() =>
        Assert.Throws<OaiArgumentException>(() => OaiMetadata.FromHashtable(new Hashtable { [""] = "v" }));

    [Fact]
    public void Values_become_strings_and_null_becomes_empty()
    {
        var m = OaiMetadata.FromHashtable(new Hashtable { ["n"] = 42, ["b"] = true, ["z"] = null })!;

        Assert.Equal("42", m["n"]);
        Assert.Equal("True", m["b"]);
        Assert.Equal("", m["z"]);
    }

    [Fact]
    public void Null_means_no_metadata_and_an_empty_table_means_empty_metadata()
    {
        Assert.Null(OaiMetadata.FromHashtable(null));
        Assert.Empty(OaiMetadata.FromHashtable(new Hashtable())!);
    }

    [Fact]
    public void Keys_keep_their_case()
    {
        var m = OaiMetadata.FromHashtable(new Hashtable { ["CostCenter"] = "1" })!;
        Assert.Equal("CostCenter", Assert.Single(m.Keys));
    }

    [Fact]
    public void From_copies_and_maps_null_or_empty_to_the_shared_empty_map()
    {
        var source = new Dictionary<string, string> { ["a"] = "1" };
        var copy = OaiMetadata.From(source);
        source["a"] = "changed";

        Assert.Equal("1", copy["a"]);
        Assert.Same(OaiMetadata.Empty, OaiMetadata.From(null));
        Assert.Same(OaiMetadata.Empty, OaiMetadata.From(new Dictionary<string, string>()));
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)copy).Add("b", "2"));
    }

    [Fact]
    public void A_value_that_is_not_a_single_value_is_refused_not_sent_as_its_type_name()
    {
        foreach (var bad in new object[] { new Hashtable { ["b"] = 1 }, new[] { 1, 2 }, new object() })
        {
            var ex = Assert.Throws<OaiArgumentException>(() => OaiMetadata.FromHashtable(new Hashtable { ["a"] = bad }));
            Assert.Contains("'a'", ex.Message);
        }
        Assert.Throws<OaiArgumentException>(() => OaiMetadata.FromHashtable(new Hashtable { [new Hashtable()] = "v" }));
    }

    [Fact]
    public void Numbers_switches_and_dates_are_written_the_same_on_every_culture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try
        {
            var m = OaiMetadata.FromHashtable(new Hashtable
            {
                ["d"] = 1.5, ["b"] = true, ["i"] = 42L, ["t"] = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            })!;
            Assert.Equal("1.5", m["d"]);
            Assert.Equal("True", m["b"]);
            Assert.Equal("42", m["i"]);
            Assert.Equal("2026-01-02T03:04:05.0000000+00:00", m["t"]);
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = saved; }
    }

    [Fact]
    public void Metadata_on_a_model_prints_as_sorted_pairs_whatever_map_it_was_given()
    {
        // Export-Csv and string expansion call ToString: a plain dictionary would print its type name.
        var thread = new OaiThread { Metadata = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" } };
        Assert.Equal("a=1; b=2", thread.Metadata.ToString());
        Assert.Equal("", new OaiThread().Metadata.ToString());
        Assert.Equal("2", thread.Metadata["b"]);
    }

    [Fact]
    public void A_messages_content_prints_as_its_parts()
    {
        var message = new OaiMessage
        {
            Content = new[] { new OaiMessageContent("text") { Text = "hello" }, new OaiMessageContent("image_file") { FileId = "file-1" } },
        };
        Assert.Equal("hello\nfile-1", message.Content.ToString());
        Assert.Equal(2, message.Content.Count);
    }
}
