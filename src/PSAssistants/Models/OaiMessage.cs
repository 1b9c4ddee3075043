namespace PSAssistants;

/// <summary>A message of a thread. <see cref="Text"/> joins all its text parts.</summary>
public sealed class OaiMessage
{
    public string Id { get; internal set; } = "";
    public string ThreadId { get; internal set; } = "";
    public string? RunId { get; internal set; }
    public string? AssistantId { get; internal set; }

    /// <summary>The API's role string: user or assistant (Responses may also say system or developer).</summary>
    public string Role { get; internal set; } = "";

    /// <summary>The API's status string: in_progress, incomplete or completed.</summary>
    public string? Status { get; internal set; }

    public string Text { get; internal set; } = "";
    public IReadOnlyList<OaiMessageContent> Content { get; internal set; } = Array.Empty<OaiMessageContent>();
    public DateTimeOffset? CreatedAt { get; internal set; }
    public IReadOnlyDictionary<string, string> Metadata { get; internal set; } = OaiMetadata.Empty;

    public override string ToString() => Text;

    internal static string JoinText(IEnumerable<OaiMessageContent> parts) =>
        string.Join("\n", parts.Where(p => p.Text is not null).Select(p => p.Text));
}

/// <summary>One part of a message's content: text, an image file, an image URL or a refusal.</summary>
public sealed class OaiMessageContent
{
    public OaiMessageContent(string type) => Type = type;

    /// <summary>The API's part type: text, image_file, image_url, refusal (Responses: input_text, output_text, ...).</summary>
    public string Type { get; }

    public string? Text { get; init; }
    public string? FileId { get; init; }
    public string? ImageUrl { get; init; }
    public string? Refusal { get; init; }

    public override string ToString() => Text ?? Refusal ?? FileId ?? ImageUrl ?? Type;
}
