namespace PSAssistants;

/// <summary>A message of a thread. <see cref="Text"/> joins all its text parts.</summary>
public sealed class OaiMessage : OaiObject
{
    /// <summary>The message's id (msg_...).</summary>
    public string Id { get; internal set; } = "";
    /// <summary>The thread (on Responses, the conversation) the message belongs to.</summary>
    public string ThreadId { get; internal set; } = "";
    /// <summary>The run that wrote the message, for an assistant's message where known.</summary>
    public string? RunId { get; internal set; }
    /// <summary>The assistant that wrote the message, where known.</summary>
    public string? AssistantId { get; internal set; }

    /// <summary>The API's role string: user or assistant (Responses may also say system or developer).</summary>
    public string Role { get; internal set; } = "";

    /// <summary>The API's status string: in_progress, incomplete or completed.</summary>
    public string? Status { get; internal set; }

    /// <summary>The text of all text parts, joined: what a script usually wants of a message.</summary>
    public string Text { get; internal set; } = "";
    /// <summary>The parts of the message; prints as the parts' text, one per line.</summary>
    public IReadOnlyList<OaiMessageContent> Content
    {
        get => _content;
        internal set => _content = value as OaiMessageContentList
            ?? new OaiMessageContentList(value as IList<OaiMessageContent> ?? value?.ToList() ?? new List<OaiMessageContent>());
    }

    private IReadOnlyList<OaiMessageContent> _content = new OaiMessageContentList(Array.Empty<OaiMessageContent>());
    /// <summary>When the message was created, where the server or the session knows it.</summary>
    public DateTimeOffset? CreatedAt { get; internal set; }
    /// <summary>The metadata pairs; prints as "key=value; key=value".</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get => _metadata;
        internal set => _metadata = OaiMetadata.Wrap(value);
    }

    private IReadOnlyDictionary<string, string> _metadata = OaiMetadata.Empty;

    /// <summary>The images the message shows: a file id (file-...) or a URL per image part.</summary>
    public IReadOnlyList<string> Images => new OaiPrintableList<string>(Content.Where(c => c.IsImage).Select(c => c.FileId ?? c.ImageUrl ?? "").ToList());

    /// <summary>The web pages the message cites (url_citation annotations: Url, Title, StartIndex, EndIndex).</summary>
    public IReadOnlyList<OaiMessageAnnotation> UrlCitations =>
        new OaiPrintableList<OaiMessageAnnotation>(Content.SelectMany(c => c.Annotations).Where(a => a.Type == "url_citation").ToList());

    /// <inheritdoc/>
    public override string ToString() => Text;

    private protected override IEnumerable<OaiObject?> Parts => Content;

    internal static string JoinText(IEnumerable<OaiMessageContent> parts) =>
        string.Join("\n", parts.Where(p => p.Text is not null).Select(p => p.Text));
}

/// <summary>
/// The parts of a message, printed as their text (or file id, URL or type) one per line, so Export-Csv and
/// string expansion show the content rather than a type name.
/// </summary>
public sealed class OaiMessageContentList : System.Collections.ObjectModel.ReadOnlyCollection<OaiMessageContent>
{
    internal OaiMessageContentList(IList<OaiMessageContent> parts) : base(parts)
    {
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join("\n", this.Select(p => p.ToString()));
}

/// <summary>A list printed as its items joined by "; ", so Export-Csv and string expansion show the items, not a type name.</summary>
public sealed class OaiPrintableList<T> : System.Collections.ObjectModel.ReadOnlyCollection<T>
{
    internal OaiPrintableList(IList<T> items) : base(items)
    {
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join("; ", this.Select(i => i?.ToString()));
}

/// <summary>One part of a message's content: text, an image file, an image URL or a refusal.</summary>
public sealed class OaiMessageContent : OaiObject
{
    /// <summary>A part of the given type (text, image_file, image_url, input_file, refusal, ...).</summary>
    public OaiMessageContent(string type) => Type = type;

    /// <summary>The API's part type: text, image_file, image_url, refusal (Responses: input_text, output_text, ...).</summary>
    public string Type { get; }

    /// <summary>The text of a text part.</summary>
    public string? Text { get; init; }
    /// <summary>The file of an image_file or input_file part.</summary>
    public string? FileId { get; init; }
    /// <summary>The address of an image_url part.</summary>
    public string? ImageUrl { get; init; }

    /// <summary>An image part's detail: auto, low or high.</summary>
    public string? Detail { get; init; }

    /// <summary>The model's refusal, for a refusal part.</summary>
    public string? Refusal { get; init; }

    /// <summary>True for an image part (image_file or image_url on Assistants v2, input_image on Responses).</summary>
    public bool IsImage => Type is "image_file" or "image_url" or "input_image";

    /// <summary>The file name a part names (Responses input_file parts), as the server gave it.</summary>
    public string? FileName { get; init; }

    /// <summary>
    /// The annotations of a text part: file citations (file_search) and the files a code interpreter made
    /// (file_path on Assistants v2, container_file_citation on Responses). Save-OaiFile saves the latter.
    /// </summary>
    public IReadOnlyList<OaiMessageAnnotation> Annotations { get; init; } = Array.Empty<OaiMessageAnnotation>();

    /// <inheritdoc/>
    public override string ToString() => Text ?? Refusal ?? FileId ?? ImageUrl ?? Type;

    private protected override IEnumerable<OaiObject?> Parts => Annotations;
}

/// <summary>An annotation of a text part: a file citation, a file path, a container file citation or a URL citation.</summary>
public sealed class OaiMessageAnnotation : OaiObject
{
    /// <summary>An annotation of the given type (file_citation, file_path, url_citation, container_file_citation).</summary>
    public OaiMessageAnnotation(string type) => Type = type;

    /// <summary>The API's annotation type: file_citation, file_path, container_file_citation or url_citation.</summary>
    public string Type { get; }

    /// <summary>The text of the message the annotation replaces, such as sandbox:/mnt/data/chart.png (Assistants v2).</summary>
    public string? Text { get; init; }

    /// <summary>The file cited or made: a file id (file-...), or a container file id (cfile_...) when <see cref="ContainerId"/> is set.</summary>
    public string? FileId { get; init; }

    /// <summary>The code interpreter container that holds the file (Responses container_file_citation).</summary>
    public string? ContainerId { get; init; }

    /// <summary>The file name the server gave (Responses). Save-OaiFile never uses it as a path.</summary>
    public string? FileName { get; init; }

    /// <summary>Where the annotated text starts in the part's text.</summary>
    public int? StartIndex { get; init; }
    /// <summary>Where the annotated text ends in the part's text.</summary>
    public int? EndIndex { get; init; }

    /// <summary>The position in the text (Responses file_citation and file_path).</summary>
    public int? Index { get; init; }

    /// <summary>The cited web page (url_citation).</summary>
    public string? Url { get; init; }

    /// <summary>The title of a cited web page (url_citation).</summary>
    public string? Title { get; init; }

    /// <summary>True for the files a code interpreter made (file_path, container_file_citation), which Save-OaiFile saves from a message.</summary>
    public bool IsGeneratedFile => Type is "file_path" or "container_file_citation";

    /// <inheritdoc/>
    public override string ToString() => FileId ?? Url ?? Type;
}
