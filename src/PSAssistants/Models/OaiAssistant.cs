namespace PSAssistants;

/// <summary>An assistant: a model with instructions and tools. On Responses it is kept on the client.</summary>
public sealed class OaiAssistant : OaiObject
{
    /// <summary>The assistant's id: asst_... on Assistants v2, asst_local_... in the local store on Responses.</summary>
    public string Id { get; internal set; } = "";
    /// <summary>The name, up to 256 characters; assistants can be taken by name wherever an assistant is asked for.</summary>
    public string? Name { get; internal set; }
    /// <summary>A description, up to 512 characters.</summary>
    public string? Description { get; internal set; }
    /// <summary>The model the assistant runs on, such as gpt-4o.</summary>
    public string Model { get; internal set; } = "";
    /// <summary>The system instructions every run starts with, unless a run replaces them (Start-OaiRun -Instructions).</summary>
    public string? Instructions { get; internal set; }
    /// <summary>The tools the assistant may use: function tools, code_interpreter, file_search and the hosted tools.</summary>
    public IReadOnlyList<OaiTool> Tools { get; internal set; } = Array.Empty<OaiTool>();
    /// <summary>Sampling temperature (0 to 2), or null for the server's default.</summary>
    public double? Temperature { get; internal set; }
    /// <summary>Nucleus sampling (0 to 1), or null for the server's default.</summary>
    public double? TopP { get; internal set; }
    /// <summary>When the assistant was created.</summary>
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

    /// <summary>The version of the stored prompt (Responses), or null for its current version.</summary>
    public string? PromptVersion { get; internal set; }

    /// <summary>Reasoning, limits, tool choice and the answer's JSON schema that runs of this assistant go with.</summary>
    public OaiRunSettings RunSettings { get; internal set; } = OaiRunSettings.Empty;

    /// <inheritdoc/>
    public override string ToString() => Id;
}

/// <summary>
/// A tool an assistant or a run may use: code_interpreter, file_search, a function, or a hosted tool of the
/// Responses protocol (web_search, image_generation, mcp). Made by New-OaiTool, New-OaiFunctionTool or a name.
/// </summary>
public sealed class OaiTool : OaiObject
{
    /// <summary>A tool of the given type (function, code_interpreter, file_search, ...).</summary>
    public OaiTool(string type) => Type = type;

    /// <summary>The API's tool type: code_interpreter, file_search, function, web_search, image_generation or mcp.</summary>
    public string Type { get; }

    /// <summary>The function's name (function tools only).</summary>
    public string? Name { get; init; }

    /// <summary>What a function tool does, as the model reads it.</summary>
    public string? Description { get; init; }

    /// <summary>The JSON schema of the function's parameters, as JSON text.</summary>
    public string? ParametersJson { get; init; }

    /// <summary>Whether the model must follow the function's JSON schema exactly; null leaves it to the server.</summary>
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

    /// <summary>code_interpreter (Responses): an existing container (cntr_...) instead of a new one.</summary>
    public string? ContainerId { get; init; }

    /// <summary>code_interpreter (Responses): the memory of a new container: 1g, 4g, 16g or 64g.</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>file_search: the most results a search returns (1 to 50).</summary>
    public int? MaxNumResults { get; init; }

    /// <summary>file_search (Responses): the attribute filter, as JSON text.</summary>
    public string? FilterJson { get; init; }

    /// <summary>web_search: the domains it may search (subdomains included); empty means any.</summary>
    public IReadOnlyList<string> AllowedDomains { get; init; } = Array.Empty<string>();

    /// <summary>web_search: low, medium or high.</summary>
    public string? SearchContextSize { get; init; }

    /// <summary>web_search: the user's approximate location (country, region, city, timezone).</summary>
    public IReadOnlyDictionary<string, string>? UserLocation { get; init; }

    /// <summary>image_generation: the image size, such as 1024x1024 or auto.</summary>
    public string? Size { get; init; }

    /// <summary>image_generation: low, medium, high or auto.</summary>
    public string? Quality { get; init; }

    /// <summary>image_generation: png, jpeg or webp.</summary>
    public string? OutputFormat { get; init; }

    /// <summary>mcp: the label that names the server in calls and approvals.</summary>
    public string? ServerLabel { get; init; }

    /// <summary>mcp: the server's https URL.</summary>
    public string? ServerUrl { get; init; }

    /// <summary>mcp: the server's tools the model may call; empty means all.</summary>
    public IReadOnlyList<string> AllowedTools { get; init; } = Array.Empty<string>();

    /// <summary>mcp: always (every call waits for an approval) or never.</summary>
    public string? RequireApproval { get; init; }

    /// <summary>
    /// mcp: the names of the HTTP headers sent to the server. Their values are secrets: they are held where no
    /// view, JSON, export or store reaches them, sent only in the request that needs them.
    /// </summary>
    public IReadOnlyList<string> HeaderNames { get; init; } = Array.Empty<string>();

    /// <summary>The header values; internal, so no formatter, serializer or export sees them.</summary>
    internal IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Name is not null ? $"{Type}:{Name}" : ServerLabel is not null ? $"{Type}:{ServerLabel}" : Type;

    /// <summary>A copy of <paramref name="other"/>, for object initializers that change a few fields.</summary>
    internal OaiTool(OaiTool other)
    {
        Type = other.Type;
        Name = other.Name;
        Description = other.Description;
        ParametersJson = other.ParametersJson;
        Strict = other.Strict;
        Handler = other.Handler;
        FileIds = other.FileIds;
        VectorStoreIds = other.VectorStoreIds;
        ContainerId = other.ContainerId;
        MemoryLimit = other.MemoryLimit;
        MaxNumResults = other.MaxNumResults;
        FilterJson = other.FilterJson;
        AllowedDomains = other.AllowedDomains;
        SearchContextSize = other.SearchContextSize;
        UserLocation = other.UserLocation;
        Size = other.Size;
        Quality = other.Quality;
        OutputFormat = other.OutputFormat;
        ServerLabel = other.ServerLabel;
        ServerUrl = other.ServerUrl;
        AllowedTools = other.AllowedTools;
        RequireApproval = other.RequireApproval;
        HeaderNames = other.HeaderNames;
        Headers = other.Headers;
    }
}
