using System.Text.RegularExpressions;

namespace PSAssistants.Client;

/// <summary>
/// Ids go into URL paths, so they are checked before any request: an id such as "../files" or
/// "a/b?c" would otherwise address another resource.
/// </summary>
internal static partial class OaiId
{
    // \z, not $: $ would also match before a final newline.
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    /// <summary>Returns the id, or throws an InvalidId error naming what it is.</summary>
    public static string Check(string? id, string what)
    {
        if (!IsValid(id))
        {
            throw new OaiApiException(OaiErrorKind.InvalidId,
                $"'{id}' is not a valid {what} id. Ids are 1 to 128 letters, digits, '_', '-' or '.', and never contain '/', '?' or '..'.");
        }
        return id!;
    }
}
