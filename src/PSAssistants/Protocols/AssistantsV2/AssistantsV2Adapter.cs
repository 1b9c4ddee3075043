using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using PSAssistants.Client;
using PSAssistants.Json;

namespace PSAssistants.Protocols.AssistantsV2;

/// <summary>
/// Assistants v2 as the official reference describes it: every request of this protocol is built here.
/// All requests carry OpenAI-Beta: assistants=v2, which the API demands though the spec leaves it out.
/// </summary>
internal sealed class AssistantsV2Adapter : IProtocolAdapter
{
    private static readonly AssistantsJson J = AssistantsJson.Default;
    private readonly OaiClient _client;
    private readonly Lazy<Common.FilesApi> _files;

    public AssistantsV2Adapter(OaiSession session, HttpMessageInvoker http)
    {
        _client = new OaiClient(session, http, new KeyValuePair<string, string>("OpenAI-Beta", "assistants=v2"));
        _files = new Lazy<Common.FilesApi>(() => new Common.FilesApi(session, http));
    }

    internal OaiClient Client => _client;

    public OaiProtocol Protocol => OaiProtocol.Assistants;

    /// <summary>Assistants v2 cannot attach to a run under way (see <see cref="ResumeRunStreamAsync"/>).</summary>
    public bool ReplaysRunStream => false;

    public Common.FilesApi Files => _files.Value;

    public void CheckRunSettings(OaiRunSettings settings) => Checked(settings);

    public bool AssistantsAreLocal => false;

    /// <summary>submit_tool_outputs goes on with the same run.</summary>
    public bool ToolOutputsContinueRun => true;

    #region Assistants

    public async Task<OaiAssistant> CreateAssistantAsync(AssistantCreateOptions o, CancellationToken ct)
    {
        if (o.PromptId is not null)
            throw new OaiApiException(OaiErrorKind.NotSupported,
                "Stored prompts (-PromptId) are a Responses feature; the Assistants protocol has none. Connect with -Protocol Responses, or give -Model and -Instructions.");
        if (string.IsNullOrEmpty(o.Model)) throw new OaiArgumentException("An assistant needs -Model.");
        var settings = Checked(o.Settings);
        var body = new CreateAssistantRequest
        {
            Model = o.Model,
            Name = o.Name,
            Description = o.Description,
            Instructions = o.Instructions,
            Tools = o.Tools.Count == 0 ? null : CheckTools(o.Tools).Select(ToWire).ToList(),
            ToolResources = ToolResources(o.Tools),
            Metadata = WithRunSettings(o.Metadata, settings),
            Temperature = o.Temperature,
            TopP = o.TopP,
            ReasoningEffort = settings.ReasoningEffort,
            ResponseFormat = ResponseFormat(settings),
        };
        var created = RequestBody.Merge(body, J.CreateAssistantRequest, settings.AdditionalBodyJson) is { } merged
            ? await _client.PostAsync("/assistants", merged, RequestBody.Info, J.AssistantObject, ct).ConfigureAwait(false)
            : await _client.PostAsync("/assistants", body, J.CreateAssistantRequest, J.AssistantObject, ct).ConfigureAwait(false);
        return Map(created, settings.SchemaType);
    }

    public async Task<OaiAssistant> GetAssistantAsync(string assistantId, CancellationToken ct) =>
        Map(await _client.GetAsync("/assistants/" + OaiId.Check(assistantId, "assistant"), J.AssistantObject, ct).ConfigureAwait(false));

    public IAsyncEnumerable<OaiAssistant> ListAssistantsAsync(ListOptions options, CancellationToken ct) =>
        List("/assistants", options, J.ListWireAssistantObject, Map, ct);

    public Task DeleteAssistantAsync(string assistantId, CancellationToken ct) =>
        _client.DeleteConfirmedAsync("/assistants/" + OaiId.Check(assistantId, "assistant"), ct);

    public async Task<OaiAssistant> UpdateAssistantAsync(string assistantId, AssistantUpdateOptions o, CancellationToken ct)
    {
        var change = Checked(o.Settings);
        // The settings the assistant object has no field for live in its metadata: changing them, or the
        // metadata, needs the ones it has now.
        var metadata = o.Metadata;
        if (change.HasRunOnlyFields || o.Metadata is not null)
        {
            var current = await GetAssistantAsync(assistantId, ct).ConfigureAwait(false);
            metadata = WithRunSettings(o.Metadata ?? current.Metadata, change.Over(current.RunSettings));
        }
        var body = new ModifyAssistantRequest
        {
            Model = o.Model,
            Name = o.Name,
            Description = o.Description,
            Instructions = o.Instructions,
            Tools = o.Tools is null ? null : CheckTools(o.Tools).Select(ToWire).ToList(),
            ToolResources = o.Tools is null ? null : ToolResources(o.Tools, replace: true),
            Metadata = metadata,
            Temperature = o.Temperature,
            TopP = o.TopP,
            ReasoningEffort = change.ReasoningEffort,
            ResponseFormat = ResponseFormat(change),
        };
        var path = "/assistants/" + OaiId.Check(assistantId, "assistant");
        var updated = RequestBody.Merge(body, J.ModifyAssistantRequest, change.AdditionalBodyJson) is { } merged
            ? await _client.PostAsync(path, merged, RequestBody.Info, J.AssistantObject, ct).ConfigureAwait(false)
            : await _client.PostAsync(path, body, J.ModifyAssistantRequest, J.AssistantObject, ct).ConfigureAwait(false);
        return Map(updated, change.SchemaType);
    }

