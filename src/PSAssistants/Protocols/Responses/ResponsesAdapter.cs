using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using PSAssistants.Client;
using PSAssistants.Json;

namespace PSAssistants.Protocols.Responses;

/// <summary>
/// Responses + Conversations, as the official reference describes them: every request of this protocol is
/// built here. A thread is a conversation, a message a conversation item of type message, a run a response
/// created with conversation, background and store, polled with GET /responses/{id}. The server has no
/// assistant object, so assistants are definitions kept on the client in an <see cref="AssistantStore"/>.
/// </summary>
internal sealed class ResponsesAdapter : IProtocolAdapter
{
    /// <summary>Metadata key that ties a response back to the local assistant that started it.</summary>
    internal const string AssistantIdKey = "psassistants_assistant_id";

    /// <summary>
    /// The assistant of each response this session started. Metadata names it only when the user's pairs leave
    /// a slot free (16 at most), so a run with 16 pairs would otherwise lose its assistant and its tool calls
    /// could not be answered. Bounded: cleared past <see cref="MaxStartedBy"/> entries.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _startedBy = new(StringComparer.Ordinal);
    private const int MaxStartedBy = 10_000;

    /// <summary>
    /// Metadata key of a response that answers tool calls: the response that asked them. Get-OaiRunStep follows
    /// it back, so the steps of a whole wait are listed from the run that wait returned.
    /// </summary>
    internal const string PreviousRunKey = "psassistants_previous_run_id";

    /// <summary>How far back Get-OaiRunStep follows a chain of answered responses.</summary>
    private const int MaxChain = 100;

    private static readonly ResponsesJson J = ResponsesJson.Default;

    /// <summary>What this session saw of messages, for the fields conversation items do not carry.</summary>
    private readonly MessageRecords _records = new();
    private readonly OaiClient _client;
    private readonly Lazy<Common.FilesApi> _files;
    private readonly AssistantStore _store;

    public ResponsesAdapter(OaiSession session, HttpMessageInvoker http)
    {
        _client = new OaiClient(session, http);
        _store = new AssistantStore(session.AssistantStorePath);
        _files = new Lazy<Common.FilesApi>(() => new Common.FilesApi(session, http));
    }

    internal OaiClient Client => _client;

    public OaiProtocol Protocol => OaiProtocol.Responses;

    /// <summary>GET /responses/{id}?stream=true replays a background response's events from its start.</summary>
    public bool ReplaysRunStream => true;

    public Common.FilesApi Files => _files.Value;

    public void CheckRunSettings(OaiRunSettings settings) => Checked(settings);

    public bool AssistantsAreLocal => true;

    /// <summary>The answers go into a new response (see <see cref="SubmitToolOutputsAsync"/>).</summary>
    public bool ToolOutputsContinueRun => false;

    #region Assistants (local definitions)

    public Task<OaiAssistant> CreateAssistantAsync(AssistantCreateOptions o, CancellationToken ct)
    {
        foreach (var tool in o.Tools) ToWire(tool, null, forRequest: false);
        var assistant = new OaiAssistant
        {
            Id = AssistantStore.NewId(),
            Name = o.Name,
            Description = o.Description,
            Model = o.Model ?? "",
            Instructions = o.Instructions,
            Tools = o.Tools,
            Metadata = o.Metadata ?? OaiMetadata.Empty,
            Temperature = o.Temperature,
            TopP = o.TopP,
            PromptId = o.PromptId,
            PromptVersion = o.PromptVersion,
            RunSettings = Checked(o.Settings),
            CreatedAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
        };
        _store.Save(StoredAssistant.From(assistant), replace: false);
        return Task.FromResult(assistant);
    }

    public Task<OaiAssistant> GetAssistantAsync(string assistantId, CancellationToken ct)
    {
        OaiId.Check(assistantId, "assistant");
        var found = _store.Find(assistantId) ?? throw AssistantNotFound(assistantId);
        return Task.FromResult(found.ToModel());
    }

    public async IAsyncEnumerable<OaiAssistant> ListAssistantsAsync(ListOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        IEnumerable<StoredAssistant> all = _store.ReadAll();
        all = options.Order == "desc" ? all.Reverse() : all;
        if (options.After is { } after) all = all.SkipWhile(a => a.Id != after).Skip(1);
        foreach (var a in all.Take(options.First ?? int.MaxValue)) yield return a.ToModel();
    }

    public Task DeleteAssistantAsync(string assistantId, CancellationToken ct)
    {
        OaiId.Check(assistantId, "assistant");
        if (!_store.Remove(assistantId)) throw AssistantNotFound(assistantId);
        return Task.CompletedTask;
    }

    public Task<OaiAssistant> UpdateAssistantAsync(string assistantId, AssistantUpdateOptions o, CancellationToken ct)
    {
        OaiId.Check(assistantId, "assistant");
        var current = _store.Find(assistantId)?.ToModel() ?? throw AssistantNotFound(assistantId);
        foreach (var tool in o.Tools ?? Array.Empty<OaiTool>()) ToWire(tool, null, forRequest: false);
        var updated = new OaiAssistant
        {
            Id = current.Id,
            Name = o.Name ?? current.Name,
            Description = o.Description ?? current.Description,
            Model = o.Model ?? current.Model,
            Instructions = o.Instructions ?? current.Instructions,
            Tools = o.Tools ?? current.Tools,
            Metadata = o.Metadata ?? current.Metadata,
            Temperature = o.Temperature ?? current.Temperature,
            TopP = o.TopP ?? current.TopP,
            RunSettings = Checked(o.Settings).Over(current.RunSettings),
            PromptId = current.PromptId,
            PromptVersion = current.PromptVersion,
            CreatedAt = current.CreatedAt,
        };
        _store.Save(StoredAssistant.From(updated), replace: true);
        return Task.FromResult(updated);
    }

