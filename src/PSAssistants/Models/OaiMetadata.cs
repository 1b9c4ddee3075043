using System.Collections;
using System.Collections.ObjectModel;
using System.Globalization;
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
            var key = Scalar(entry.Key, "key", null);
            var value = Scalar(entry.Value, "value", key);
            if (key.Length == 0 || key.Length > MaxKeyLength)
                throw new OaiArgumentException($"Metadata key '{key}' must be 1 to {MaxKeyLength} characters long.");
            if (value.Length > MaxValueLength)
                throw new OaiArgumentException($"Metadata value of '{key}' is {value.Length} characters long; the API allows at most {MaxValueLength}.");
            result[key] = value;
        }
        return result;
    }

    /// <summary>
    /// A key or value as the text the API stores. Only a single value (text, a number, a switch, a date, an enum
    /// or a GUID) has one: a hashtable, list or object would reach the server as its type name
    /// ("System.Collections.Hashtable"), so it is refused. Numbers and dates are written the same on every culture.
    /// </summary>
    private static string Scalar(object? raw, string what, string? key)
    {
        var value = Unwrapped(raw);
        return value switch
        {
            null => "",
            string s => s,
            char or bool or Enum or Guid or Uri => value.ToString() ?? "",
            DateTime d => d.ToString("o", CultureInfo.InvariantCulture),
            DateTimeOffset d => d.ToString("o", CultureInfo.InvariantCulture),
            IFormattable f when value.GetType().IsPrimitive || value is decimal or System.Numerics.BigInteger =>
                f.ToString(null, CultureInfo.InvariantCulture),
            _ => throw new OaiArgumentException(key is null
                ? $"A metadata key is a {value.GetType().Name}; keys must be text."
                : $"The metadata value of '{key}' is a {value.GetType().Name}; values must be text or a single number, switch or date (the API stores strings)."),
        };
    }

    /// <summary>
    /// The value inside a PowerShell wrapper. Kept apart and not inlined so that code with no PowerShell loaded
    /// (the xunit tests) never needs System.Management.Automation for plain values.
    /// </summary>
    private static object? Unwrapped(object? raw) =>
        raw?.GetType().FullName == "System.Management.Automation.PSObject" ? BaseOf(raw) : raw;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static object? BaseOf(object raw) => raw is System.Management.Automation.PSObject pso ? pso.BaseObject : raw;
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

    /// <inheritdoc/>
    public override string ToString() => string.Join("; ", this.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