    /// <summary>Metadata key that marks an assistant made by Import-OaiAssistant with the definition it was made from.</summary>
    internal const string ImportMarkKey = "psassistants_import";

    /// <summary>
    /// The server gives an imported definition a new id, once: the assistant made from it carries the mark
    /// psassistants_import = the definition's id (or the mark it already had, when it was itself imported), so
    /// importing it again finds that assistant (the newest, should there be several) and updates it to match,
    /// rather than leaving one more assistant behind per import.
    /// </summary>
    public async Task<OaiAssistant> ImportAssistantAsync(OaiAssistant a, bool replace, CancellationToken ct)
    {
        if (a.PromptId is not null)
            throw new OaiApiException(OaiErrorKind.NotSupported,
                $"Assistant '{a.Name ?? a.Id}' uses a stored prompt (prompt_id), a Responses feature the Assistants protocol does not have.");
        var source = a.Metadata.TryGetValue(ImportMarkKey, out var mark) && mark.Length > 0 ? mark : a.Id;
        var metadata = new Dictionary<string, string>(a.Metadata, StringComparer.Ordinal) { [ImportMarkKey] = source };
        if (metadata.Count > OaiMetadata.MaxPairs)
            throw new OaiArgumentException(
                $"Assistant '{a.Name ?? a.Id}' has {a.Metadata.Count} metadata pairs; importing it on the Assistants protocol adds '{ImportMarkKey}', which lets the next import find this assistant instead of making another, and the API allows at most {OaiMetadata.MaxPairs}. Remove one pair from the definition.");

        OaiAssistant? made = null;
        await foreach (var candidate in ListAssistantsAsync(new ListOptions { Order = "desc" }, ct).ConfigureAwait(false))
        {
            if (candidate.Metadata.TryGetValue(ImportMarkKey, out var m) && m == source)
            {
                made = candidate;
                break;
            }
        }
        if (made is null)
        {
            return await CreateAssistantAsync(new AssistantCreateOptions
            {
                Model = a.Model,
                Name = a.Name,
                Description = a.Description,
                Instructions = a.Instructions,
                Tools = a.Tools,
                Metadata = metadata,
                Temperature = a.Temperature,
                TopP = a.TopP,
                Settings = a.RunSettings,
            }, ct).ConfigureAwait(false);
        }
        if (string.IsNullOrEmpty(a.Model)) throw new OaiArgumentException($"Assistant '{a.Name ?? a.Id}' has no model.");
        // Every field is sent, so the assistant matches the definition: an emptied text clears it, no tools clears them.
        return await UpdateAssistantAsync(made.Id, new AssistantUpdateOptions
        {
            Model = a.Model,
            Name = a.Name ?? "",
            Description = a.Description ?? "",
            Instructions = a.Instructions ?? "",
            Tools = a.Tools,
            Metadata = metadata,
            Temperature = a.Temperature,
            TopP = a.TopP,
            Settings = a.RunSettings,
        }, ct).ConfigureAwait(false);
    }

    #endregion

    #region Threads and messages

    public async Task<OaiThread> UpdateThreadAsync(string threadId, IReadOnlyDictionary<string, string> metadata, CancellationToken ct) =>
        Map(await _client.PostAsync(ThreadPath(threadId), new ModifyMetadataRequest { Metadata = metadata }, J.ModifyMetadataRequest, J.ThreadObject, ct).ConfigureAwait(false));

    public async Task<OaiMessage> UpdateMessageAsync(string threadId, string messageId, IReadOnlyDictionary<string, string> metadata, CancellationToken ct) =>
        Map(await _client.PostAsync(ThreadPath(threadId) + "/messages/" + OaiId.Check(messageId, "message"),
            new ModifyMetadataRequest { Metadata = metadata }, J.ModifyMetadataRequest, J.MessageObject, ct).ConfigureAwait(false));

    public Task DeleteMessageAsync(string threadId, string messageId, CancellationToken ct) =>
        _client.DeleteConfirmedAsync(ThreadPath(threadId) + "/messages/" + OaiId.Check(messageId, "message"), ct);

    public async Task<OaiThread> CreateThreadAsync(ThreadCreateOptions o, CancellationToken ct) =>
        Map(await _client.PostAsync("/threads", ThreadRequest(o), J.CreateThreadRequest, J.ThreadObject, ct).ConfigureAwait(false));