    /// <summary>Imports keep their ids, so a runbook that ships its assistant can refer to it by id.</summary>
    public Task<OaiAssistant> ImportAssistantAsync(OaiAssistant assistant, bool replace, CancellationToken ct)
    {
        OaiId.Check(assistant.Id, "assistant");
        _store.Save(StoredAssistant.From(assistant), replace);
        return Task.FromResult(assistant);
    }

    private OaiApiException AssistantNotFound(string id) =>
        new(OaiErrorKind.NotFound, $"No assistant '{id}' in the local assistant store '{_store.Path}'. On the Responses protocol assistants are kept on this machine: create one with New-OaiAssistant or bring one with Import-OaiAssistant.");

    #endregion

    #region Threads (conversations) and messages (items)

    public async Task<OaiThread> CreateThreadAsync(ThreadCreateOptions o, CancellationToken ct)
    {
        if (o.Messages.Count > 20) throw new OaiArgumentException("A conversation starts with at most 20 items; add the rest with Add-OaiMessage.");
        if (o.Messages.Any(m => m.Metadata is { Count: > 0 }))
            throw NotOnResponses("Message metadata", "conversation items carry no metadata; put it on the thread instead");
        if (o.Messages.Any(HasParts))
        {
            // Images and files go in as parts, which only the part-list form carries.
            var parts = new CreateConversationPartsBody { Metadata = o.Metadata ?? OaiMetadata.Empty, Items = o.Messages.Select(PartsMessage).ToList() };
            return Map(await _client.PostAsync("/conversations", parts, J.CreateConversationPartsBody, J.ConversationResource, ct).ConfigureAwait(false));
        }
        var body = new CreateConversationBody
        {
            Metadata = o.Metadata ?? OaiMetadata.Empty,
            Items = o.Messages.Count == 0 ? null : o.Messages.Select(m => new InputMessageWire { Role = m.Role, Content = m.Content }).ToList(),
        };
        var thread = Map(await _client.PostAsync("/conversations", body, J.CreateConversationBody, J.ConversationResource, ct).ConfigureAwait(false));
        // Its first messages were made with it: they share its created_at when listed from the start.
        _records.LearnThreadStart(thread.Id, thread.CreatedAt, o.Messages.Count);
        return thread;
    }

    public async Task<OaiThread> GetThreadAsync(string threadId, CancellationToken ct) =>
        Map(await _client.GetAsync(ConversationPath(threadId), J.ConversationResource, ct).ConfigureAwait(false));

    public Task DeleteThreadAsync(string threadId, CancellationToken ct) =>
        _client.DeleteConfirmedAsync(ConversationPath(threadId), ct);

    public async Task<OaiThread> UpdateThreadAsync(string threadId, IReadOnlyDictionary<string, string> metadata, CancellationToken ct) =>
        Map(await _client.PostAsync(ConversationPath(threadId), new CreateConversationBody { Metadata = metadata },
            J.CreateConversationBody, J.ConversationResource, ct).ConfigureAwait(false));

    public Task<OaiMessage> UpdateMessageAsync(string threadId, string messageId, IReadOnlyDictionary<string, string> metadata, CancellationToken ct) =>
        throw NotOnResponses("Changing a message's metadata", "conversation items carry no metadata and cannot be modified");

    /// <summary>Deleting an item answers with the conversation, not a deletion receipt.</summary>
    public Task DeleteMessageAsync(string threadId, string messageId, CancellationToken ct) =>
        _client.DeleteAsync(ConversationPath(threadId) + "/items/" + OaiId.Check(messageId, "message"), J.ConversationResource, ct);

    public async Task<OaiMessage> AddMessageAsync(string threadId, MessageCreateOptions o, CancellationToken ct)
    {
        if (o.Metadata is { Count: > 0 })
            throw NotOnResponses("Message metadata", "conversation items carry no metadata; put it on the thread (New-OaiThread -Metadata) instead");
        ItemListWire list;
        if (HasParts(o))
        {
            // Files and images go in as input_file and input_image parts, which only the part-list form carries.
            var parts = new CreatePartItemsBody();
            parts.Items.Add(PartsMessage(o));
            list = await _client.PostAsync(ConversationPath(threadId) + "/items", parts, J.CreatePartItemsBody, J.ItemListWire, ct).ConfigureAwait(false);
        }
        else
        {
            var body = new CreateItemsBody();
            // The easy form (content as a string): the part-list form matches two schemas of the reference's oneOf.
            body.Items.Add(new InputMessageWire { Role = o.Role, Content = o.Content });
            list = await _client.PostAsync(ConversationPath(threadId) + "/items", body, J.CreateItemsBody, J.ItemListWire, ct).ConfigureAwait(false);
        }
        var item = list.Data?.FirstOrDefault(i => i.Type == "message")
            ?? throw new OaiApiException(OaiErrorKind.Protocol, $"POST {ConversationPath(threadId)}/items answered without the message item it created.");
        // The item carries no created_at: the time of the server's answer stands for it, here and when listed later.
        var message = MapMessage(item, threadId, null, null);
        message.CreatedAt ??= DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        _records.LearnAdded(message.Id, message.CreatedAt.Value);
        return message;
    }

    public async Task<OaiMessage> GetMessageAsync(string threadId, string messageId, CancellationToken ct)
    {
        var path = ConversationPath(threadId) + "/items/" + OaiId.Check(messageId, "message");
        var item = await _client.GetAsync(path, J.ItemWire, ct).ConfigureAwait(false);
        if (item.Type != "message")
            throw new OaiApiException(OaiErrorKind.NotFound, $"Item '{messageId}' of conversation '{threadId}' is a {item.Type}, not a message.");
        var message = MapMessage(item, threadId, null, null);
        _records.Fill(message, null);
        return message;
    }

