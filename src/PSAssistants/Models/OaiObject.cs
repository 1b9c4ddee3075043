namespace PSAssistants;

/// <summary>
/// Base of every object the API gives back (threads, messages, runs, assistants, files, vector stores and
/// their parts). It remembers the session that made it, so that a cmdlet handed the object without -Session
/// talks to the same server with the same key. The reference is internal on purpose: it is no property, so
/// views, ConvertTo-Json, Export-Csv and Export-Clixml never see it, and a deserialized copy simply has none.
/// </summary>
public abstract class OaiObject
{
    private OaiSession? _session;

    /// <summary>The session that made this object, or null (made by hand, or not yet written out).</summary>
    internal OaiSession? Session => _session;

    /// <summary>
    /// Stamped once, by OaiCmdlet.Emit, when a cmdlet writes the object; the first session wins, so passing an
    /// object on never re-homes it. The parts the object holds are stamped with it.
    /// </summary>
    internal void Remember(OaiSession session)
    {
        if (_session is not null) return;
        _session = session;
        foreach (var part in Parts) part?.Remember(session);
    }

    /// <summary>
    /// The objects this one holds that can travel on their own (a message's content parts and their
    /// annotations): override where a type has such parts so they remember the session too.
    /// </summary>
    private protected virtual IEnumerable<OaiObject?> Parts => Array.Empty<OaiObject?>();
}