    private static CreateThreadRequest ThreadRequest(ThreadCreateOptions o) => new()
    {
        Metadata = o.Metadata,
        Messages = o.Messages.Count == 0 ? null
            : o.Messages.Select(m => new CreateMessageRequest { Role = m.Role, Content = Content(m), Metadata = m.Metadata, Attachments = Attachments(m) }).ToList(),
    };

    public async Task<OaiThread> GetThreadAsync(string threadId, CancellationToken ct) =>
        Map(await _client.GetAsync(ThreadPath(threadId), J.ThreadObject, ct).ConfigureAwait(false));

    public Task DeleteThreadAsync(string threadId, CancellationToken ct) =>
        _client.DeleteConfirmedAsync(ThreadPath(threadId), ct);

    public async Task<OaiMessage> AddMessageAsync(string threadId, MessageCreateOptions o, CancellationToken ct)
    {
        var body = new CreateMessageRequest { Role = o.Role, Content = Content(o), Metadata = o.Metadata, Attachments = Attachments(o) };
        return Map(await _client.PostAsync(ThreadPath(threadId) + "/messages", body, J.CreateMessageRequest, J.MessageObject, ct).ConfigureAwait(false));
    }

    public async Task<OaiMessage> GetMessageAsync(string threadId, string messageId, CancellationToken ct) =>
        Map(await _client.GetAsync(ThreadPath(threadId) + "/messages/" + OaiId.Check(messageId, "message"), J.MessageObject, ct).ConfigureAwait(false));

    public IAsyncEnumerable<OaiMessage> ListMessagesAsync(string threadId, string? runId, ListOptions options, CancellationToken ct)
    {
        var path = ThreadPath(threadId) + "/messages";
        return List(path, options, J.ListWireMessageObject, Map, ct,
            runId is null ? null : q => q.Set("run_id", OaiId.Check(runId, "run")));
    }

    #endregion

    #region Runs

    public async Task<OaiRun> CreateRunAsync(string threadId, RunCreateOptions o, CancellationToken ct)
    {
        var body = RunRequest(o, stream: null);
        var path = ThreadPath(threadId) + "/runs";
        return Map(RequestBody.Merge(body, J.CreateRunRequest, Effective(o).AdditionalBodyJson) is { } merged
            ? await _client.PostAsync(path, merged, RequestBody.Info, J.RunObject, ct).ConfigureAwait(false)
            : await _client.PostAsync(path, body, J.CreateRunRequest, J.RunObject, ct).ConfigureAwait(false));
    }

