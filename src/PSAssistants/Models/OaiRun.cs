namespace PSAssistants;

/// <summary>One run of an assistant on a thread (on Responses, a background response).</summary>
public sealed class OaiRun : OaiObject
{
    /// <summary>The run's id: run_... on Assistants v2, resp_... (the background response) on Responses.</summary>
    public string Id { get; internal set; } = "";
    /// <summary>The thread (on Responses, the conversation) the run is on.</summary>
    public string ThreadId { get; internal set; } = "";
    /// <summary>The assistant the run was started with.</summary>
    public string? AssistantId { get; internal set; }

    /// <summary>
    /// The API's status string: queued, in_progress, requires_action, cancelling, cancelled, failed,
    /// completed, incomplete or expired.
    /// </summary>
    public string Status { get; internal set; } = "";

    /// <summary>The instructions the run used, after -Instructions and -AdditionalInstructions.</summary>
    public string? Instructions { get; internal set; }
    /// <summary>The model the run used.</summary>
    public string? Model { get; internal set; }
    /// <summary>When the run was created.</summary>
    public DateTimeOffset CreatedAt { get; internal set; }
    /// <summary>When the run started, where the server reports it.</summary>
    public DateTimeOffset? StartedAt { get; internal set; }
    /// <summary>When the run completed.</summary>
    public DateTimeOffset? CompletedAt { get; internal set; }
    /// <summary>When the run was cancelled.</summary>
    public DateTimeOffset? CancelledAt { get; internal set; }
    /// <summary>When the run failed.</summary>
    public DateTimeOffset? FailedAt { get; internal set; }
    /// <summary>When a run that waits (requires_action) expires.</summary>
    public DateTimeOffset? ExpiresAt { get; internal set; }
    /// <summary>Why the run failed, for a failed run.</summary>
    public OaiRunError? LastError { get; internal set; }
    /// <summary>Why the run ended incomplete, such as max_output_tokens.</summary>
    public string? IncompleteReason { get; internal set; }
    /// <summary>The tokens the run used, once it has ended.</summary>
    public OaiUsage? Usage { get; internal set; }
    /// <summary>What the run waits for in requires_action: tool calls to answer or MCP calls to approve.</summary>
    public OaiRequiredAction? RequiredAction { get; internal set; }
    /// <summary>The metadata pairs; prints as "key=value; key=value".</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get => _metadata;
        internal set => _metadata = OaiMetadata.Wrap(value);
    }

    private IReadOnlyDictionary<string, string> _metadata = OaiMetadata.Empty;

    /// <summary>The reply's text, once a run that Start-OaiRun -Wait or -Stream followed has completed.</summary>
    public string? OutputText { get; internal set; }

    /// <summary>
    /// The reply as an object when the run asked for JSON (-JsonSchema): an instance of the type given, else a
    /// PSCustomObject.
    /// </summary>
    public object? OutputObject { get; internal set; }

    /// <summary>The JSON schema the run's reply was asked to fit, as the server reports it; null for text.</summary>
    internal string? SchemaJson { get; set; }

    /// <summary>The server's own JSON of the run where the protocol maps it (Responses: the response object).</summary>
    public string? RawJson { get; internal set; }

    /// <summary>True once the run can change no more (completed, failed, cancelled, expired, incomplete).</summary>
    public bool IsTerminal => IsTerminalStatus(Status);

    /// <inheritdoc/>
    public override string ToString() => Id;

    private protected override IEnumerable<OaiObject?> Parts => [RequiredAction];

    internal static bool IsTerminalStatus(string status) => OaiRunStatus.IsTerminal(status);
}

/// <summary>Why a run failed: the API's error code and message.</summary>
public sealed class OaiRunError : OaiObject
{
    /// <summary>The API's error code, such as server_error or rate_limit_exceeded.</summary>
    public string? Code { get; internal set; }
    /// <summary>The API's message.</summary>
    public string? Message { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => Code is null ? Message ?? "" : $"{Code}: {Message}";
}

/// <summary>The tokens a run used.</summary>
public sealed class OaiUsage : OaiObject
{
    /// <summary>Tokens of input (instructions, thread and tool outputs).</summary>
    public long PromptTokens { get; internal set; }
    /// <summary>Tokens the model wrote.</summary>
    public long CompletionTokens { get; internal set; }
    /// <summary>Input and output tokens together.</summary>
    public long TotalTokens { get; internal set; }

