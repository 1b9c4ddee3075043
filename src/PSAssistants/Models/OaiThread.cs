namespace PSAssistants;

/// <summary>A conversation: a thread on Assistants v2, a conversation on Responses.</summary>
public sealed class OaiThread : OaiObject
{
    /// <summary>The thread's id: thread_... on Assistants v2, conv_... (the conversation) on Responses.</summary>
    public string Id { get; internal set; } = "";
    /// <summary>When the thread was created.</summary>
    public DateTimeOffset CreatedAt { get; internal set; }
    /// <summary>The metadata pairs; prints as "key=value; key=value".</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get => _metadata;
        internal set => _metadata = OaiMetadata.Wrap(value);
    }

    private IReadOnlyDictionary<string, string> _metadata = OaiMetadata.Empty;

    /// <inheritdoc/>
    public override string ToString() => Id;
}
