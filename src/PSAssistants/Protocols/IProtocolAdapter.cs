using PSAssistants.Client;
using PSAssistants.Protocols.Common;

namespace PSAssistants.Protocols;

/// <summary>
/// What every cmdlet asks of a protocol. Each adapter turns these calls into its own wire format
/// (Assistants v2 or Responses + Conversations) and its answers into the same model objects,
/// so that a user's script does not change when the protocol does.
/// </summary>
internal interface IProtocolAdapter
{
    OaiProtocol Protocol { get; }

    /// <summary>
    /// Whether a stream attached to a run already under way replays its events from the start (Responses), so a
    /// wait on a run in hand needs no fresh read first; false where attaching is not possible (Assistants v2).
    /// </summary>
    bool ReplaysRunStream { get; }

    /// <summary>
    /// Whether answering a run's tool calls continues that same run under its id (Assistants v2), or starts a new
    /// run (Responses: a new response on the conversation, while the one that asked never changes). A wait whose
    /// stream after the answers breaks before its first event reads the same run again in the first case, and
    /// sends the answers again with their Idempotency-Key in the second.
    /// </summary>
    bool ToolOutputsContinueRun { get; }

    /// <summary>Refuses (OaiNotSupported) run settings this protocol's wire has no field for, before any request.</summary>
    void CheckRunSettings(OaiRunSettings settings);

    /// <summary>
    /// Whether assistants are definitions kept on the client (Responses), so a run can use one made for it alone,
    /// and listing them reads a file and sends no request (tab completion lists them all only then).
    /// </summary>
    bool AssistantsAreLocal { get; }

    /// <summary>Files, containers and vector stores: the same endpoints on both protocols.</summary>
    FilesApi Files { get; }

    Task<OaiAssistant> CreateAssistantAsync(AssistantCreateOptions options, CancellationToken ct);
    Task<OaiAssistant> GetAssistantAsync(string assistantId, CancellationToken ct);
    IAsyncEnumerable<OaiAssistant> ListAssistantsAsync(ListOptions options, CancellationToken ct);
    Task DeleteAssistantAsync(string assistantId, CancellationToken ct);

    Task<OaiAssistant> UpdateAssistantAsync(string assistantId, AssistantUpdateOptions options, CancellationToken ct);

    /// <summary>
    /// Brings an exported definition in: kept with its id where assistants live on the client (Responses;
    /// <paramref name="replace"/> overwrites one with the same id), created anew on the server elsewhere.
    /// </summary>
    Task<OaiAssistant> ImportAssistantAsync(OaiAssistant assistant, bool replace, CancellationToken ct);

    Task<OaiThread> CreateThreadAsync(ThreadCreateOptions options, CancellationToken ct);
    Task<OaiThread> UpdateThreadAsync(string threadId, IReadOnlyDictionary<string, string> metadata, CancellationToken ct);
    Task<OaiThread> GetThreadAsync(string threadId, CancellationToken ct);
    Task DeleteThreadAsync(string threadId, CancellationToken ct);

    Task<OaiMessage> AddMessageAsync(string threadId, MessageCreateOptions options, CancellationToken ct);
    Task<OaiMessage> GetMessageAsync(string threadId, string messageId, CancellationToken ct);
    Task<OaiMessage> UpdateMessageAsync(string threadId, string messageId, IReadOnlyDictionary<string, string> metadata, CancellationToken ct);
    Task DeleteMessageAsync(string threadId, string messageId, CancellationToken ct);

    /// <summary>Messages of a thread, or only those a run produced when <paramref name="runId"/> is set.</summary>
    IAsyncEnumerable<OaiMessage> ListMessagesAsync(string threadId, string? runId, ListOptions options, CancellationToken ct);

    Task<OaiRun> CreateRunAsync(string threadId, RunCreateOptions options, CancellationToken ct);
    Task<OaiRun> GetRunAsync(string threadId, string runId, CancellationToken ct);
    IAsyncEnumerable<OaiRun> ListRunsAsync(string threadId, ListOptions options, CancellationToken ct);
    Task<OaiRun> CancelRunAsync(string threadId, string runId, CancellationToken ct);

    /// <summary>The steps of a run: the messages it wrote and the tool calls it made, with their outputs where known.</summary>
    IAsyncEnumerable<OaiRunStep> ListRunStepsAsync(string threadId, string runId, ListOptions options, CancellationToken ct);

    /// <summary>Creates a thread with messages and starts a run on it, streamed when <paramref name="stream"/> is set.</summary>
    Task<RunStart> CreateThreadAndRunAsync(ThreadCreateOptions thread, RunCreateOptions run, bool stream, CancellationToken ct);

    /// <summary>Creates a run and streams its events (or returns the run when the server does not stream).</summary>
    Task<RunStart> StartRunStreamAsync(string threadId, RunCreateOptions options, CancellationToken ct);

    /// <summary>
    /// Streams an existing run's events after <paramref name="afterSequence"/>, where the protocol can attach
    /// to a run in progress (Responses); null where it cannot (Assistants v2), so the caller polls.
    /// </summary>
    Task<RunStart?> ResumeRunStreamAsync(OaiRun run, long? afterSequence, CancellationToken ct);

