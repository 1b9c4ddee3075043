namespace PSAssistants;

/// <summary>A model the API offers (GET /models): its id, when it was made and who owns it.</summary>
public sealed class OaiModel : OaiObject
{
    /// <summary>The model id, as -Model takes it (gpt-5-mini, ft:...).</summary>
    public string Id { get; internal set; } = "";
    /// <summary>When the model was made.</summary>
    public DateTimeOffset Created { get; internal set; }
    /// <summary>The organization that owns the model (openai, system, or yours for a fine-tuned one).</summary>
    public string OwnedBy { get; internal set; } = "";

    /// <summary>When the model will be shut down, where the server has announced it.</summary>
    public DateTimeOffset? ShutdownDate { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => Id;
}
