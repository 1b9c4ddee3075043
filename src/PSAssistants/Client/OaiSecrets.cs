using System.Collections.Concurrent;

namespace PSAssistants.Client;

/// <summary>
/// Secret values this process has been handed (API keys, access tokens, MCP header values), so that text on its way to a user — verbose
/// and debug lines, error messages, a run's raw JSON — never repeats one, whatever the server echoes. Process-wide
/// on purpose: a secret seen in one runspace must not surface in another's log either.
/// </summary>
internal static class OaiSecrets
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>Shorter values would mask ordinary words; such a value is refused where it is given (New-OaiTool -Header).</summary>
    public const int MinLength = 4;

    private static readonly ConcurrentDictionary<string, byte> s_values = new(StringComparer.Ordinal);
    private static volatile string[] s_sorted = Array.Empty<string>();

    public static void Register(string value)
    {
        if (value.Length < MinLength || !s_values.TryAdd(value, 0)) return;
        // Longest first, so a secret that contains another is masked whole.
        s_sorted = s_values.Keys.OrderByDescending(v => v.Length).ToArray();
    }

    /// <summary>The text with every known secret masked; the same instance when none occurs (the common case).</summary>
    public static string Redact(string text)
    {
        var values = s_sorted;
        if (values.Length == 0 || string.IsNullOrEmpty(text)) return text;
        foreach (var v in values)
        {
            if (text.Contains(v, StringComparison.Ordinal)) text = text.Replace(v, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>
    /// How many characters at the end of <paramref name="text"/> could be the start of a secret (the longest such end,
    /// shorter than the secret): what a stream written piece by piece holds back until the next piece shows whether
    /// a secret follows. 0 for ordinary text, which is then written at once.
    /// </summary>
    public static int PossibleStartAtEnd(string text)
    {
        var best = 0;
        foreach (var v in s_sorted)
        {
            // Earliest start first, so the first match is the longest end for this secret.
            for (var i = Math.Max(0, text.Length - (v.Length - 1)); i < text.Length - best; i++)
            {
                if (text[i] == v[0] && text.AsSpan(i).SequenceEqual(v.AsSpan(0, text.Length - i)))
                {
                    best = text.Length - i;
                    break;
                }
            }
        }
        return best;
    }

    /// <summary><see cref="Redact(string)"/> for a value the server may have left out.</summary>
    public static string? RedactOrNull(string? text) => text is null ? null : Redact(text);

    public static bool Contains(string text)
    {
        foreach (var v in s_sorted)
        {
            if (text.Contains(v, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}

/// <summary>
/// MCP header values of assistants defined in this process, by assistant id and server label. An assistant kept
/// in the local store (Responses) keeps only the header names; the values live here, like the commands behind
/// function tools, and a new process hands them over again (New-OaiTool -Mcp -Header with -Tool).
/// </summary>
internal static class McpHeaders
{
    private static readonly ConcurrentDictionary<(string AssistantId, string Label), IReadOnlyDictionary<string, string>> s_headers = new();

    public static void Register(string assistantId, IEnumerable<OaiTool> tools)
    {
        foreach (var tool in tools.Where(t => t.Type == OaiToolType.Mcp && t.ServerLabel is not null && t.Headers is { Count: > 0 }))
            s_headers[(assistantId, tool.ServerLabel!)] = tool.Headers!;
    }

    public static IReadOnlyDictionary<string, string>? Find(string? assistantId, string? label) =>
        assistantId is not null && label is not null && s_headers.TryGetValue((assistantId, label), out var h) ? h : null;
}