    public IAsyncEnumerable<OaiMessage> ListMessagesAsync(string threadId, string? runId, ListOptions options, CancellationToken ct)
    {
        var path = ConversationPath(threadId);
        if (runId is not null) return RunMessagesAsync(threadId, runId, options, ct);
        if (options.Before is not null)
            throw NotOnResponses("Listing messages before a cursor", "conversation items page forward only (after)");
        var query = new OaiQuery().Set("limit", 100).Set("order", options.Order);
        if (options.After is not null) query.Set("after", OaiId.Check(options.After, "cursor"));
        // Items of other types (function calls, reasoning) are skipped, so -First counts messages, not items.
        var items = _client.ListAsync(path + "/items", query, J.ItemListWire, p => p.Data, p => p.HasMore, p => p.LastId, null, ct);
        return MessagesOf(items, threadId, options.First, fromStart: options.Order == "asc" && options.After is null, ct);
    }

    private async IAsyncEnumerable<OaiMessage> MessagesOf(IAsyncEnumerable<ItemWire> items, string threadId, int? first, bool fromStart,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var left = first ?? int.MaxValue;
        if (left <= 0) yield break;
        var position = 0;
        await foreach (var item in items.WithCancellation(ct).ConfigureAwait(false))
        {
            if (item.Type != "message") continue;
            var message = MapMessage(item, threadId, null, null);
            _records.Fill(message, fromStart ? position : null);
            position++;
            yield return message;
            if (--left == 0) yield break;
        }
    }

    /// <summary>The messages a run produced: the message items of its response's output.</summary>
    private async IAsyncEnumerable<OaiMessage> RunMessagesAsync(string threadId, string runId, ListOptions options,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var response = await _client.GetAsync(ResponsePath(runId), J.ResponseObject, ct).ConfigureAwait(false);
        Learn(response);
        var assistantId = StartedBy(response);
        IEnumerable<ItemWire> output = response.Output ?? new List<ItemWire>();
        if (options.Order == "desc") output = output.Reverse();
        foreach (var item in output.Where(i => i.Type == "message").Take(options.First ?? int.MaxValue))
        {
            yield return MapMessage(item, response.Conversation?.Id ?? threadId, response.Id, assistantId, response.CompletedAt ?? response.CreatedAt);
        }
    }

    #endregion

    #region Runs (background responses)

    public async Task<OaiRun> CreateRunAsync(string threadId, RunCreateOptions o, CancellationToken ct)
    {
        var body = RunBody(threadId, o, stream: null);
        var (response, raw) = await PostAsync(body, ct).ConfigureAwait(false);
        RememberStartedBy(response.Id, body.StartedBy);
        return Run(response, raw, body.Conversation!);
    }

    public async Task<RunStart> StartRunStreamAsync(string threadId, RunCreateOptions o, CancellationToken ct)
    {
        var body = RunBody(threadId, o, stream: true);
        return await Started(await _client.OpenEventStreamAsync(HttpMethod.Post, "/responses",
            RequestBody.Bytes(body, J.CreateResponseBody, body.AdditionalBodyJson), ct).ConfigureAwait(false), threadId, ct, body.StartedBy).ConfigureAwait(false);
    }

