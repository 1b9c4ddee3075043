namespace PSAssistants.Client;

/// <summary>
/// Header values the user gives (a key, a token, an organization or project) go on the wire as they are, so
/// one holding CR, LF or NUL could add a header of its own; such a value is refused where it is given.
/// </summary>
internal static class OaiHeaderValues
{
    /// <summary>Throws OaiArgumentException (OaiInvalidArgument) when <paramref name="value"/> holds CR, LF or NUL; never shows the value.</summary>
    public static void Check(string? value, string what)
    {
        if (value is not null && value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            throw new OaiArgumentException($"{what} holds a line break or NUL character, which would change the request's headers; it is refused.");
    }
}
