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

public sealed class OaiToolCall : OaiObject
{
    public string Id { get; internal set; } = "";
    public string Type { get; internal set; } = OaiToolType.Function;
    public string? Name { get; internal set; }

    /// <summary>The arguments as the model wrote them: a JSON object in text.</summary>
    public string? Arguments { get; internal set; }

    /// <summary>What the call returned, where the server reports it (run steps).</summary>
    public string? Output { get; internal set; }

    public override string ToString() => $"{Name}({Arguments})";
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
