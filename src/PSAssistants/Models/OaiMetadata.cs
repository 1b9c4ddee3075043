using System.Collections;
using System.Collections.ObjectModel;
using PSAssistants.Client;

namespace PSAssistants;

/// <summary>Metadata maps: string to string, at most 16 pairs, keys up to 64 and values up to 512 characters.</summary>
internal static class OaiMetadata
{
    public const int MaxPairs = 16;
    public const int MaxKeyLength = 64;
    public const int MaxValueLength = 512;

    public static readonly IReadOnlyDictionary<string, string> Empty = new OaiMetadataMap(new Dictionary<string, string>());

    public static IReadOnlyDictionary<string, string> From(IDictionary<string, string>? source) =>
        source is null || source.Count == 0 ? Empty : new OaiMetadataMap(new Dictionary<string, string>(source));

    /// <summary>What a model's Metadata setter keeps: the map as it is when it is already one of ours, else a read-only copy.</summary>
    public static IReadOnlyDictionary<string, string> Wrap(IReadOnlyDictionary<string, string>? source) => source switch
    {
        OaiMetadataMap map => map,
        null or { Count: 0 } => Empty,
        _ => new OaiMetadataMap(source.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)),
    };

    /// <summary>Converts a user's hashtable, refusing what the API would refuse, before any request.</summary>
    public static Dictionary<string, string>? FromHashtable(IDictionary? table)
    {
        if (table is null) return null;
        if (table.Count > MaxPairs)
            throw new OaiArgumentException($"Metadata has {table.Count} pairs; the API allows at most {MaxPairs}.");
        var result = new Dictionary<string, string>(table.Count, StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            var key = entry.Key?.ToString() ?? "";
            var value = entry.Value?.ToString() ?? "";
            if (key.Length == 0 || key.Length > MaxKeyLength)
                throw new OaiArgumentException($"Metadata key '{key}' must be 1 to {MaxKeyLength} characters long.");
            if (value.Length > MaxValueLength)
                throw new OaiArgumentException($"Metadata value of '{key}' is {value.Length} characters long; the API allows at most {MaxValueLength}.");
            result[key] = value;
        }
        return result;
    }
}

/// <summary>
/// A read-only metadata map that prints as "key=value; key=value", so Export-Csv, string expansion and the
/// views show the pairs rather than a type name.
/// </summary>
public sealed class OaiMetadataMap : ReadOnlyDictionary<string, string>
{
    internal OaiMetadataMap(IDictionary<string, string> pairs) : base(pairs)
    {
    }

    public override string ToString() => string.Join("; ", this.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