    /// <summary>
    /// Answers the tool calls of a run in requires_action, all in one request, and streams what follows
    /// (or, with <paramref name="stream"/> false, returns the run at once). On Responses the answer is a new
    /// response on the same conversation, so the run that continues has a new id.
    /// </summary>
    Task<RunStart> SubmitToolOutputsAsync(OaiRun run, IReadOnlyList<ToolOutput> outputs, bool stream, CancellationToken ct);

    /// <summary>The purpose files given to a message (-FilePath) are uploaded with: what the protocol reads them as.</summary>
    string MessageFilePurpose { get; }

    /// <summary>
    /// Writes one image a run made (an image_generation_call item) into <paramref name="destination"/>, reading
    /// only that item, so that saving many images holds one at a time. Where the protocol has no such tool,
    /// OaiNotSupported.
    /// </summary>
    Task DownloadGeneratedImageAsync(string threadId, string itemId, Stream destination, CancellationToken ct);
}

/// <summary>
/// The answer to one item a run waits for: a tool call's output as text (JSON for structured results), or,
/// with <see cref="Approve"/> set, the answer to an MCP approval request (Output is then empty).
/// </summary>
internal sealed record ToolOutput(string CallId, string Output)
{
    public bool? Approve { get; init; }
}

/// <summary>An image in a message: an uploaded file (file id) or a URL, with the detail the model looks at it in.</summary>
internal sealed record ImageInput(string? FileId, string? Url, string Detail = "auto");

internal static class ProtocolAdapters
{
    public static IProtocolAdapter Create(OaiSession session, System.Net.Http.HttpMessageInvoker http) => session.Protocol switch
    {
        OaiProtocol.Assistants => new AssistantsV2.AssistantsV2Adapter(session, http),
        _ => new Responses.ResponsesAdapter(session, http),
    };
}

/// <summary>Paging and ordering of a list. <see cref="First"/> caps how many items are returned in all.</summary>
internal sealed record ListOptions
{
    public string Order { get; init; } = "asc";
    public int? First { get; init; }
    public string? After { get; init; }
    public string? Before { get; init; }

    /// <summary>Page size: as large as the API allows, unless fewer are wanted in all.</summary>
    public int PageSize => First is { } f && f < 100 ? Math.Max(f, 1) : 100;
}

internal sealed record AssistantCreateOptions
{
    /// <summary>Required unless a stored prompt (Responses only) supplies it.</summary>
    public string? Model { get; init; }
    public string? PromptId { get; init; }
    public string? PromptVersion { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Instructions { get; init; }
    public IReadOnlyList<OaiTool> Tools { get; init; } = Array.Empty<OaiTool>();
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }

    /// <summary>Reasoning, limits, tool choice, schema and extra body fields of the assistant's runs.</summary>
    public OaiRunSettings Settings { get; init; } = OaiRunSettings.Empty;
}

internal sealed record ThreadCreateOptions
{
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Messages the thread starts with.</summary>
    public IReadOnlyList<MessageCreateOptions> Messages { get; init; } = Array.Empty<MessageCreateOptions>();
}

/// <summary>What Set-OaiAssistant changes; null leaves a field as it is.</summary>
internal sealed record AssistantUpdateOptions
{
    public string? Model { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Instructions { get; init; }
    public IReadOnlyList<OaiTool>? Tools { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }

    /// <summary>Settings to change: each one set replaces the assistant's, the others stay.</summary>
    public OaiRunSettings Settings { get; init; } = OaiRunSettings.Empty;
}

internal sealed record MessageCreateOptions
{
    public required string Content { get; init; }
    public string Role { get; init; } = "user";
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Files to attach (Assistants v2 attachments; Responses input_file parts).</summary>
    public IReadOnlyList<string> FileIds { get; init; } = Array.Empty<string>();

    /// <summary>The tools the files are for: code_interpreter and/or file_search; empty means the protocol's default.</summary>
    public IReadOnlyList<string> AttachTo { get; init; } = Array.Empty<string>();

    /// <summary>Images the message shows the model (image parts on Assistants v2, input_image parts on Responses).</summary>
    public IReadOnlyList<ImageInput> Images { get; init; } = Array.Empty<ImageInput>();
}

internal sealed record RunCreateOptions
{
    /// <summary>The assistant: its id on Assistants v2; the full definition is used where known.</summary>
    public required string AssistantId { get; init; }
    public OaiAssistant? Assistant { get; init; }
    public string? Model { get; init; }
    public string? Instructions { get; init; }
    public string? AdditionalInstructions { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>This run's settings; each one set wins over the assistant's.</summary>
    public OaiRunSettings Settings { get; init; } = OaiRunSettings.Empty;

    /// <summary>Tools for this run instead of the assistant's (Start-OaiRun -Tool); null keeps the assistant's.</summary>
    public IReadOnlyList<OaiTool>? Tools { get; init; }

    /// <summary>
    /// The instructions the run goes with, by one rule on both protocols: -Instructions, else the assistant's
    /// (<paramref name="assistantInstructions"/>), then -AdditionalInstructions after a blank line.
    /// </summary>
    public string? InstructionsFor(string? assistantInstructions)
    {
        var instructions = Instructions ?? assistantInstructions;
        if (AdditionalInstructions is null) return instructions;
        return string.IsNullOrEmpty(instructions) ? AdditionalInstructions : instructions + "\n\n" + AdditionalInstructions;
    }
}
