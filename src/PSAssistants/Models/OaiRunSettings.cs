using System.Text.Json.Serialization;

namespace PSAssistants;

/// <summary>
/// How a model runs: reasoning, limits, tool choice, the JSON schema of the answer and extra request fields.
/// Part of an assistant (New-/Set-OaiAssistant) and given per run (Start-OaiRun), where a value set on the run
/// wins over the assistant's. Null leaves the server's default.
/// </summary>
public sealed class OaiRunSettings : OaiObject
{
    /// <summary>none, minimal, low, medium, high, xhigh or max.</summary>
    public string? ReasoningEffort { get; init; }

    /// <summary>auto, concise or detailed (Responses only).</summary>
    public string? ReasoningSummary { get; init; }

    /// <summary>low, medium or high (Responses only).</summary>
    public string? Verbosity { get; init; }

    /// <summary>The most tokens a run may write, reasoning included.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>The most prompt tokens a run may use (Assistants v2).</summary>
    public int? MaxPromptTokens { get; init; }

    /// <summary>Per run only: an assistant keeps its own in <see cref="OaiAssistant.Temperature"/>.</summary>
    public double? Temperature { get; init; }

    /// <summary>Per run only: an assistant keeps its own in <see cref="OaiAssistant.TopP"/>.</summary>
    public double? TopP { get; init; }

    /// <summary>auto, none, required, or the name of a function tool the model must call.</summary>
    public string? ToolChoice { get; init; }

    /// <summary>Whether the model may call several tools at once.</summary>
    public bool? ParallelToolCalls { get; init; }

    /// <summary>The most calls to built-in tools in one response (Responses).</summary>
    public int? MaxToolCalls { get; init; }

    /// <summary>auto or disabled.</summary>
    public string? Truncation { get; init; }

    /// <summary>Assistants v2: the run sees only this many of the thread's last messages.</summary>
    public int? LastMessages { get; init; }

    /// <summary>Responses: the context is compacted past this many tokens.</summary>
    public int? CompactThreshold { get; init; }

    /// <summary>The JSON schema the answer must fit, as JSON text.</summary>
    public string? JsonSchema { get; init; }

    /// <summary>The response format's name (a-z, A-Z, 0-9, _ and -, at most 64).</summary>
    public string? SchemaName { get; init; }

    /// <summary>Whether the schema is enforced strictly (true unless -NoStrict).</summary>
    public bool? Strict { get; init; }

    /// <summary>The class the answer becomes (OutputObject) when the schema came from a type; kept in this process only.</summary>
    [JsonIgnore]
    public Type? SchemaType { get; init; }

    /// <summary>Request fields the module does not model, as a JSON object merged into the request body.</summary>
    public string? AdditionalBodyJson { get; init; }

    /// <summary>True when nothing is set.</summary>
    [JsonIgnore]
    public bool IsEmpty => !HasRunOnlyFields && ReasoningSummary is null && Verbosity is null && Temperature is null && TopP is null
        && MaxToolCalls is null && CompactThreshold is null && JsonSchema is null && SchemaName is null && Strict is null
        && SchemaType is null && AdditionalBodyJson is null;

    /// <summary>
    /// Whether a setting is set that an Assistants v2 assistant object has no field for (kept in its metadata):
    /// reasoning effort, token caps, truncation, tool choice, parallel calls.
    /// </summary>
    internal bool HasRunOnlyFields => ReasoningEffort is not null || MaxOutputTokens is not null || MaxPromptTokens is not null
        || Truncation is not null || LastMessages is not null || ToolChoice is not null || ParallelToolCalls is not null;

    internal static OaiRunSettings Empty { get; } = new();

    /// <summary>These settings where set, else <paramref name="under"/>'s (a run's over its assistant's).</summary>
    public OaiRunSettings Over(OaiRunSettings? under)
    {
        if (under is null) return this;
        var schema = JsonSchema is not null;
        return new OaiRunSettings
        {
            ReasoningEffort = ReasoningEffort ?? under.ReasoningEffort,
            ReasoningSummary = ReasoningSummary ?? under.ReasoningSummary,
            Verbosity = Verbosity ?? under.Verbosity,
            MaxOutputTokens = MaxOutputTokens ?? under.MaxOutputTokens,
            MaxPromptTokens = MaxPromptTokens ?? under.MaxPromptTokens,
            Temperature = Temperature ?? under.Temperature,
            TopP = TopP ?? under.TopP,
            ToolChoice = ToolChoice ?? under.ToolChoice,
            ParallelToolCalls = ParallelToolCalls ?? under.ParallelToolCalls,
            MaxToolCalls = MaxToolCalls ?? under.MaxToolCalls,
            // -Truncation and -LastMessages are one choice: the run's, if it made one.
            Truncation = Truncation ?? (LastMessages is null ? under.Truncation : null),
            LastMessages = LastMessages ?? (Truncation is null ? under.LastMessages : null),
            CompactThreshold = CompactThreshold ?? under.CompactThreshold,
            // A schema travels with its name, strictness and type.
            JsonSchema = schema ? JsonSchema : under.JsonSchema,
            SchemaName = schema ? SchemaName : under.SchemaName,
            Strict = schema ? Strict : under.Strict,
            SchemaType = schema ? SchemaType : under.SchemaType,
            AdditionalBodyJson = MergeBodies(under.AdditionalBodyJson, AdditionalBodyJson),
        };
    }

    private static string? MergeBodies(string? under, string? over)
    {
        if (under is null || over is null) return over ?? under;
        var merged = System.Text.Json.Nodes.JsonNode.Parse(under)!.AsObject();
        foreach (var kv in System.Text.Json.Nodes.JsonNode.Parse(over)!.AsObject()) merged[kv.Key] = kv.Value?.DeepClone();
        return merged.ToJsonString();
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var parts = new List<string>();
        if (ReasoningEffort is not null) parts.Add("reasoning " + ReasoningEffort);
        if (Verbosity is not null) parts.Add("verbosity " + Verbosity);
        if (MaxOutputTokens is not null) parts.Add($"max {MaxOutputTokens} out");
        if (ToolChoice is not null) parts.Add("tool choice " + ToolChoice);
        if (JsonSchema is not null) parts.Add("JSON " + (SchemaName ?? "schema"));
        return string.Join(", ", parts);
    }
}