    public async Task<RunStart> StartRunStreamAsync(string threadId, RunCreateOptions o, CancellationToken ct)
    {
        var body = RequestBody.Bytes(RunRequest(o, stream: true), J.CreateRunRequest, Effective(o).AdditionalBodyJson);
        return await Started(await _client.OpenEventStreamAsync(HttpMethod.Post, ThreadPath(threadId) + "/runs", body, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    public IAsyncEnumerable<OaiRunStep> ListRunStepsAsync(string threadId, string runId, ListOptions options, CancellationToken ct) =>
        List(RunPath(threadId, runId) + "/steps", options, J.ListWireRunStepObject, Map, ct);

    public async Task<RunStart> CreateThreadAndRunAsync(ThreadCreateOptions thread, RunCreateOptions o, bool stream, CancellationToken ct)
    {
        var settings = Effective(o);
        if (settings.ReasoningEffort is not null)
        {
            // createThreadAndRun has no reasoning_effort: the thread first, then a run that can carry it.
            var created = await CreateThreadAsync(thread, ct).ConfigureAwait(false);
            if (stream) return await StartRunStreamAsync(created.Id, o, ct).ConfigureAwait(false);
            return new RunStart(await CreateRunAsync(created.Id, o, ct).ConfigureAwait(false));
        }
        // This request has no additional_instructions: they are appended to the instructions here, which then
        // need the assistant's own when the run does not replace them (otherwise the server applies its own).
        string? assistantInstructions = null;
        if (o.AdditionalInstructions is not null && o.Instructions is null)
            assistantInstructions = (o.Assistant ?? await GetAssistantAsync(o.AssistantId, ct).ConfigureAwait(false)).Instructions;
        var body = WithSettings(new CreateThreadAndRunRequest
        {
            AssistantId = OaiId.Check(o.AssistantId, "assistant"),
            Thread = ThreadRequest(thread),
            Model = o.Model,
            Instructions = o.InstructionsFor(assistantInstructions),
            Metadata = o.Metadata,
            Tools = RunTools(o),
            Stream = stream ? true : null,
        }, settings);
        if (!stream)
        {
            return new RunStart(Map(RequestBody.Merge(body, J.CreateThreadAndRunRequest, settings.AdditionalBodyJson) is { } merged
                ? await _client.PostAsync("/threads/runs", merged, RequestBody.Info, J.RunObject, ct).ConfigureAwait(false)
                : await _client.PostAsync("/threads/runs", body, J.CreateThreadAndRunRequest, J.RunObject, ct).ConfigureAwait(false)));
        }
        return await Started(await _client.OpenEventStreamAsync(HttpMethod.Post, "/threads/runs",
            RequestBody.Bytes(body, J.CreateThreadAndRunRequest, settings.AdditionalBodyJson), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    public async Task<RunStart> SubmitToolOutputsAsync(OaiRun run, IReadOnlyList<ToolOutput> outputs, bool stream, CancellationToken ct)
    {
        var request = new SubmitToolOutputsRequest
        {
            ToolOutputs = outputs.Select(o => new ToolOutputWire { ToolCallId = o.CallId, Output = o.Output }).ToList(),
            Stream = stream ? true : null,
        };
        var path = RunPath(run.ThreadId, run.Id) + "/submit_tool_outputs";
        if (!stream) return new RunStart(Map(await _client.PostAsync(path, request, J.SubmitToolOutputsRequest, J.RunObject, ct).ConfigureAwait(false)));
        return await Started(await _client.OpenEventStreamAsync(HttpMethod.Post, path,
            JsonSerializer.SerializeToUtf8Bytes(request, J.SubmitToolOutputsRequest), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
    }

    /// <summary>The events of an opened stream, or the run of a server that answered JSON instead.</summary>
    private async Task<RunStart> Started(OaiEventStream stream, CancellationToken ct)
    {
        if (stream.IsEventStream)
            return new RunStart(Events(stream, ct), stream) { Reopen = async c => await Started(await stream.ReopenAsync(c).ConfigureAwait(false), c).ConfigureAwait(false) };
        using (stream) return new RunStart(Map(await stream.ReadJsonAsync(J.RunObject, ct).ConfigureAwait(false)));
    }

    /// <summary>Assistants v2 cannot attach to a run already under way: the caller polls.</summary>
    public Task<RunStart?> ResumeRunStreamAsync(OaiRun run, long? afterSequence, CancellationToken ct) => Task.FromResult<RunStart?>(null);

    private static CreateRunRequest RunRequest(RunCreateOptions o, bool? stream)
    {
        var settings = Effective(o);
        return WithSettings(new CreateRunRequest
        {
            AssistantId = OaiId.Check(o.AssistantId, "assistant"),
            Model = o.Model,
            Tools = RunTools(o),
            Instructions = o.Instructions,
            AdditionalInstructions = o.AdditionalInstructions,
            Metadata = o.Metadata,
            Stream = stream,
            ReasoningEffort = settings.ReasoningEffort,
        }, settings);
    }

    /// <summary>The run settings both run requests carry, as the table of issue 13 maps them.</summary>
    private static T WithSettings<T>(T wire, OaiRunSettings settings) where T : RunSettingsWire
    {
        wire.Temperature = settings.Temperature;
        wire.TopP = settings.TopP;
        wire.MaxPromptTokens = settings.MaxPromptTokens;
        wire.MaxCompletionTokens = settings.MaxOutputTokens;
        wire.TruncationStrategy = Truncation(settings);
        wire.ToolChoice = RequestBody.ToolChoice(settings.ToolChoice, nested: true);
        wire.ParallelToolCalls = settings.ParallelToolCalls;
        wire.ResponseFormat = ResponseFormat(settings);
        return wire;
    }

    /// <summary>
    /// The run's settings over its assistant's, where the assistant object is at hand (the server applies its
    /// own JSON schema, temperature, top_p and reasoning effort by itself).
    /// </summary>
    private static OaiRunSettings Effective(RunCreateOptions o) => Checked(o.Settings).Over(o.Assistant?.RunSettings);

    /// <summary>Settings with no field on Assistants v2 are refused before any request.</summary>
    internal static OaiRunSettings Checked(OaiRunSettings s)
    {
        static OaiApiException No(string what, string why) => new(OaiErrorKind.NotSupported,
            $"{what} is not available on the Assistants protocol: {why}. Connect with -Protocol Responses to use it.");
        if (s.ReasoningSummary is not null) throw No("-ReasoningSummary", "runs have no reasoning summaries");
        if (s.Verbosity is not null) throw No("-Verbosity", "runs have no verbosity setting");
        if (s.MaxToolCalls is not null) throw No("-MaxToolCalls", "runs cannot cap their tool calls");
        if (s.CompactThreshold is not null) throw No("-CompactThreshold", "threads are truncated (-Truncation auto, -LastMessages), not compacted");
        if (s.Truncation == "disabled") throw No("-Truncation disabled", "a run's truncation_strategy is auto or last_messages");
        if (s.MaxOutputTokens is < 256)
            throw new PSAssistants.Client.OaiArgumentException($"-MaxOutputTokens {s.MaxOutputTokens} is below 256, the least max_completion_tokens a run takes on the Assistants protocol.");
        return s;
    }

    /// <summary>truncation_strategy: {type: auto} or {type: last_messages, last_messages: N}.</summary>
    private static JsonObject? Truncation(OaiRunSettings s) =>
        s.LastMessages is { } n ? new JsonObject { ["type"] = "last_messages", ["last_messages"] = n }
        : s.Truncation == "auto" ? new JsonObject { ["type"] = "auto" }
        : null;

    /// <summary>response_format {type: json_schema, json_schema: {name, schema, strict}}.</summary>
    private static JsonObject? ResponseFormat(OaiRunSettings s) => RequestBody.Schema(s) is not { } schema ? null : new JsonObject
    {
        ["type"] = "json_schema",
        ["json_schema"] = new JsonObject
        {
            ["name"] = s.SchemaName ?? "response",
            ["schema"] = schema,
            ["strict"] = s.Strict ?? true,
        },
    };

    /// <summary>Metadata key under which an assistant keeps the run settings its object has no field for.</summary>
    internal const string RunSettingsKey = "psassistants_run";

    /// <summary>The user's metadata plus the per-run settings (tokens, truncation, tool choice, parallel calls) as compact JSON.</summary>
    internal static IReadOnlyDictionary<string, string>? WithRunSettings(IReadOnlyDictionary<string, string>? metadata, OaiRunSettings s)
    {
        var packed = new JsonObject();
        if (s.ReasoningEffort is not null) packed["reasoning_effort"] = s.ReasoningEffort;
        if (s.MaxOutputTokens is not null) packed["max_completion_tokens"] = s.MaxOutputTokens;
        if (s.MaxPromptTokens is not null) packed["max_prompt_tokens"] = s.MaxPromptTokens;
        if (s.Truncation is not null) packed["truncation"] = s.Truncation;
        if (s.LastMessages is not null) packed["last_messages"] = s.LastMessages;
        if (s.ToolChoice is not null) packed["tool_choice"] = s.ToolChoice;
        if (s.ParallelToolCalls is not null) packed["parallel_tool_calls"] = s.ParallelToolCalls;
        var result = metadata?.Where(kv => kv.Key != RunSettingsKey).ToDictionary(kv => kv.Key, kv => kv.Value) ?? new Dictionary<string, string>();
        if (packed.Count == 0) return metadata is null && result.Count == 0 ? null : result;
        if (result.Count >= OaiMetadata.MaxPairs)
            throw new PSAssistants.Client.OaiArgumentException($"The assistant keeps its run settings in metadata key '{RunSettingsKey}' on the Assistants protocol, and its metadata already has {OaiMetadata.MaxPairs} pairs.");
        result[RunSettingsKey] = packed.ToJsonString();
        return result;
    }

    /// <summary>The settings an assistant object carries: its response_format's schema and the packed per-run ones.</summary>
    private static OaiRunSettings RunSettingsOf(AssistantObject a, Type? schemaType)
    {
        JsonObject? packed = null;
        if (a.Metadata?.TryGetValue(RunSettingsKey, out var text) == true)
        {
            try { packed = JsonNode.Parse(text) as JsonObject; }
            catch (JsonException) { packed = null; }
        }
        var format = a.ResponseFormat as JsonObject;
        var schema = format?["type"]?.GetValue<string>() == "json_schema" ? format["json_schema"] as JsonObject : null;
        string? Str(string key) => packed?[key] is JsonValue v && v.TryGetValue<string>(out var x) ? x : null;
        int? Int(string key) => packed?[key] is JsonValue v && v.TryGetValue<int>(out var x) ? x : null;
        return new OaiRunSettings
        {
            ReasoningEffort = Str("reasoning_effort"),
            MaxOutputTokens = Int("max_completion_tokens"),
            MaxPromptTokens = Int("max_prompt_tokens"),
            Truncation = Str("truncation"),
            LastMessages = Int("last_messages"),
            ToolChoice = Str("tool_choice"),
            ParallelToolCalls = packed?["parallel_tool_calls"] is JsonValue p && p.TryGetValue<bool>(out var b) ? b : null,
            JsonSchema = schema?["schema"]?.ToJsonString(),
            SchemaName = schema?["name"]?.GetValue<string>(),
            Strict = schema?["strict"] is JsonValue st && st.TryGetValue<bool>(out var strict) ? strict : null,
            SchemaType = schema is null ? null : schemaType,
        };
    }

    /// <summary>
    /// The AssistantStreamEvent sequence: thread.run.* carry the run, thread.message.delta carries text,
    /// "done" ends the stream, "error" carries an Error object. Unknown events are ignored, as the docs ask.
    /// </summary>
    private async IAsyncEnumerable<RunEvent> Events(OaiEventStream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in stream.EventsAsync(ct).ConfigureAwait(false))
        {
            var type = item.EventType;
            if (type == "done") yield break;
            if (type == "error")
            {
                var error = Parse(item.Data, J.ApiError, stream);
                throw stream.ReportedError("The run's stream", error.Message, error.Type, error.Code);
            }
            if (type.StartsWith("thread.run.", StringComparison.Ordinal) && !type.StartsWith("thread.run.step", StringComparison.Ordinal))
            {
                yield return new RunEvent(RunEventKind.RunUpdated, Run: Map(Parse(item.Data, J.RunObject, stream)));
            }
            else if (type == "thread.message.delta")
            {
                var delta = Parse(item.Data, J.MessageDeltaObject, stream);
                var text = string.Concat(delta.Delta?.Content?.Select(c => c.Text?.Value) ?? Array.Empty<string?>());
                if (text.Length > 0) yield return new RunEvent(RunEventKind.TextDelta, MessageId: delta.Id, Text: text);
            }
            else if (type == "thread.message.completed")
            {
                yield return new RunEvent(RunEventKind.MessageDone, MessageId: Parse(item.Data, J.MessageObject, stream).Id);
            }
        }
    }

    private static T Parse<T>(byte[] data, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, OaiEventStream stream)
    {
        try
        {
            return JsonSerializer.Deserialize(data, info) ?? throw new JsonException("The event's data was JSON null.");
        }
        catch (JsonException ex)
        {
            throw OaiApiException.Protocol(stream.Request, stream.RequestId, 200, ex);
        }
    }

    public async Task<OaiRun> GetRunAsync(string threadId, string runId, CancellationToken ct) =>
        Map(await _client.GetAsync(RunPath(threadId, runId), J.RunObject, ct).ConfigureAwait(false));

    public IAsyncEnumerable<OaiRun> ListRunsAsync(string threadId, ListOptions options, CancellationToken ct) =>
        List(ThreadPath(threadId) + "/runs", options, J.ListWireRunObject, Map, ct);

    public async Task<OaiRun> CancelRunAsync(string threadId, string runId, CancellationToken ct) =>
        Map(await _client.PostWithoutBodyAsync(RunPath(threadId, runId) + "/cancel", J.RunObject, ct).ConfigureAwait(false));

    #endregion

    #region Paths, paging and mapping

    private static string ThreadPath(string threadId) => "/threads/" + OaiId.Check(threadId, "thread");

    private static string RunPath(string threadId, string runId) => ThreadPath(threadId) + "/runs/" + OaiId.Check(runId, "run");

    private IAsyncEnumerable<TModel> List<TWire, TModel>(string path, ListOptions options,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<ListWire<TWire>> pageInfo, Func<TWire, TModel> map,
        CancellationToken ct, Action<OaiQuery>? extra = null)
    {
        var query = new OaiQuery().Set("limit", options.PageSize).Set("order", options.Order);
        if (options.After is not null) query.Set("after", OaiId.Check(options.After, "cursor"));
        if (options.Before is not null) query.Set("before", OaiId.Check(options.Before, "cursor"));
        extra?.Invoke(query);
        return MapAsync(_client.ListAsync(path, query, pageInfo, p => p.Data, p => p.HasMore, p => p.LastId, options.First, ct), map, ct);
    }

    private static async IAsyncEnumerable<TModel> MapAsync<TWire, TModel>(IAsyncEnumerable<TWire> source, Func<TWire, TModel> map,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in source.WithCancellation(ct).ConfigureAwait(false)) yield return map(item);
    }

    private static DateTimeOffset Time(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    private static DateTimeOffset? Time(long? seconds) => seconds is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    /// <summary>
    /// Refuses, before any request, what Assistants v2 has no place for: the hosted tools of Responses and the
    /// options only Responses takes. Nothing is dropped silently.
    /// </summary>
    internal static IReadOnlyList<OaiTool> CheckTools(IReadOnlyList<OaiTool> tools)
    {
        foreach (var t in tools)
        {
            if (t.Type is not (OaiToolType.CodeInterpreter or OaiToolType.FileSearch or OaiToolType.Function))
                throw NotOnAssistants($"The {t.Type} tool", "its tools are code_interpreter, file_search and functions");
            if (t.ContainerId is not null || t.MemoryLimit is not null)
                throw NotOnAssistants("A code interpreter container (-ContainerId, -MemoryLimit)", "the code interpreter runs without containers there");
            if (t.FilterJson is not null)
                throw NotOnAssistants("A file_search filter (-Filter)", "its file_search tool takes no attribute filter");
        }
        return tools;
    }

    /// <summary>A run's own tools (Start-OaiRun -Tool). A run has no tool_resources here, so files stay with the assistant or thread.</summary>
    private static List<ToolWire>? RunTools(RunCreateOptions o)
    {
        if (o.Tools is null) return null;
        if (o.Tools.Any(t => t.FileIds.Count > 0 || t.VectorStoreIds.Count > 0))
            throw NotOnAssistants("Files or vector stores on a run's own tools", "a run has no tool_resources; give them to the assistant (Set-OaiAssistant) or attach files to a message");
        return CheckTools(o.Tools).Select(ToWire).ToList();
    }

    private static OaiApiException NotOnAssistants(string feature, string why) =>
        new(OaiErrorKind.NotSupported, $"{feature} is not available on the Assistants protocol: {why}. Connect with -Protocol Responses to use it.");

    /// <summary>A message's content: its text as a string, or text then image parts when it carries images.</summary>
    internal static object Content(MessageCreateOptions m)
    {
        if (m.Images.Count == 0) return m.Content;
        var parts = new List<MessageContentPartRequest> { new() { Type = "text", Text = m.Content } };
        foreach (var image in m.Images)
        {
            parts.Add(image.FileId is { } id
                ? new MessageContentPartRequest { Type = "image_file", ImageFile = new ImageFileWire { FileId = OaiId.Check(id, "file"), Detail = image.Detail } }
                : new MessageContentPartRequest { Type = "image_url", ImageUrl = new ImageUrlWire { Url = image.Url, Detail = image.Detail } });
        }
        return parts;
    }

    public string MessageFilePurpose => "assistants";

    public Task DownloadGeneratedImageAsync(string threadId, string itemId, Stream destination, CancellationToken ct) =>
        throw NotOnAssistants("Images made by a run", "it has no image_generation tool");

    private static ToolWire ToWire(OaiTool t) => new()
    {
        Type = t.Type,
        FileSearch = t.Type == OaiToolType.FileSearch && t.MaxNumResults is { } max ? new FileSearchOptionsWire { MaxNumResults = max } : null,
        Function = t.Type != OaiToolType.Function ? null : new FunctionWire
        {
            Name = t.Name ?? "",
            Description = t.Description,
            Parameters = t.ParametersJson is null ? null : System.Text.Json.JsonDocument.Parse(t.ParametersJson).RootElement.Clone(),
            Strict = t.Strict,
        },
    };

    private static OaiTool FromWire(ToolWire t, ToolResourcesWire? resources) => new(t.Type)
    {
        Name = t.Function?.Name,
        Description = t.Function?.Description,
        ParametersJson = t.Function?.Parameters is { } p && p.ValueKind != System.Text.Json.JsonValueKind.Null ? p.GetRawText() : null,
        Strict = t.Function?.Strict,
        MaxNumResults = t.FileSearch?.MaxNumResults,
        FileIds = t.Type == OaiToolType.CodeInterpreter ? resources?.CodeInterpreter?.FileIds?.ToArray() ?? Array.Empty<string>() : Array.Empty<string>(),
        VectorStoreIds = t.Type == OaiToolType.FileSearch ? resources?.FileSearch?.VectorStoreIds?.ToArray() ?? Array.Empty<string>() : Array.Empty<string>(),
    };

    /// <summary>
    /// The files and vector stores of an assistant's tools, as tool_resources; null when there are none. An
    /// update (<paramref name="replace"/>) that gives the tools sends an empty list for a code_interpreter or
    /// file_search tool without files, so the server's resources match the tools given, as the tools do.
    /// </summary>
    internal static ToolResourcesWire? ToolResources(IReadOnlyList<OaiTool> tools, bool replace = false)
    {
        var interpreter = tools.Any(t => t.Type == OaiToolType.CodeInterpreter);
        var search = tools.Any(t => t.Type == OaiToolType.FileSearch);
        var fileIds = tools.Where(t => t.Type == OaiToolType.CodeInterpreter).SelectMany(t => t.FileIds).Distinct(StringComparer.Ordinal)
            .Select(id => OaiId.Check(id, "file")).ToList();
        var storeIds = tools.Where(t => t.Type == OaiToolType.FileSearch).SelectMany(t => t.VectorStoreIds).Distinct(StringComparer.Ordinal)
            .Select(id => OaiId.Check(id, "vector store")).ToList();
        var withFiles = fileIds.Count > 0 || (replace && interpreter);
        var withStores = storeIds.Count > 0 || (replace && search);
        if (!withFiles && !withStores) return null;
        return new ToolResourcesWire
        {
            CodeInterpreter = withFiles ? new CodeInterpreterResourcesWire { FileIds = fileIds } : null,
            FileSearch = withStores ? new FileSearchResourcesWire { VectorStoreIds = storeIds } : null,
        };
    }

    /// <summary>Each file attached for the tools asked for; file_search when none are named.</summary>
    internal static List<AttachmentWire>? Attachments(MessageCreateOptions o)
    {
        if (o.FileIds.Count == 0) return null;
        var tools = o.AttachTo.Count == 0 ? new[] { OaiToolType.FileSearch } : o.AttachTo.Distinct(StringComparer.Ordinal).ToArray();
        return o.FileIds.Select(id => new AttachmentWire
        {
            FileId = OaiId.Check(id, "file"),
            Tools = tools.Select(t => new AttachmentToolWire { Type = t }).ToList(),
        }).ToList();
    }

    private static OaiMessageAnnotation Map(AnnotationWire a) => new(a.Type)
    {
        Text = a.Text,
        FileId = a.FileCitation?.FileId ?? a.FilePath?.FileId,
        StartIndex = a.StartIndex,
        EndIndex = a.EndIndex,
    };

    internal static OaiAssistant Map(AssistantObject a) => Map(a, null);

    internal static OaiAssistant Map(AssistantObject a, Type? schemaType) => new()
    {
        Id = a.Id,
        Name = a.Name,
        Description = a.Description,
        Model = a.Model ?? "",
        Instructions = a.Instructions,
        Tools = a.Tools?.Select(t => FromWire(t, a.ToolResources)).ToArray() ?? Array.Empty<OaiTool>(),
        Temperature = a.Temperature,
        TopP = a.TopP,
        CreatedAt = Time(a.CreatedAt),
        // The run settings' metadata pair is the module's, not the user's.
        Metadata = OaiMetadata.From(a.Metadata?.Where(kv => kv.Key != RunSettingsKey).ToDictionary(kv => kv.Key, kv => kv.Value)),
        RunSettings = RunSettingsOf(a, schemaType),
    };

    internal static OaiThread Map(ThreadObject t) => new()
    {
        Id = t.Id,
        CreatedAt = Time(t.CreatedAt),
        Metadata = OaiMetadata.From(t.Metadata),
    };

    internal static OaiMessage Map(MessageObject m)
    {
        var parts = m.Content?.Select(c => new OaiMessageContent(c.Type)
        {
            Text = OaiSecrets.RedactOrNull(c.Text?.Value),
            FileId = c.ImageFile?.FileId,
            ImageUrl = c.ImageUrl?.Url,
            Detail = c.ImageFile?.Detail ?? c.ImageUrl?.Detail,
            Refusal = c.Refusal,
            Annotations = c.Text?.Annotations?.Select(Map).ToArray() ?? Array.Empty<OaiMessageAnnotation>(),
        }).ToArray() ?? Array.Empty<OaiMessageContent>();
        return new OaiMessage
        {
            Id = m.Id,
            ThreadId = m.ThreadId ?? "",
            RunId = m.RunId,
            AssistantId = m.AssistantId,
            Role = m.Role ?? "",
            Status = m.Status,
            Content = parts,
            Text = OaiMessage.JoinText(parts),
            CreatedAt = Time(m.CreatedAt),
            Metadata = OaiMetadata.From(m.Metadata),
        };
    }

    internal static OaiRunStep Map(RunStepObject s) => new()
    {
        Id = s.Id,
        RunId = s.RunId ?? "",
        ThreadId = s.ThreadId ?? "",
        Type = s.Type ?? s.StepDetails?.Type ?? "",
        Status = s.Status,
        MessageId = s.StepDetails?.MessageCreation?.MessageId,
        ToolCalls = s.StepDetails?.ToolCalls?.Select(c => new OaiToolCall
        {
            Id = c.Id,
            Type = c.Type ?? OaiToolType.Function,
            Name = c.Function?.Name,
            Arguments = c.Function?.Arguments,
            Output = c.Function?.Output,
        }).ToArray() ?? Array.Empty<OaiToolCall>(),
        CreatedAt = Time(s.CreatedAt),
        CompletedAt = Time(s.CompletedAt),
    };

    internal static OaiRun Map(RunObject r) => new()
    {
        Id = r.Id,
        ThreadId = r.ThreadId ?? "",
        AssistantId = r.AssistantId,
        Status = r.Status ?? "",
        Instructions = r.Instructions,
        Model = r.Model,
        CreatedAt = Time(r.CreatedAt),
        StartedAt = Time(r.StartedAt),
        CompletedAt = Time(r.CompletedAt),
        CancelledAt = Time(r.CancelledAt),
        FailedAt = Time(r.FailedAt),
        ExpiresAt = Time(r.ExpiresAt),
        LastError = r.LastError is null ? null : new OaiRunError { Code = r.LastError.Code, Message = OaiSecrets.RedactOrNull(r.LastError.Message) },
        IncompleteReason = r.IncompleteDetails?.Reason,
        SchemaJson = r.ResponseFormat is JsonObject format && format["type"]?.GetValue<string>() == "json_schema" ? format["json_schema"]?["schema"]?.ToJsonString() : null,
        Usage = r.Usage is null ? null : new OaiUsage
        {
            PromptTokens = r.Usage.PromptTokens,
            CompletionTokens = r.Usage.CompletionTokens,
            TotalTokens = r.Usage.TotalTokens,
        },
        RequiredAction = r.RequiredAction is null ? null : new OaiRequiredAction
        {
            Type = r.RequiredAction.Type ?? "submit_tool_outputs",
            ToolCalls = r.RequiredAction.SubmitToolOutputs?.ToolCalls?.Select(c => new OaiToolCall
            {
                Id = c.Id,
                Type = c.Type ?? OaiToolType.Function,
                Name = c.Function?.Name,
                Arguments = c.Function?.Arguments,
            }).ToArray() ?? Array.Empty<OaiToolCall>(),
        },
        Metadata = OaiMetadata.From(r.Metadata),
    };

    #endregion
}
