namespace PSAssistants;

/// <summary>A conversation: a thread on Assistants v2, a conversation on Responses.</summary>
public sealed class OaiThread : OaiObject
{
    public string Id { get; internal set; } = "";
    public DateTimeOffset CreatedAt { get; internal set; }
    public IReadOnlyDictionary<string, string> Metadata { get; internal set; } = OaiMetadata.Empty;

    public override string ToString() => Id;
}
