namespace PSAssistants;

/// <summary>A model the API offers (GET /models): its id, when it was made and who owns it.</summary>
public sealed class OaiModel : OaiObject
{
    public string Id { get; internal set; } = "";
    public DateTimeOffset Created { get; internal set; }
    public string OwnedBy { get; internal set; } = "";

    /// <summary>When the model will be shut down, where the server has announced it.</summary>
    public DateTimeOffset? ShutdownDate { get; internal set; }

    public override string ToString() => Id;
}
