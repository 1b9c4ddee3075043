namespace PSAssistants;

/// <summary>A conversation: a thread on Assistants v2, a conversation on Responses.</summary>
public sealed class OaiThread : OaiObject
{
    public string Id { get; internal set; } = "";
    public DateTimeOffset CreatedAt { get; internal set; }
    /// <summary>The metadata pairs; prints as "key=value; key=value".</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get => _metadata;
        internal set => _metadata = OaiMetadata.Wrap(value);
    }

    private IReadOnlyDictionary<string, string> _metadata = OaiMetadata.Empty;

    public override string ToString() => Id;
}