    /// <summary>A background response's events can be streamed again from a sequence number: GET ?stream=true&amp;starting_after=N.</summary>
    public async Task<RunStart?> ResumeRunStreamAsync(OaiRun run, long? afterSequence, CancellationToken ct)
    {
        var query = new OaiQuery().Set("stream", "true");
        if (afterSequence is { } n) query.Set("starting_after", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await Started(await _client.OpenEventStreamAsync(HttpMethod.Get, ResponsePath(run.Id) + query, null, ct).ConfigureAwait(false),
            run.ThreadId, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The answers go in as function_call_output items of a new background response on the same
    /// conversation, made with the same assistant, model, instructions and user metadata as the run that asked.
    /// </summary>
    public async Task<RunStart> SubmitToolOutputsAsync(OaiRun run, IReadOnlyList<ToolOutput> outputs, bool stream, CancellationToken ct)
    {
        if (run.AssistantId is null)
            throw new OaiApiException(OaiErrorKind.InvalidRequest,
                $"Response {run.Id} does not name the assistant that started it (metadata {AssistantIdKey}), so its tool calls cannot be answered in a new response.");
        // The user's pairs go on; the module's own keys are set afresh for the new response.
        var userMetadata = run.Metadata.Where(p => p.Key is not (AssistantIdKey or PreviousRunKey))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var options = new RunCreateOptions
        {
            AssistantId = run.AssistantId,
            Instructions = run.Instructions,
            Model = run.Model,
            Metadata = userMetadata.Count == 0 ? null : userMetadata,
        };
        var body = RunBody(run.ThreadId, options, stream ? true : null);
        // The new response names the one that asked, so its steps can be listed with those before it.
        if (body.Metadata is { } m && (m.Count < OaiMetadata.MaxPairs || m.ContainsKey(PreviousRunKey)))
            body.Metadata = new Dictionary<string, string>(m) { [PreviousRunKey] = run.Id };
        body.Input = outputs.Select(o => o.Approve is { } approve
            ? new FunctionCallOutputWire { Type = "mcp_approval_response", ApprovalRequestId = o.CallId, RequestId = o.CallId, Approve = approve }
            : new FunctionCallOutputWire { CallId = o.CallId, Output = o.Output }).ToList();
        CarryOver(body, run.RawJson);
        if (!stream)
        {
            var (response, raw) = await PostAsync(body, ct).ConfigureAwait(false);
            RememberStartedBy(response.Id, body.StartedBy);
            return new RunStart(Run(response, raw, run.ThreadId));
        }
        return await Started(await _client.OpenEventStreamAsync(HttpMethod.Post, "/responses",
            RequestBody.Bytes(body, J.CreateResponseBody, body.AdditionalBodyJson), ct).ConfigureAwait(false), run.ThreadId, ct, body.StartedBy).ConfigureAwait(false);
    }

    /// <summary>The events of an opened stream, or the response of a server that answered JSON instead.</summary>
    private async Task<RunStart> Started(OaiEventStream stream, string threadId, CancellationToken ct, string? startedBy = null)
    {
        if (stream.IsEventStream)
        {
            return new RunStart(Events(stream, threadId, ct, startedBy), stream)
            {
                Reopen = async c => await Started(await stream.ReopenAsync(c).ConfigureAwait(false), threadId, c, startedBy).ConfigureAwait(false),
            };
        }
        using (stream)
        {
            var response = await stream.ReadJsonAsync(J.ResponseObject, ct).ConfigureAwait(false);
            RememberStartedBy(response.Id, startedBy);
            return new RunStart(Run(response, null, threadId));
        }
    }

    private CreateResponseBody RunBody(string threadId, RunCreateOptions o, bool? stream)
    {
        var conversation = OaiId.Check(threadId, "thread");
        OaiId.Check(o.AssistantId, "assistant");
        var assistant = _store.Find(o.AssistantId)?.ToModel() ?? o.Assistant ?? throw AssistantNotFound(o.AssistantId);

        var metadata = new Dictionary<string, string>(o.Metadata ?? OaiMetadata.Empty);
        if (metadata.Count < OaiMetadata.MaxPairs) metadata[AssistantIdKey] = assistant.Id;

        var model = o.Model ?? (string.IsNullOrEmpty(assistant.Model) ? null : assistant.Model);
        if (model is null && assistant.PromptId is null)
            throw new OaiArgumentException($"Assistant '{assistant.Id}' has no model and no prompt: give -Model.");

        var settings = Checked(o.Settings).Over(assistant.RunSettings);
        var schema = RequestBody.Schema(settings);
        return new CreateResponseBody
        {
            StartedBy = assistant.Id,
            Model = model,
            Instructions = o.InstructionsFor(assistant.Instructions),
            Reasoning = settings.ReasoningEffort is null && settings.ReasoningSummary is null ? null
                : new ReasoningWire { Effort = settings.ReasoningEffort, Summary = settings.ReasoningSummary },
            Text = schema is null && settings.Verbosity is null ? null : new TextWire
            {
                Format = schema is null ? null : new JsonObject
                {
                    ["type"] = "json_schema",
                    ["name"] = settings.SchemaName ?? "response",
                    ["schema"] = schema,
                    ["strict"] = settings.Strict ?? true,
                },
                Verbosity = settings.Verbosity,
            },
            MaxOutputTokens = settings.MaxOutputTokens,
            ToolChoice = RequestBody.ToolChoice(settings.ToolChoice, nested: false),
            ParallelToolCalls = settings.ParallelToolCalls,
            MaxToolCalls = settings.MaxToolCalls,
            Truncation = settings.Truncation,
            ContextManagement = settings.CompactThreshold is { } threshold ? new List<ContextManagementWire> { new() { CompactThreshold = threshold } } : null,
            AdditionalBodyJson = settings.AdditionalBodyJson,
            Conversation = conversation,
            Background = true,
            Store = true,
            Stream = stream,
            Tools = (o.Tools ?? assistant.Tools) is { Count: > 0 } tools ? tools.Select(t => ToWire(t, assistant.Id, forRequest: true)).ToList() : null,
            Prompt = assistant.PromptId is null ? null : new PromptWire { Id = assistant.PromptId, Version = assistant.PromptVersion },
            Metadata = metadata,
            Temperature = settings.Temperature ?? assistant.Temperature,
            TopP = settings.TopP ?? assistant.TopP,
        };
    }

    private async Task<(ResponseObject, string)> PostAsync(CreateResponseBody body, CancellationToken ct) =>
        RequestBody.Merge(body, J.CreateResponseBody, body.AdditionalBodyJson) is { } merged
            ? await _client.PostRawAsync("/responses", merged, RequestBody.Info, J.ResponseObject, ct).ConfigureAwait(false)
            : await _client.PostRawAsync("/responses", body, J.CreateResponseBody, J.ResponseObject, ct).ConfigureAwait(false);

    /// <summary>
    /// The response that answers tool calls goes on with the asking response's format, reasoning and limits
    /// (the response echoes them), so a run's -JsonSchema holds for its final answer too.
    /// </summary>
    private static void CarryOver(CreateResponseBody body, string? raw)
    {
        if (raw is null) return;
        JsonObject asked;
        try
        {
            asked = JsonNode.Parse(raw) as JsonObject ?? new JsonObject();
        }
        catch (JsonException)
        {
            return;
        }
        if (asked["text"]?["format"] is JsonObject format && format["type"]?.GetValue<string>() == "json_schema")
            body.Text = new TextWire { Format = (JsonObject)format.DeepClone(), Verbosity = body.Text?.Verbosity };
        if (asked["reasoning"]?["effort"] is JsonValue effort && effort.TryGetValue<string>(out var e))
            body.Reasoning = new ReasoningWire { Effort = e, Summary = body.Reasoning?.Summary };
        if (asked["max_output_tokens"] is JsonValue max && max.TryGetValue<int>(out var m)) body.MaxOutputTokens = m;
    }

    /// <summary>Settings with no field on Responses are refused before any request.</summary>
    internal static OaiRunSettings Checked(OaiRunSettings s)
    {
        if (s.MaxPromptTokens is not null)
            throw NotOnResponses("-MaxPromptTokens", "a response caps its output (-MaxOutputTokens), not its prompt; use -CompactThreshold or -Truncation auto to bound the context");
        if (s.LastMessages is not null)
            throw NotOnResponses("-LastMessages", "a response sees the whole conversation; use -Truncation auto or -CompactThreshold to bound it");
        return s;
    }

    /// <summary>
    /// ResponseStreamEvents: lifecycle events carry the response, response.output_text.delta carries text,
    /// response.output_item.done closes a message; the stream ends after the terminal event (no [DONE]).
    /// Every event has a sequence_number, so a broken stream can be resumed where it stopped.
    /// </summary>
    private async IAsyncEnumerable<RunEvent> Events(OaiEventStream stream, string threadId, [EnumeratorCancellation] CancellationToken ct,
        string? startedBy = null)
    {
        await foreach (var item in stream.EventsAsync(ct).ConfigureAwait(false))
        {
            ResponseStreamEventWire e;
            try
            {
                e = JsonSerializer.Deserialize(item.Data, J.ResponseStreamEventWire) ?? throw new JsonException("The event's data was JSON null.");
            }
            catch (JsonException ex)
            {
                throw OaiApiException.Protocol(stream.Request, stream.RequestId, 200, ex);
            }
            var type = e.Type.Length > 0 ? e.Type : item.EventType;
            if (type == "error")
            {
                throw stream.ReportedError("The response's stream", e.Message, null, e.Code);
            }
            if (e.Response is not null)
            {
                string? raw = null;
                using (var doc = JsonDocument.Parse(item.Data))
                {
                    if (doc.RootElement.TryGetProperty("response", out var r)) raw = r.GetRawText();
                }
                RememberStartedBy(e.Response.Id, startedBy);
                yield return new RunEvent(RunEventKind.RunUpdated, Run: Run(e.Response, raw, threadId), Sequence: e.SequenceNumber);
            }
            else if (type == "response.output_text.delta" && !string.IsNullOrEmpty(e.Delta))
            {
                yield return new RunEvent(RunEventKind.TextDelta, MessageId: e.ItemId, Text: e.Delta, Sequence: e.SequenceNumber);
            }
            else if (type == "response.output_item.done" && e.Item?.Type == "message")
            {
                yield return new RunEvent(RunEventKind.MessageDone, MessageId: e.Item.Id, Sequence: e.SequenceNumber);
            }
        }
    }

    public async Task<OaiRun> GetRunAsync(string threadId, string runId, CancellationToken ct)
    {
        var (response, raw) = await _client.GetRawAsync(ResponsePath(runId), J.ResponseObject, ct).ConfigureAwait(false);
        return Run(response, raw, threadId);
    }

    /// <summary>
    /// A response has no steps of its own: its output items stand for them, a message item as message_creation
    /// and a function call as tool_calls. When tool calls were answered, the run is the last of a chain of
    /// responses, each naming the one before (metadata psassistants_previous_run_id): the steps of all of them are
    /// listed, oldest first, and each call's Output is read from the input of the response that answered it.
    /// </summary>
    public async IAsyncEnumerable<OaiRunStep> ListRunStepsAsync(string threadId, string runId, ListOptions options,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var chain = new List<ResponseObject> { await _client.GetAsync(ResponsePath(runId), J.ResponseObject, ct).ConfigureAwait(false) };
        while (chain.Count < MaxChain && chain[0].Metadata is { } m && m.TryGetValue(PreviousRunKey, out var previous) && previous.Length > 0)
            chain.Insert(0, await _client.GetAsync(ResponsePath(previous), J.ResponseObject, ct).ConfigureAwait(false));

        var steps = new List<OaiRunStep>();
        for (var i = 0; i < chain.Count; i++)
        {
            var response = chain[i];
            Learn(response);
            var items = (response.Output ?? new List<ItemWire>()).Where(x => x.Type == "message" || StepToolTypes.Contains(x.Type)).ToList();
            var outputs = items.Any(x => x.Type == "function_call") && i + 1 < chain.Count
                ? await AnswersAsync(chain[i + 1].Id, ct).ConfigureAwait(false)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var callId = item.CallId ?? item.Id ?? "";
                steps.Add(new OaiRunStep
                {
                    Id = item.Id ?? item.CallId ?? "",
                    RunId = response.Id,
                    ThreadId = response.Conversation?.Id ?? threadId,
                    Type = item.Type == "message" ? "message_creation" : "tool_calls",
                    Status = item.Status,
                    MessageId = item.Type == "message" ? item.Id : null,
                    ToolCalls = item.Type == "message" ? Array.Empty<OaiToolCall>() : new[] { StepCall(item, response, threadId, outputs.GetValueOrDefault(callId)) },
                    CreatedAt = Time(response.CreatedAt),
                    CompletedAt = response.CompletedAt is { } c ? Time(c) : null,
                });
            }
        }
        IEnumerable<OaiRunStep> ordered = options.Order == "desc" ? Enumerable.Reverse(steps) : steps;
        if (options.After is { } after) ordered = ordered.SkipWhile(x => x.Id != after && x.ToolCalls.FirstOrDefault()?.Id != after).Skip(1);
        foreach (var step in ordered.Take(options.First ?? int.MaxValue)) yield return step;
    }

    /// <summary>The answers a response was given: its function_call_output input items, by call id.</summary>
    private async Task<Dictionary<string, string>> AnswersAsync(string responseId, CancellationToken ct)
    {
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        var query = new OaiQuery().Set("limit", 100).Set("order", "asc");
        await foreach (var item in _client.ListAsync(ResponsePath(responseId) + "/input_items", query, J.ItemListWire,
            p => p.Data, p => p.HasMore, p => p.LastId, null, ct).ConfigureAwait(false))
        {
            if (item.Type == "function_call_output" && item.CallId is { } id && item.Output is { } output) answers[id] = output;
        }
        return answers;
    }

    /// <summary>The output items that stand for tool calls in run steps: function calls and what the hosted tools did.</summary>
    private static readonly HashSet<string> StepToolTypes = new(StringComparer.Ordinal)
    {
        "function_call", "web_search_call", "image_generation_call", "mcp_call", "mcp_list_tools", "mcp_approval_request",
        "code_interpreter_call", "file_search_call",
    };

    /// <summary>A step's tool call: a function call with its answer (from the next response's input), or what a hosted tool did.</summary>
    private static OaiToolCall StepCall(ItemWire item, ResponseObject response, string threadId, string? answer) => new()
    {
        Id = item.Type == "function_call" ? item.CallId ?? item.Id ?? "" : item.Id ?? "",
        Type = item.Type == "function_call" ? OaiToolType.Function : item.Type,
        Name = item.Name,
        Arguments = item.Arguments,
        Output = item.Type == "function_call" ? answer : item.Output,
        ServerLabel = item.ServerLabel,
        Status = item.Status,
        Query = item.Action?.Query,
        ThreadId = response.Conversation?.Id ?? threadId,
        RunId = response.Id,
    };

    /// <summary>
    /// Reads one image a run made from its conversation item (GET /conversations/{id}/items/{item}), so that only
    /// that image is in memory, and writes its bytes.
    /// </summary>
    public async Task DownloadGeneratedImageAsync(string threadId, string itemId, Stream destination, CancellationToken ct)
    {
        var path = ConversationPath(threadId) + "/items/" + OaiId.Check(itemId, "image");
        var item = await _client.GetAsync(path, J.ImageGenerationItemWire, ct).ConfigureAwait(false);
        if (item.Type != "image_generation_call")
            throw new OaiApiException(OaiErrorKind.NotFound, $"Item '{itemId}' of conversation '{threadId}' is a {item.Type}, not an image the run made.");
        if (string.IsNullOrEmpty(item.Result))
            throw new OaiApiException(OaiErrorKind.NotFound, $"Image '{itemId}' of conversation '{threadId}' holds no image (it may have failed).");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(item.Result); }
        catch (FormatException ex) { throw new OaiApiException(OaiErrorKind.Protocol, $"Image '{itemId}' is not valid base64.", ex); }
        item.Result = null;
        await destination.WriteAsync(bytes, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The response's JSON as a user may see it: secrets the server echoed (MCP header values) masked, and the
    /// base64 of generated images left out, so a run object does not carry every image it made (Save-OaiFile
    /// fetches them one by one).
    /// </summary>
    internal static string RawForUser(string raw)
    {
        if (raw.Contains("\"image_generation_call\"", StringComparison.Ordinal))
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(raw);
            if (node?["output"] is System.Text.Json.Nodes.JsonArray output)
            {
                foreach (var item in output.OfType<System.Text.Json.Nodes.JsonObject>())
                {
                    if (item["type"]?.GetValue<string>() == "image_generation_call" && item.ContainsKey("result")) item["result"] = null;
                }
                raw = node.ToJsonString();
            }
        }
        return OaiSecrets.Redact(raw);
    }

    /// <summary>A conversation made with its first messages, then a run on it: two requests on this protocol.</summary>
    public async Task<RunStart> CreateThreadAndRunAsync(ThreadCreateOptions thread, RunCreateOptions run, bool stream, CancellationToken ct)
    {
        var created = await CreateThreadAsync(thread, ct).ConfigureAwait(false);
        if (stream) return await StartRunStreamAsync(created.Id, run, ct).ConfigureAwait(false);
        return new RunStart(await CreateRunAsync(created.Id, run, ct).ConfigureAwait(false));
    }

    public IAsyncEnumerable<OaiRun> ListRunsAsync(string threadId, ListOptions options, CancellationToken ct) =>
        throw NotOnResponses("Listing the runs of a thread",
            "a conversation does not list the responses made on it; keep the run objects Start-OaiRun returns, or get one with Get-OaiRun -Id");

    public async Task<OaiRun> CancelRunAsync(string threadId, string runId, CancellationToken ct)
    {
        var (response, raw) = await _client.PostRawWithoutBodyAsync(ResponsePath(runId) + "/cancel", J.ResponseObject, ct).ConfigureAwait(false);
        return Run(response, raw, threadId);
    }

    #endregion

    #region Paths and mapping

    private static string ConversationPath(string threadId) => "/conversations/" + OaiId.Check(threadId, "thread");

    private static string ResponsePath(string runId) => "/responses/" + OaiId.Check(runId, "run");

    internal static OaiApiException NotOnResponses(string feature, string why) =>
        new(OaiErrorKind.NotSupported, $"{feature} is not available on the Responses protocol: {why}.");

    private static bool HasParts(MessageCreateOptions m) => m.FileIds.Count > 0 || m.Images.Count > 0;

    /// <summary>
    /// A message with files or images: its text, then one input_image part per image and one input_file part per
    /// file, which the model reads as input. A message has no per-tool attachments on Responses: a code interpreter
    /// gets its files from the tool's container (New-OaiAssistant -CodeInterpreterFileId), so -AttachTo
    /// code_interpreter is refused rather than lost.
    /// </summary>
    internal static InputPartsMessageWire PartsMessage(MessageCreateOptions o)
    {
        if (o.AttachTo.Contains(OaiToolType.CodeInterpreter, StringComparer.Ordinal))
            throw NotOnResponses("Attaching a file to a message for code_interpreter",
                "the code interpreter reads the files of its container; give them to the assistant with New-OaiAssistant -CodeInterpreterFileId, or attach the file without -AttachTo to give it to the model as an input_file");
        if (o.Role != "user")
            throw NotOnResponses("Attaching files or images to an assistant message", "input_file and input_image parts belong to user messages");
        var message = new InputPartsMessageWire { Role = o.Role };
        message.Content.Add(new InputContentPartWire { Type = "input_text", Text = o.Content });
        foreach (var image in o.Images)
        {
            message.Content.Add(new InputContentPartWire
            {
                Type = "input_image",
                FileId = image.FileId is null ? null : OaiId.Check(image.FileId, "file"),
                ImageUrl = image.Url,
                Detail = image.Detail,
            });
        }
        foreach (var id in o.FileIds) message.Content.Add(new InputContentPartWire { Type = "input_file", FileId = OaiId.Check(id, "file") });
        return message;
    }

    public string MessageFilePurpose => "user_data";

    /// <summary>
    /// Tools in the Responses shape. code_interpreter needs a container: an existing one, or "auto" that lets the
    /// server make one. An MCP tool's header values come from the tool, else from this process's registry for the
    /// assistant (the store keeps only their names); <paramref name="forRequest"/> false only checks the tool.
    /// </summary>
    internal static ResponsesToolWire ToWire(OaiTool t, string? assistantId = null, bool forRequest = true) => t.Type switch
    {
        OaiToolType.CodeInterpreter => new ResponsesToolWire
        {
            Type = OaiToolType.CodeInterpreter,
            Container = t.ContainerId is { } container
                ? new ContainerWire { Id = OaiId.Check(container, "container") }
                : new ContainerWire
                {
                    FileIds = t.FileIds.Count == 0 ? null : t.FileIds.Select(id => OaiId.Check(id, "file")).ToList(),
                    MemoryLimit = t.MemoryLimit,
                },
        },
        OaiToolType.Function => new ResponsesToolWire
        {
            Type = OaiToolType.Function,
            Name = t.Name,
            Description = t.Description,
            // The reference requires parameters on a function tool (null allowed), so a schema-less one says null.
            Parameters = JsonDocument.Parse(t.ParametersJson ?? "null").RootElement.Clone(),
            Strict = t.Strict ?? false,
        },
        OaiToolType.FileSearch when t.VectorStoreIds.Count > 0 => new ResponsesToolWire
        {
            Type = OaiToolType.FileSearch,
            VectorStoreIds = t.VectorStoreIds.Select(id => OaiId.Check(id, "vector store")).ToList(),
            MaxNumResults = t.MaxNumResults,
            Filters = t.FilterJson is null ? null : JsonDocument.Parse(t.FilterJson).RootElement.Clone(),
        },
        OaiToolType.FileSearch => throw NotOnResponses("The file_search tool without vector stores",
            "Responses needs the vector store ids in the tool itself: give them with New-OaiAssistant -VectorStoreId or New-OaiTool -FileSearch -VectorStoreId"),
        OaiToolType.WebSearch => new ResponsesToolWire
        {
            Type = OaiToolType.WebSearch,
            SearchContextSize = t.SearchContextSize,
            Filters = t.AllowedDomains.Count == 0 ? null : AllowedDomainsFilter(t.AllowedDomains),
            UserLocation = t.UserLocation is not { Count: > 0 } l ? null : new UserLocationWire
            {
                Country = l.GetValueOrDefault("country"),
                Region = l.GetValueOrDefault("region"),
                City = l.GetValueOrDefault("city"),
                Timezone = l.GetValueOrDefault("timezone"),
            },
        },
        OaiToolType.ImageGeneration => new ResponsesToolWire { Type = OaiToolType.ImageGeneration, Size = t.Size, Quality = t.Quality, OutputFormat = t.OutputFormat },
        OaiToolType.Mcp => new ResponsesToolWire
        {
            Type = OaiToolType.Mcp,
            ServerLabel = t.ServerLabel ?? throw new OaiArgumentException("An MCP tool needs a server label (New-OaiTool -Mcp -ServerLabel)."),
            ServerUrl = t.ServerUrl ?? throw new OaiArgumentException($"MCP tool '{t.ServerLabel}' has no server URL."),
            AllowedTools = t.AllowedTools.Count == 0 ? null : t.AllowedTools.ToList(),
            RequireApproval = t.RequireApproval,
            Headers = forRequest ? McpHeaderValues(t, assistantId) : null,
        },
        _ => new ResponsesToolWire { Type = t.Type },
    };

    private static JsonElement AllowedDomainsFilter(IReadOnlyList<string> domains)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("allowed_domains");
            foreach (var d in domains) w.WriteStringValue(d);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }

    /// <summary>
    /// The header values of an MCP tool: its own, else those handed over in this process for the assistant. A
    /// tool that names headers whose values this process does not hold (an assistant from the store or an
    /// export) is refused before the request, rather than sent without its credentials.
    /// </summary>
    private static IReadOnlyDictionary<string, string>? McpHeaderValues(OaiTool t, string? assistantId)
    {
        var values = t.Headers ?? McpHeaders.Find(assistantId, t.ServerLabel);
        if (t.HeaderNames.Count > 0 && (values is null || t.HeaderNames.Any(n => !values.ContainsKey(n))))
        {
            throw new OaiApiException(OaiErrorKind.InvalidRequest,
                $"MCP tool '{t.ServerLabel}' sends the headers {string.Join(", ", t.HeaderNames)}, whose values are never stored. Hand them over in this process: Set-OaiAssistant -Tool (New-OaiTool -Mcp ... -Header ...), or Start-OaiRun -Tool for one run.");
        }
        return values is { Count: > 0 } ? values : null;
    }

    private static DateTimeOffset Time(double seconds) => DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));

    private static string? AssistantIdOf(ResponseObject r) =>
        r.Metadata is not null && r.Metadata.TryGetValue(AssistantIdKey, out var id) ? id : null;

    /// <summary>The assistant a response names in its metadata, else the one this session started it for.</summary>
    private string? StartedBy(ResponseObject r) => AssistantIdOf(r) ?? _startedBy.GetValueOrDefault(r.Id);

    /// <summary>Notes which assistant a response of this session was made for, when its metadata has no room to say.</summary>
    private void RememberStartedBy(string responseId, string? assistantId)
    {
        if (assistantId is null || string.IsNullOrEmpty(responseId) || _startedBy.ContainsKey(responseId)) return;
        if (_startedBy.Count >= MaxStartedBy) _startedBy.Clear();
        _startedBy[responseId] = assistantId;
    }

    internal static OaiThread Map(ConversationResource c) => new()
    {
        Id = c.Id,
        CreatedAt = Time(c.CreatedAt),
        Metadata = OaiMetadata.From(c.Metadata),
    };

    internal static OaiMessage MapMessage(ItemWire item, string threadId, string? runId, string? assistantId, double? createdAt = null)
    {
        var parts = item.Content?.Select(c => new OaiMessageContent(c.Type)
        {
            Text = OaiSecrets.RedactOrNull(c.Text),
            Refusal = c.Refusal,
            FileId = c.FileId,
            ImageUrl = c.ImageUrl,
            Detail = c.Detail,
            FileName = c.Filename,
            Annotations = c.Annotations?.Select(a => new OaiMessageAnnotation(a.Type)
            {
                FileId = a.FileId,
                ContainerId = a.ContainerId,
                FileName = a.Filename,
                Index = a.Index,
                StartIndex = a.StartIndex,
                EndIndex = a.EndIndex,
                Url = a.Url,
                Title = a.Title,
            }).ToArray() ?? Array.Empty<OaiMessageAnnotation>(),
        }).ToArray() ?? Array.Empty<OaiMessageContent>();
        var when = item.CreatedAt ?? createdAt;
        return new OaiMessage
        {
            Id = item.Id ?? "",
            ThreadId = threadId,
            RunId = runId,
            AssistantId = item.Role == "assistant" ? assistantId : null,
            Role = item.Role ?? "",
            Status = item.Status,
            Content = parts,
            Text = OaiMessage.JoinText(parts),
            CreatedAt = when is { } w ? Time(w) : null,
        };
    }

    /// <summary>The text of the response's output messages, joined by blank lines; null when there is none.</summary>
    private static string? OutputTextOf(ResponseObject r)
    {
        var texts = (r.Output ?? new List<ItemWire>()).Where(i => i.Type == "message")
            .SelectMany(i => i.Content ?? new List<ContentPartWire>()).Where(c => c.Type == "output_text" && c.Text is not null).Select(c => c.Text!).ToList();
        return texts.Count == 0 ? null : string.Join("\n\n", texts);
    }

    /// <summary>Maps a response this session saw, remembering which messages it wrote (see <see cref="MessageRecords"/>).</summary>
    private OaiRun Run(ResponseObject r, string? raw, string threadId)
    {
        Learn(r);
        var run = Map(r, raw, threadId);
        run.AssistantId ??= _startedBy.GetValueOrDefault(r.Id);
        return run;
    }

    private void Learn(ResponseObject r)
    {
        if (r.Output is not { Count: > 0 } output) return;
        var when = r.CompletedAt ?? r.CreatedAt;
        _records.LearnResponse(r.Id, StartedBy(r), Time(when), output.Where(i => i.Type == "message").Select(i => i.Id));
    }

    /// <summary>
    /// A response maps onto a run. A response that ended with function calls to answer is shown as
    /// requires_action, as a run waiting for tool outputs would be on Assistants v2.
    /// </summary>
    internal static OaiRun Map(ResponseObject r, string? raw, string threadId)
    {
        // Function calls to answer, and MCP approval requests to approve or deny (both make requires_action).
        var calls = r.Output?.Where(i => i.Type is "function_call" or "mcp_approval_request").ToArray() ?? Array.Empty<ItemWire>();
        var status = r.Status ?? "";
        if (status == OaiRunStatus.Completed && calls.Length > 0) status = OaiRunStatus.RequiresAction;
        var metadata = OaiMetadata.From(r.Metadata);
        return new OaiRun
        {
            Id = r.Id,
            ThreadId = r.Conversation?.Id ?? threadId,
            AssistantId = AssistantIdOf(r),
            Status = status,
            Instructions = r.Instructions is { ValueKind: JsonValueKind.String } s ? s.GetString() : null,
            Model = r.Model,
            CreatedAt = Time(r.CreatedAt),
            CompletedAt = status == OaiRunStatus.Completed && r.CompletedAt is { } c ? Time(c) : null,
            LastError = r.Error is null ? null : new OaiRunError { Code = r.Error.Code, Message = OaiSecrets.RedactOrNull(r.Error.Message) },
            IncompleteReason = r.IncompleteDetails?.Reason,
            Usage = r.Usage is null ? null : new OaiUsage
            {
                PromptTokens = r.Usage.InputTokens,
                CompletionTokens = r.Usage.OutputTokens,
                TotalTokens = r.Usage.TotalTokens,
                CachedTokens = r.Usage.InputTokensDetails?.CachedTokens,
                ReasoningTokens = r.Usage.OutputTokensDetails?.ReasoningTokens,
            },
            // The reply's text is in the response itself: no further request is needed for it.
            OutputText = status == OaiRunStatus.Completed ? OaiSecrets.RedactOrNull(OutputTextOf(r)) : null,
            SchemaJson = r.Text?.Format is { } format && format["type"]?.GetValue<string>() == "json_schema" ? format["schema"]?.ToJsonString() : null,
            RequiredAction = calls.Length == 0 ? null : new OaiRequiredAction
            {
                ToolCalls = calls.Select(f => f.Type == "mcp_approval_request"
                    ? new OaiToolCall { Id = f.Id ?? "", Type = f.Type, Name = f.Name, Arguments = f.Arguments, ServerLabel = f.ServerLabel }
                    : new OaiToolCall { Id = f.CallId ?? f.Id ?? "", Name = f.Name, Arguments = f.Arguments }).ToArray(),
            },
            Metadata = metadata,
            RawJson = raw is null ? null : RawForUser(raw),
        };
    }

    #endregion
}
