namespace PSAssistants;

/// <summary>An assistant: a model with instructions and tools. On Responses it is kept on the client.</summary>
public sealed class OaiAssistant : OaiObject
{
    public string Id { get; internal set; } = "";
    public string? Name { get; internal set; }
    public string? Description { get; internal set; }
    public string Model { get; internal set; } = "";
    public string? Instructions { get; internal set; }
    public IReadOnlyList<OaiTool> Tools { get; internal set; } = Array.Empty<OaiTool>();
    public double? Temperature { get; internal set; }
    public double? TopP { get; internal set; }
    public DateTimeOffset CreatedAt { get; internal set; }
    /// <summary>The metadata pairs; prints as "key=value; key=value".</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get => _metadata;
        internal set => _metadata = OaiMetadata.Wrap(value);
    }

    private IReadOnlyDictionary<string, string> _metadata = OaiMetadata.Empty;

    /// <summary>A stored prompt (Responses only) that the assistant runs with: pmpt_... .</summary>
    public string? PromptId { get; internal set; }

    public string? PromptVersion { get; internal set; }

    public override string ToString() => Id;
}

/// <summary>A tool an assistant may use: code_interpreter, file_search or a function.</summary>
public sealed class OaiTool : OaiObject
{
    public OaiTool(string type) => Type = type;

    /// <summary>The API's tool type: code_interpreter, file_search or function.</summary>
    public string Type { get; }

    /// <summary>The function's name (function tools only).</summary>
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The JSON schema of the function's parameters, as JSON text.</summary>
    public string? ParametersJson { get; init; }

    public bool? Strict { get; init; }

    /// <summary>
    /// What answers calls of a function tool in this process: a CommandInfo or a ScriptBlock. It is never sent
    /// to the server nor stored; the model can only call what the user handed over this way or by name.
    /// </summary>
    public object? Handler { get; init; }

    /// <summary>The files the code_interpreter tool may read (Assistants v2 tool_resources; the container's file_ids on Responses).</summary>
    public IReadOnlyList<string> FileIds { get; init; } = Array.Empty<string>();

    /// <summary>The vector stores the file_search tool searches (Assistants v2 tool_resources; the tool's vector_store_ids on Responses).</summary>
    public IReadOnlyList<string> VectorStoreIds { get; init; } = Array.Empty<string>();

    public override string ToString() => Name is null ? Type : $"{Type}:{Name}";
}
