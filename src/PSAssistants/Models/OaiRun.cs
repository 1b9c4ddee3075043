namespace PSAssistants;

/// <summary>One run of an assistant on a thread (on Responses, a background response).</summary>
public sealed class OaiRun : OaiObject
{
    public string Id { get; internal set; } = "";
    public string ThreadId { get; internal set; } = "";
    public string? AssistantId { get; internal set; }

    /// <summary>
    /// The API's status string: queued, in_progress, requires_action, cancelling, cancelled, failed,
    /// completed, incomplete or expired.
    /// </summary>
    public string Status { get; internal set; } = "";

    public string? Instructions { get; internal set; }
    public string? Model { get; internal set; }
    public DateTimeOffset CreatedAt { get; internal set; }
    public DateTimeOffset? StartedAt { get; internal set; }
    public DateTimeOffset? CompletedAt { get; internal set; }
    public DateTimeOffset? CancelledAt { get; internal set; }
    public DateTimeOffset? FailedAt { get; internal set; }
    public DateTimeOffset? ExpiresAt { get; internal set; }
    public OaiRunError? LastError { get; internal set; }
    public string? IncompleteReason { get; internal set; }
    public OaiUsage? Usage { get; internal set; }
    public OaiRequiredAction? RequiredAction { get; internal set; }
    /// <summary>The metadata pairs; prints as "key=value; key=value".</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get => _metadata;
        internal set => _metadata = OaiMetadata.Wrap(value);
    }

    private IReadOnlyDictionary<string, string> _metadata = OaiMetadata.Empty;

    /// <summary>The server's own JSON of the run where the protocol maps it (Responses: the response object).</summary>
    public string? RawJson { get; internal set; }

    /// <summary>True once the run can change no more (completed, failed, cancelled, expired, incomplete).</summary>
    public bool IsTerminal => IsTerminalStatus(Status);

    public override string ToString() => Id;

    private protected override IEnumerable<OaiObject?> Parts => [RequiredAction];

    internal static bool IsTerminalStatus(string status) => OaiRunStatus.IsTerminal(status);
}

public sealed class OaiRunError : OaiObject
{
    public string? Code { get; internal set; }
    public string? Message { get; internal set; }

    public override string ToString() => Code is null ? Message ?? "" : $"{Code}: {Message}";
}

public sealed class OaiUsage : OaiObject
{
    public long PromptTokens { get; internal set; }
    public long CompletionTokens { get; internal set; }
    public long TotalTokens { get; internal set; }

    public override string ToString() => $"{TotalTokens} tokens ({PromptTokens} in, {CompletionTokens} out)";
}

/// <summary>What a run waits for in requires_action: tool calls to answer.</summary>
public sealed class OaiRequiredAction : OaiObject
{
    public string Type { get; internal set; } = "submit_tool_outputs";
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
    public string Id { get; internal set; } = "";
    public string RunId { get; internal set; } = "";
    public string ThreadId { get; internal set; } = "";

    /// <summary>The API's step type: message_creation or tool_calls.</summary>
    public string Type { get; internal set; } = "";

    /// <summary>The API's status: in_progress, cancelled, failed, completed or expired.</summary>
    public string? Status { get; internal set; }

    public string? MessageId { get; internal set; }
    public IReadOnlyList<OaiToolCall> ToolCalls { get; internal set; } = Array.Empty<OaiToolCall>();
    public DateTimeOffset? CreatedAt { get; internal set; }
    public DateTimeOffset? CompletedAt { get; internal set; }

    public override string ToString() => Id;

    private protected override IEnumerable<OaiObject?> Parts => ToolCalls;
}
