namespace PSAssistants;

/// <summary>A file uploaded to the API (the reference's OpenAIFile), the same on both protocols.</summary>
public sealed class OaiFile : OaiObject
{
    /// <summary>The file's id, such as file-abc123.</summary>
    public string Id { get; internal set; } = "";

    /// <summary>The name the server keeps for the file. It comes from the server: Save-OaiFile never uses it as a path.</summary>
    public string FileName { get; internal set; } = "";

    /// <summary>The size of the file in bytes.</summary>
    public long Bytes { get; internal set; }

    /// <summary>The API's purpose string: assistants, assistants_output, user_data, vision, batch, fine-tune, ...</summary>
    public string Purpose { get; internal set; } = "";

    /// <summary>The API's (deprecated) status string: uploaded, processed or error; null when the server sends none.</summary>
    public string? Status { get; internal set; }

    /// <summary>When the file was uploaded.</summary>
    public DateTimeOffset CreatedAt { get; internal set; }

    /// <summary>When the file expires, if it has an expiration policy.</summary>
    public DateTimeOffset? ExpiresAt { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => Id;
}