    /// <summary>Input tokens read from the prompt cache, where the protocol reports them (Responses).</summary>
    public long? CachedTokens { get; internal set; }

    /// <summary>Output tokens spent on reasoning, where the protocol reports them (Responses); part of CompletionTokens.</summary>
    public long? ReasoningTokens { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"{TotalTokens} tokens ({PromptTokens} in, {CompletionTokens} out)";
}

/// <summary>What a run waits for in requires_action: tool calls to answer.</summary>
public sealed class OaiRequiredAction : OaiObject
{
    /// <summary>The API's action type: submit_tool_outputs.</summary>
    public string Type { get; internal set; } = "submit_tool_outputs";
    /// <summary>The calls to answer, all in one Submit-OaiToolOutput.</summary>
    public IReadOnlyList<OaiToolCall> ToolCalls { get; internal set; } = Array.Empty<OaiToolCall>();

    private protected override IEnumerable<OaiObject?> Parts => ToolCalls;
}

/// <summary>
/// A tool call of a run: a function call to answer, an MCP approval request (mcp_approval_request) to approve or
/// deny, or, in run steps, what a hosted tool did (web_search_call, image_generation_call, mcp_call,
/// mcp_list_tools, code_interpreter, file_search). Save-OaiFile saves the image of an image_generation_call.
/// </summary>
public sealed class OaiToolCall : OaiObject
{
    /// <summary>The call's id, which its output answers.</summary>
    public string Id { get; internal set; } = "";

    /// <summary>The API's type: function, mcp_approval_request, web_search_call, image_generation_call, mcp_call, ...</summary>
    public string Type { get; internal set; } = OaiToolType.Function;

    /// <summary>The function's or the MCP tool's name.</summary>
    public string? Name { get; internal set; }

    /// <summary>The arguments as the model wrote them: a JSON object in text.</summary>
    public string? Arguments { get; internal set; }

    /// <summary>What the call returned, where the server reports it (run steps, mcp_call).</summary>
    public string? Output { get; internal set; }

    /// <summary>The MCP server the call or approval request concerns.</summary>
    public string? ServerLabel { get; internal set; }

    /// <summary>The item's status as the server gave it (completed, failed, ...), where it gives one.</summary>
    public string? Status { get; internal set; }

    /// <summary>web_search_call: the query searched.</summary>
    public string? Query { get; internal set; }

    /// <summary>The thread and run the call belongs to, for Save-OaiFile to fetch a generated image.</summary>
    internal string? ThreadId { get; set; }

    internal string? RunId { get; set; }

    /// <summary>True for a request a user must approve or deny (Submit-OaiToolOutput -Approve/-Deny).</summary>
    public bool IsApprovalRequest => Type == "mcp_approval_request";

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        OaiToolType.Function => $"{Name}({Arguments})",
        "mcp_approval_request" or "mcp_call" => $"{Type} {ServerLabel}/{Name}({Arguments})",
        "web_search_call" => Query is null ? Type : $"{Type} '{Query}'",
        _ => $"{Type} {Id}",
    };
}

/// <summary>One step of a run: a message it wrote (message_creation) or tool calls it made (tool_calls).</summary>
public sealed class OaiRunStep : OaiObject
{
    /// <summary>The step's id (on Responses, the output item's id).</summary>
    public string Id { get; internal set; } = "";
    /// <summary>The run the step belongs to.</summary>
    public string RunId { get; internal set; } = "";
    /// <summary>The thread of the run.</summary>
    public string ThreadId { get; internal set; } = "";

    /// <summary>The API's step type: message_creation or tool_calls.</summary>
    public string Type { get; internal set; } = "";

    /// <summary>The API's status: in_progress, cancelled, failed, completed or expired.</summary>
    public string? Status { get; internal set; }

    /// <summary>The message a message_creation step wrote.</summary>
    public string? MessageId { get; internal set; }
    /// <summary>The calls a tool_calls step made, with their outputs where the server reports them.</summary>
    public IReadOnlyList<OaiToolCall> ToolCalls { get; internal set; } = Array.Empty<OaiToolCall>();
    /// <summary>When the step began.</summary>
    public DateTimeOffset? CreatedAt { get; internal set; }
    /// <summary>When the step completed.</summary>
    public DateTimeOffset? CompletedAt { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => Id;

    private protected override IEnumerable<OaiObject?> Parts => ToolCalls;
}
