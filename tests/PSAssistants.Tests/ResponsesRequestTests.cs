using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using PSAssistants.Client;
using PSAssistants.Protocols;
using PSAssistants.Protocols.Responses;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// A Responses adapter over the in-memory transport, with its own assistant store in a fresh temporary
/// folder that is deleted afterwards, so tests never share or touch a user's store.
/// </summary>
internal sealed class ResponsesHarness : IDisposable
{
    public ResponsesHarness()
    {
        Dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "psassistants-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        StorePath = System.IO.Path.Combine(Dir, "assistants.json");
        Session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base, Protocol = OaiProtocol.Responses, TimeoutSec = 30, MaxRetries = 2, AssistantStorePath = StorePath });
        Handler = new FakeHandler();
        Adapter = new ResponsesAdapter(Session, new HttpMessageInvoker(Handler));
        Adapter.Client.RetryDelay = (_, _) => TimeSpan.Zero;
    }

    public string Dir { get; }
    public string StorePath { get; }
    public OaiSession Session { get; }
    public FakeHandler Handler { get; }
    public ResponsesAdapter Adapter { get; }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// Responses and Conversations objects written by hand from the reference (openai-openapi.yaml: Response,
/// ConversationResource, ConversationItemList, OutputMessage, FunctionToolCall): every required field,
/// nulls where nullable, and a few fields this module does not know.
/// </summary>
internal static class RF
{
    public const string LocalAssistantId = "asst_local_ABCDEFGHIJ0123456789";

    public const string Conversation = """
        {
          "id": "conv_abc",
          "object": "conversation",
          "created_at": 1741900000,
          "metadata": {"topic": "demo"},
          "future_field": [1, {"x": null}]
        }
        """;

    public static string ConversationDeleted(string id = "conv_abc") =>
        $$"""{"id": "{{id}}", "object": "conversation.deleted", "deleted": true}""";

    /// <summary>OutputMessage: id, type, role, content, status are required; each output_text part has annotations and logprobs.</summary>
    public static string OutputMessage(string id, params string[] texts) => $$"""
        {
          "type": "message",
          "id": "{{id}}",
          "status": "completed",
          "role": "assistant",
          "phase": null,
          "content": [{{string.Join(", ", texts.Select(t => $$"""{"type": "output_text", "text": {{JsonSerializer.Serialize(t)}}, "annotations": [], "logprobs": []}"""))}}]
        }
        """;

    public static string UserMessage(string id, string text) => $$"""
        {"type": "message", "id": "{{id}}", "status": "completed", "role": "user",
         "content": [{"type": "input_text", "text": {{JsonSerializer.Serialize(text)}}}]}
        """;

    /// <summary>FunctionToolCall (req: type, call_id, name, arguments) as stored: with id and status.</summary>
    public static string FunctionCall(string id, string callId, string name, string arguments) => $$"""
        {"type": "function_call", "id": "{{id}}", "call_id": "{{callId}}", "name": "{{name}}",
         "arguments": {{JsonSerializer.Serialize(arguments)}}, "status": "completed", "namespace": null}
        """;

    public static string FunctionCallOutput(string id, string callId) => $$"""
        {"type": "function_call_output", "id": "{{id}}", "call_id": "{{callId}}",
         "output": [{"type": "input_text", "text": "22 C"}], "status": "completed"}
        """;

    public static string Reasoning(string id) => $$"""
        {"type": "reasoning", "id": "{{id}}", "summary": [{"type": "summary_text", "text": "Thought about it."}],
         "content": [{"type": "reasoning_text", "text": "thinking"}], "encrypted_content": null, "status": "completed"}
        """;

    /// <summary>An item type this module has never heard of, with a call_id that must not make it a tool call.</summary>
    public static string UnknownItem(string id) => $$"""
        {"type": "future_call", "id": "{{id}}", "call_id": "call_future", "status": "completed",
         "action": {"commands": ["ls", "-l"], "env": {"A": "1"} }, "outputs": [{"kind": "logs", "logs": "..."}], "score": 0.5}
        """;

    /// <summary>ConversationItemList / ResponseItemList: object, data, first_id, last_id, has_more are all required.</summary>
    public static string ItemList(bool hasMore, params string[] items)
    {
        var ids = items.Select(i => JsonNode.Parse(i)!["id"]!.GetValue<string>()).ToArray();
        var first = ids.Length == 0 ? "null" : $"\"{ids[0]}\"";
        var last = ids.Length == 0 ? "null" : $"\"{ids[^1]}\"";
        return "{\"object\": \"list\", \"data\": [" + string.Join(", ", items) + "], \"first_id\": " + first
            + ", \"last_id\": " + last + ", \"has_more\": " + (hasMore ? "true" : "false") + "}";
    }

    public const string Usage = """
        {"input_tokens": 36, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
         "output_tokens": 87, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 123}
        """;

    private const string DefaultMetadata = "{\"psassistants_assistant_id\": \"" + LocalAssistantId + "\"}";

    /// <summary>
    /// A Response with every field the reference marks required (id, object, created_at, error, incomplete_details,
    /// instructions, model, tools, output, parallel_tool_calls, metadata, tool_choice, temperature, top_p), the
    /// optional ones this module reads (status, completed_at, usage, conversation) and fields it does not know.
    /// </summary>
    public static string Response(string status = "completed", string output = "[]", string completedAt = "1741476543.5",
        string error = "null", string incompleteDetails = "null", string instructions = "\"Be brief.\"",
        string conversation = "{\"id\": \"conv_abc\"}", string? metadata = null, string usage = Usage,
        string toolChoice = "\"auto\"", string createdAt = "1741476542.125", string id = "resp_abc") => $$$"""
        {
          "id": "{{{id}}}",
          "object": "response",
          "created_at": {{{createdAt}}},
          "status": "{{{status}}}",
          "background": true,
          "completed_at": {{{completedAt}}},
          "error": {{{error}}},
          "incomplete_details": {{{incompleteDetails}}},
          "instructions": {{{instructions}}},
          "max_output_tokens": null,
          "model": "gpt-4o-2024-08-06",
          "output": {{{output}}},
          "parallel_tool_calls": true,
          "previous_response_id": null,
          "reasoning": {"effort": null, "summary": null},
          "store": true,
          "temperature": 1.0,
          "text": {"format": {"type": "text"}},
          "tool_choice": {{{toolChoice}}},
          "tools": [
            {"type": "code_interpreter", "container": {"type": "auto"}},
            {"type": "function", "name": "get_weather", "description": null,
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}, "strict": true}
          ],
          "top_p": 1.0,
          "truncation": "disabled",
          "usage": {{{usage}}},
          "user": null,
          "metadata": {{{metadata ?? DefaultMetadata}}},
          "conversation": {{{conversation}}},
          "service_tier": "default",
          "future_field": {"nested": [1, 2, {"x": null}]}
        }
        """;
}

/// <summary>
/// Every Responses + Conversations request the adapter builds, against protocol-notes.md sections 3 and 4:
/// method, exact path under the base URI, query, headers and body; and what is refused before any request.
/// </summary>
public sealed class ResponsesRequestTests : IDisposable
{
    private const string WeatherSchema =
        """{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": false}""";

    private readonly ResponsesHarness _h = new();

    public void Dispose() => _h.Dispose();

    private ResponsesAdapter Adapter => _h.Adapter;
    private FakeHandler Handler => _h.Handler;

    private static OaiTool Weather(bool? strict = true, string? parameters = WeatherSchema) =>
        new("function") { Name = "get_weather", Description = "Weather for a city", ParametersJson = parameters, Strict = strict };

    private Task<OaiAssistant> NewAssistant(string? model = "gpt-4o", string? instructions = "Be helpful.", IReadOnlyList<OaiTool>? tools = null,
        double? temperature = null, double? topP = null, string? promptId = null, string? promptVersion = null) =>
        Adapter.CreateAssistantAsync(new AssistantCreateOptions
        {
            Model = model,
            Instructions = instructions,
            Tools = tools ?? Array.Empty<OaiTool>(),
            Temperature = temperature,
            TopP = topP,
            PromptId = promptId,
            PromptVersion = promptVersion,
        }, default);

    private async Task<(OaiRun Run, RecordedRequest Request)> StartRun(RunCreateOptions options, string? response = null)
    {
        Handler.EnqueueJson(response ?? RF.Response(status: "queued", output: "[]", completedAt: "null", usage: "null"));
        var run = await Adapter.CreateRunAsync("conv_abc", options, default);
        return (run, Assert.Single(Handler.Requests));
    }

    #region Method, path, query and headers of every request

    private sealed record Case(Func<ResponsesAdapter, Task> Call, string Method, string Path, string? Query, string Response);

    private static readonly Dictionary<string, Case> s_cases = new()
    {
        ["CreateThread"] = new(a => a.CreateThreadAsync(new ThreadCreateOptions(), default),
            "POST", "/v1/conversations", null, RF.Conversation),
        ["GetThread"] = new(a => a.GetThreadAsync("conv_abc", default),
            "GET", "/v1/conversations/conv_abc", null, RF.Conversation),
        ["DeleteThread"] = new(a => a.DeleteThreadAsync("conv_abc", default),
            "DELETE", "/v1/conversations/conv_abc", null, RF.ConversationDeleted()),
        ["AddMessage"] = new(a => a.AddMessageAsync("conv_abc", new MessageCreateOptions { Content = "Hello" }, default),
            "POST", "/v1/conversations/conv_abc/items", null, RF.ItemList(false, RF.UserMessage("msg_1", "Hello"))),
        ["GetMessage"] = new(a => a.GetMessageAsync("conv_abc", "msg_1", default),
            "GET", "/v1/conversations/conv_abc/items/msg_1", null, RF.UserMessage("msg_1", "Hello")),
        ["ListMessages"] = new(a => T.ToListAsync(a.ListMessagesAsync("conv_abc", null, new ListOptions(), default)),
            "GET", "/v1/conversations/conv_abc/items", "limit=100&order=asc", RF.ItemList(false, RF.UserMessage("msg_1", "Hello"))),
        ["ListMessagesOfRun"] = new(a => T.ToListAsync(a.ListMessagesAsync("conv_abc", "resp_abc", new ListOptions(), default)),
            "GET", "/v1/responses/resp_abc", null, RF.Response(output: "[" + RF.OutputMessage("msg_2", "Hi") + "]")),
        ["GetRun"] = new(a => a.GetRunAsync("conv_abc", "resp_abc", default),
            "GET", "/v1/responses/resp_abc", null, RF.Response()),
        ["CancelRun"] = new(a => a.CancelRunAsync("conv_abc", "resp_abc", default),
            "POST", "/v1/responses/resp_abc/cancel", null, RF.Response(status: "cancelled", completedAt: "null")),
    };

    public static TheoryData<string> CaseNames => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Each_method_sends_the_reference_method_path_and_query(string name)
    {
        var c = s_cases[name];
        Handler.EnqueueJson(c.Response);

        await c.Call(Adapter);

        var r = Assert.Single(Handler.Requests);
        Assert.Equal(c.Method, r.Method);
        Assert.Equal(c.Path, r.Path);
        Assert.Equal("127.0.0.1", r.Uri.Host);
        Assert.Equal(c.Query is null ? "" : "?" + c.Query, r.Uri.Query);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Each_method_sends_auth_and_no_assistants_beta_header(string name)
    {
        var c = s_cases[name];
        Handler.EnqueueJson(c.Response);

        await c.Call(Adapter);

        var r = Assert.Single(Handler.Requests);
        Assert.Equal("Bearer " + T.Key, r.Header("Authorization"));
        Assert.Null(r.Header("OpenAI-Beta"));
        Assert.Equal("application/json", r.Header("Accept"));
        Assert.StartsWith("PSAssistants/", r.Header("User-Agent"));
        if (r.Method == "POST")
        {
            // POST /responses/{id}/cancel has no request body in the reference; a client may send none.
            if (r.Body is not null) Assert.Equal("application/json", r.ContentMediaType);
            Assert.StartsWith("psa-", r.Header("Idempotency-Key"));
        }
        else
        {
            Assert.Null(r.Body);
        }
    }

    [Fact]
    public async Task Create_run_sends_no_assistants_beta_header_either()
    {
        var assistant = await NewAssistant();

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id });

        Assert.Equal("/v1/responses", r.Path);
        Assert.Null(r.Header("OpenAI-Beta"));
    }

    #endregion

    #region Ids and unsupported features refused before any request

    public static TheoryData<string> BadIdCalls => new(s_badIdCalls.Keys);

    private static readonly Dictionary<string, Func<ResponsesAdapter, Task>> s_badIdCalls = new()
    {
        ["GetThread"] = a => a.GetThreadAsync("../conversations", default),
        ["DeleteThread"] = a => a.DeleteThreadAsync("conv_x/items", default),
        ["AddMessage thread"] = a => a.AddMessageAsync("conv_x?x=1", new MessageCreateOptions { Content = "Hi" }, default),
        ["GetMessage thread"] = a => a.GetMessageAsync("..", "msg_1", default),
        ["GetMessage item"] = a => a.GetMessageAsync("conv_abc", "msg_1/../x", default),
        ["ListMessages thread"] = async a => await T.ToListAsync(a.ListMessagesAsync("conv x", null, new ListOptions(), default)),
        ["ListMessages run"] = async a => await T.ToListAsync(a.ListMessagesAsync("conv_abc", "resp_1/cancel", new ListOptions(), default)),
        ["ListMessages after"] = async a => await T.ToListAsync(a.ListMessagesAsync("conv_abc", null, new ListOptions { After = "msg&limit=1" }, default)),
        ["CreateRun thread"] = a => a.CreateRunAsync("../x", new RunCreateOptions { AssistantId = "asst_local_x" }, default),
        ["CreateRun assistant"] = a => a.CreateRunAsync("conv_abc", new RunCreateOptions { AssistantId = "asst/../x" }, default),
        ["GetRun"] = a => a.GetRunAsync("conv_abc", "resp_1/input_items", default),
        ["CancelRun"] = a => a.CancelRunAsync("conv_abc", "resp_1?x", default),
        ["GetAssistant"] = a => a.GetAssistantAsync("asst/x", default),
        ["DeleteAssistant"] = a => a.DeleteAssistantAsync("..", default),
    };

    [Theory]
    [MemberData(nameof(BadIdCalls))]
    public async Task Bad_ids_are_refused_before_any_request(string name)
    {
        var ex = await Assert.ThrowsAsync<OaiApiException>(() => s_badIdCalls[name](Adapter));

        Assert.Equal(OaiErrorKind.InvalidId, ex.Kind);
        Assert.Null(ex.ErrorCode);
        Assert.Empty(Handler.Requests);
    }

    [Fact]
    public async Task Message_metadata_is_refused_as_not_supported_before_any_request()
    {
        var ex = await Assert.ThrowsAsync<OaiApiException>(() => Adapter.AddMessageAsync("conv_abc",
            new MessageCreateOptions { Content = "Hi", Metadata = new Dictionary<string, string> { ["k"] = "v" } }, default));

        Assert.Equal(OaiErrorKind.NotSupported, ex.Kind);
        Assert.Null(ex.ErrorCode);
        Assert.Empty(Handler.Requests);
    }

    [Fact]
    public async Task Empty_message_metadata_is_not_refused()
    {
        Handler.EnqueueJson(RF.ItemList(false, RF.UserMessage("msg_1", "Hi")));

        await Adapter.AddMessageAsync("conv_abc",
            new MessageCreateOptions { Content = "Hi", Metadata = new Dictionary<string, string>() }, default);

        Assert.Single(Handler.Requests);
    }

    [Fact]
    public async Task Listing_runs_is_not_supported_and_sends_nothing()
    {
        var ex = await Assert.ThrowsAsync<OaiApiException>(async () =>
            await T.ToListAsync(Adapter.ListRunsAsync("conv_abc", new ListOptions(), default)));

        Assert.Equal(OaiErrorKind.NotSupported, ex.Kind);
        Assert.Null(ex.ErrorCode);
        Assert.Empty(Handler.Requests);
    }

    [Fact]
    public async Task Listing_messages_before_a_cursor_is_not_supported_and_sends_nothing()
    {
        var ex = await Assert.ThrowsAsync<OaiApiException>(async () =>
            await T.ToListAsync(Adapter.ListMessagesAsync("conv_abc", null, new ListOptions { Before = "msg_9" }, default)));

        Assert.Equal(OaiErrorKind.NotSupported, ex.Kind);
        Assert.Empty(Handler.Requests);
    }

    #endregion

    #region Threads (conversations) and messages (items)

    [Fact]
    public async Task Create_thread_posts_its_metadata_and_maps_the_conversation()
    {
        Handler.EnqueueJson(RF.Conversation);

        var thread = await Adapter.CreateThreadAsync(
            new ThreadCreateOptions { Metadata = new Dictionary<string, string> { ["topic"] = "demo" } }, default);

        T.AssertJsonEqual("""{"metadata": {"topic": "demo"}}""", Assert.Single(Handler.Requests).Body);
        Assert.Equal("conv_abc", thread.Id);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1741900000), thread.CreatedAt);
        Assert.Equal("demo", thread.Metadata["topic"]);
    }

    [Fact]
    public async Task Create_thread_without_metadata_posts_an_empty_map()
    {
        Handler.EnqueueJson(RF.Conversation);

        await Adapter.CreateThreadAsync(new ThreadCreateOptions(), default);

        T.AssertJsonEqual("""{"metadata": {}}""", Assert.Single(Handler.Requests).Body);
    }

    /// <summary>
    /// The body of POST /conversations/{id}/items holding one message: {"items": [{"type": "message", "role", "content"}]}.
    /// The reference's InputItem takes the content as a string (EasyInputMessage) or as a list of parts; in the
    /// list form a user's text is an input_text part and an assistant's an output_text part. Either form passes;
    /// nothing else may be in the item.
    /// </summary>
    private static void AssertOneMessageItem(string? body, string role, string text)
    {
        Assert.NotNull(body);
        var root = JsonNode.Parse(body!)!.AsObject();
        Assert.Equal(new[] { "items" }, root.Select(p => p.Key));
        var item = Assert.Single(root["items"]!.AsArray())!.AsObject();
        Assert.Equal(new[] { "content", "role", "type" }, item.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("message", item["type"]!.GetValue<string>());
        Assert.Equal(role, item["role"]!.GetValue<string>());
        var content = item["content"]!;
        if (content.GetValueKind() == JsonValueKind.String)
        {
            Assert.Equal(text, content.GetValue<string>());
        }
        else
        {
            var partType = role == "assistant" ? "output_text" : "input_text";
            T.AssertJsonEqual($$"""[{"type": "{{partType}}", "text": {{JsonSerializer.Serialize(text)}}}]""", content.ToJsonString());
        }
    }

    [Fact]
    public async Task Add_message_posts_one_user_message_item()
    {
        Handler.EnqueueJson(RF.ItemList(false, RF.UserMessage("msg_1", "What is 2+2?")));

        var message = await Adapter.AddMessageAsync("conv_abc", new MessageCreateOptions { Content = "What is 2+2?" }, default);

        AssertOneMessageItem(Assert.Single(Handler.Requests).Body, "user", "What is 2+2?");
        Assert.Equal("msg_1", message.Id);
        Assert.Equal("conv_abc", message.ThreadId);
        Assert.Equal("user", message.Role);
        Assert.Equal("What is 2+2?", message.Text);
        Assert.Null(message.RunId);
    }

    [Fact]
    public async Task Add_message_as_assistant_posts_an_assistant_message_item()
    {
        Handler.EnqueueJson(RF.ItemList(false, RF.OutputMessage("msg_2", "Four.")));

        var message = await Adapter.AddMessageAsync("conv_abc", new MessageCreateOptions { Content = "Four.", Role = "assistant" }, default);

        AssertOneMessageItem(Assert.Single(Handler.Requests).Body, "assistant", "Four.");
        Assert.Equal("assistant", message.Role);
        Assert.Equal("Four.", message.Text);
    }

    [Fact]
    public async Task Add_message_whose_answer_holds_no_message_item_is_a_protocol_error()
    {
        Handler.EnqueueJson(RF.ItemList(false, RF.Reasoning("rs_1")));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() =>
            Adapter.AddMessageAsync("conv_abc", new MessageCreateOptions { Content = "Hi" }, default));

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
    }

    [Fact]
    public async Task Get_message_maps_the_item()
    {
        Handler.EnqueueJson(RF.OutputMessage("msg_2", "Hello", "world"));

        var message = await Adapter.GetMessageAsync("conv_abc", "msg_2", default);

        Assert.Equal("/v1/conversations/conv_abc/items/msg_2", Assert.Single(Handler.Requests).Path);
        Assert.Equal("msg_2", message.Id);
        Assert.Equal("conv_abc", message.ThreadId);
        Assert.Equal("assistant", message.Role);
        Assert.Equal("completed", message.Status);
        Assert.Equal("Hello\nworld", message.Text);
    }

    [Fact]
    public async Task Get_message_of_an_item_that_is_not_a_message_is_not_found()
    {
        Handler.EnqueueJson(RF.FunctionCall("fc_1", "call_1", "get_weather", "{}"));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => Adapter.GetMessageAsync("conv_abc", "fc_1", default));

        Assert.Equal(OaiErrorKind.NotFound, ex.Kind);
        Assert.Contains("function_call", ex.Message);
    }

    [Fact]
    public async Task List_messages_pages_with_after_and_skips_items_that_are_not_messages()
    {
        Handler.EnqueueJson(RF.ItemList(true, RF.UserMessage("msg_1", "one"), RF.FunctionCall("fc_1", "call_1", "get_weather", "{}"), RF.Reasoning("rs_1")));
        Handler.EnqueueJson(RF.ItemList(false, RF.OutputMessage("msg_2", "two"), RF.FunctionCallOutput("fco_1", "call_1"),
            RF.UnknownItem("fu_1"), RF.OutputMessage("msg_3", "three")));

        var messages = await T.ToListAsync(Adapter.ListMessagesAsync("conv_abc", null, new ListOptions(), default));

        Assert.Equal(new[] { "msg_1", "msg_2", "msg_3" }, messages.Select(m => m.Id));
        Assert.Equal(new[] { "one", "two", "three" }, messages.Select(m => m.Text));
        Assert.All(messages, m => Assert.Equal("conv_abc", m.ThreadId));
        var requests = Handler.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal("?limit=100&order=asc", requests[0].Uri.Query);
        Assert.Equal("/v1/conversations/conv_abc/items", requests[1].Path);
        Assert.Equal("100", requests[1].QueryValue("limit"));
        Assert.Equal("asc", requests[1].QueryValue("order"));
        Assert.Equal("rs_1", requests[1].QueryValue("after"));
    }

    [Fact]
    public async Task List_messages_First_counts_messages_not_items()
    {
        Handler.EnqueueJson(RF.ItemList(true, RF.UserMessage("msg_1", "one"), RF.FunctionCall("fc_1", "call_1", "f", "{}"), RF.Reasoning("rs_1")));
        Handler.EnqueueJson(RF.ItemList(true, RF.Reasoning("rs_2"), RF.OutputMessage("msg_2", "two"), RF.OutputMessage("msg_3", "three")));

        var messages = await T.ToListAsync(Adapter.ListMessagesAsync("conv_abc", null, new ListOptions { First = 2 }, default));

        Assert.Equal(new[] { "msg_1", "msg_2" }, messages.Select(m => m.Id));
        Assert.Equal(2, Handler.Requests.Count);
    }

    [Fact]
    public async Task List_messages_stops_after_the_page_that_fills_First()
    {
        Handler.EnqueueJson(RF.ItemList(true, RF.UserMessage("msg_1", "one"), RF.OutputMessage("msg_2", "two")));

        var messages = await T.ToListAsync(Adapter.ListMessagesAsync("conv_abc", null, new ListOptions { First = 1 }, default));

        Assert.Equal("msg_1", Assert.Single(messages).Id);
        Assert.Single(Handler.Requests);
    }

    [Fact]
    public async Task List_messages_passes_order_and_a_starting_cursor()
    {
        Handler.EnqueueJson(RF.ItemList(false, RF.OutputMessage("msg_3", "three")));

        await T.ToListAsync(Adapter.ListMessagesAsync("conv_abc", null, new ListOptions { Order = "desc", After = "msg_4" }, default));

        var r = Assert.Single(Handler.Requests);
        Assert.Equal("100", r.QueryValue("limit"));
        Assert.Equal("desc", r.QueryValue("order"));
        Assert.Equal("msg_4", r.QueryValue("after"));
    }

    [Fact]
    public async Task List_messages_of_a_run_reads_the_response_and_returns_only_its_message_items()
    {
        var output = "[" + string.Join(", ", RF.Reasoning("rs_1"), RF.OutputMessage("msg_a", "first"),
            RF.FunctionCall("fc_1", "call_1", "get_weather", "{\"city\":\"Paris\"}"), RF.UnknownItem("fu_1"), RF.OutputMessage("msg_b", "second")) + "]";
        Handler.EnqueueJson(RF.Response(output: output, conversation: "{\"id\": \"conv_from_response\"}"));

        var messages = await T.ToListAsync(Adapter.ListMessagesAsync("conv_abc", "resp_abc", new ListOptions(), default));

        var r = Assert.Single(Handler.Requests);
        Assert.Equal("GET", r.Method);
        Assert.Equal("/v1/responses/resp_abc", r.Path);
        Assert.Equal(new[] { "msg_a", "msg_b" }, messages.Select(m => m.Id));
        Assert.Equal(new[] { "first", "second" }, messages.Select(m => m.Text));
        Assert.All(messages, m =>
        {
            Assert.Equal("resp_abc", m.RunId);
            Assert.Equal("conv_from_response", m.ThreadId);
            Assert.Equal(RF.LocalAssistantId, m.AssistantId);
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1741476543500), m.CreatedAt);
        });
    }

    [Fact]
    public async Task List_messages_of_a_run_honours_order_desc_and_First()
    {
        var output = "[" + string.Join(", ", RF.OutputMessage("msg_a", "a"), RF.Reasoning("rs_1"), RF.OutputMessage("msg_b", "b"),
            RF.OutputMessage("msg_c", "c")) + "]";
        Handler.EnqueueJson(RF.Response(output: output));

        var messages = await T.ToListAsync(Adapter.ListMessagesAsync("conv_abc", "resp_abc",
            new ListOptions { Order = "desc", First = 2 }, default));

        Assert.Equal(new[] { "msg_c", "msg_b" }, messages.Select(m => m.Id));
    }

    #endregion

    #region Runs (background responses)

    [Fact]
    public async Task Create_run_posts_a_background_stored_response_on_the_conversation_with_the_assistants_definition()
    {
        var assistant = await NewAssistant(instructions: "Be helpful.", tools: new[] { new OaiTool("code_interpreter"), Weather() },
            temperature: 0.2, topP: 0.9);

        var (run, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id, AdditionalInstructions = "Answer in French." });

        Assert.Equal("POST", r.Method);
        Assert.Equal("/v1/responses", r.Path);
        T.AssertJsonEqual($$"""
            {
              "model": "gpt-4o",
              "instructions": "Be helpful.\n\nAnswer in French.",
              "conversation": "conv_abc",
              "background": true,
              "store": true,
              "tools": [
                {"type": "code_interpreter", "container": {"type": "auto"} },
                {"type": "function", "name": "get_weather", "description": "Weather for a city", "parameters": {{WeatherSchema}}, "strict": true}
              ],
              "metadata": {"psassistants_assistant_id": "{{assistant.Id}}"},
              "temperature": 0.2,
              "top_p": 0.9
            }
            """, r.Body);
        Assert.Equal("resp_abc", run.Id);
        Assert.Equal("queued", run.Status);
        Assert.Equal("conv_abc", run.ThreadId);
        Assert.False(run.IsTerminal);
    }

    [Fact]
    public async Task Create_run_conversation_is_the_plain_string_id()
    {
        var assistant = await NewAssistant();

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id });

        var conversation = r.BodyJson!["conversation"]!;
        Assert.Equal(JsonValueKind.String, conversation.GetValueKind());
        Assert.Equal("conv_abc", conversation.GetValue<string>());
    }

    [Fact]
    public async Task Create_run_Instructions_replace_the_assistants_and_additional_instructions_are_appended()
    {
        var assistant = await NewAssistant(instructions: "Be helpful.");

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id, Instructions = "Only this.", AdditionalInstructions = "And this." });

        Assert.Equal("Only this.\n\nAnd this.", r.BodyJson!["instructions"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_run_Instructions_alone_replace_the_assistants()
    {
        var assistant = await NewAssistant(instructions: "Be helpful.");

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id, Instructions = "Only this." });

        Assert.Equal("Only this.", r.BodyJson!["instructions"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_run_additional_instructions_alone_when_the_assistant_has_none()
    {
        var assistant = await NewAssistant(instructions: null);

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id, AdditionalInstructions = "And this." });

        Assert.Equal("And this.", r.BodyJson!["instructions"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_run_without_any_instructions_or_tools_or_sampling_sends_none_of_them()
    {
        var assistant = await NewAssistant(instructions: null);

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id });

        var body = r.BodyJson!.AsObject();
        Assert.False(body.ContainsKey("instructions"));
        Assert.False(body.ContainsKey("tools"));
        Assert.False(body.ContainsKey("prompt"));
        Assert.False(body.ContainsKey("temperature"));
        Assert.False(body.ContainsKey("top_p"));
        Assert.Equal("gpt-4o", body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_run_Model_overrides_the_assistants_model()
    {
        var assistant = await NewAssistant(model: "gpt-4o");

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id, Model = "gpt-4.1-mini" });

        Assert.Equal("gpt-4.1-mini", r.BodyJson!["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_run_of_an_assistant_with_a_stored_prompt_sends_the_prompt_and_no_model()
    {
        var assistant = await NewAssistant(model: null, instructions: null, promptId: "pmpt_abc123", promptVersion: "2");

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id });

        var body = r.BodyJson!.AsObject();
        T.AssertJsonEqual("""{"id": "pmpt_abc123", "version": "2"}""", body["prompt"]!.ToJsonString());
        Assert.False(body.ContainsKey("model"));
        Assert.False(body.ContainsKey("instructions"));
        Assert.True(body["background"]!.GetValue<bool>());
        Assert.True(body["store"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Create_run_merges_the_runs_metadata_with_the_assistant_id()
    {
        var assistant = await NewAssistant();

        var (_, r) = await StartRun(new RunCreateOptions
        {
            AssistantId = assistant.Id,
            Metadata = new Dictionary<string, string> { ["ticket"] = "42" },
        });

        T.AssertJsonEqual($$"""{"ticket": "42", "psassistants_assistant_id": "{{assistant.Id}}"}""", r.BodyJson!["metadata"]!.ToJsonString());
    }

    [Fact]
    public async Task Create_run_never_sends_more_metadata_pairs_than_the_API_allows()
    {
        var assistant = await NewAssistant();
        var full = Enumerable.Range(1, OaiMetadata.MaxPairs).ToDictionary(i => "k" + i, i => "v" + i);

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id, Metadata = full });

        var sent = r.BodyJson!["metadata"]!.AsObject();
        Assert.Equal(OaiMetadata.MaxPairs, sent.Count);
        Assert.All(full, p => Assert.Equal(p.Value, sent[p.Key]!.GetValue<string>()));
    }

    /// <summary>A run that stopped for get_weather, with the given metadata as the server keeps it.</summary>
    private static string AskingResponse(IReadOnlyDictionary<string, string> metadata, string id = "resp_ask") => RF.Response(
        id: id, status: "completed",
        output: "[" + RF.FunctionCall("fc_1", "call_1", "get_weather", "{\\\"city\\\":\\\"Paris\\\"}") + "]",
        metadata: JsonSerializer.Serialize(metadata));

    [Fact]
    public async Task A_tool_round_keeps_the_runs_user_metadata()
    {
        var assistant = await NewAssistant(tools: new[] { Weather() });
        var user = new Dictionary<string, string> { ["ticket"] = "42", ["team"] = "ops" };
        var (run, _) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id, Metadata = user },
            AskingResponse(new Dictionary<string, string>(user) { [ResponsesAdapter.AssistantIdKey] = assistant.Id }));
        Assert.Equal(OaiRunStatus.RequiresAction, run.Status);
        Handler.EnqueueJson(RF.Response(id: "resp_next", status: "queued", completedAt: "null", usage: "null"));

        await Adapter.SubmitToolOutputsAsync(run, new[] { new ToolOutput("call_1", "sunny") }, stream: false, default);

        var follow = Handler.Requests[^1];
        T.AssertJsonEqual($$"""{"ticket": "42", "team": "ops", "psassistants_assistant_id": "{{assistant.Id}}", "psassistants_previous_run_id": "resp_ask"}""",
            follow.BodyJson!["metadata"]!.ToJsonString());
        Assert.Equal("call_1", follow.BodyJson!["input"]![0]!["call_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tool_calls_of_a_run_with_16_user_metadata_pairs_can_be_answered()
    {
        var assistant = await NewAssistant(tools: new[] { Weather() });
        var full = Enumerable.Range(1, OaiMetadata.MaxPairs).ToDictionary(i => "k" + i, i => "v" + i);
        // The server keeps what it was sent: 16 user pairs, no room for the assistant's id.
        var (run, _) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id, Metadata = full }, AskingResponse(full, id: "resp_full"));
        Assert.Equal(assistant.Id, run.AssistantId);
        Handler.EnqueueJson(RF.Response(id: "resp_full_next", status: "queued", completedAt: "null", usage: "null", metadata: JsonSerializer.Serialize(full)));

        var next = await Adapter.SubmitToolOutputsAsync(run, new[] { new ToolOutput("call_1", "sunny") }, stream: false, default);

        var follow = Handler.Requests[^1].BodyJson!;
        Assert.Equal("get_weather", follow["tools"]![0]!["name"]!.GetValue<string>());
        var sent = follow["metadata"]!.AsObject();
        Assert.Equal(OaiMetadata.MaxPairs, sent.Count);
        Assert.All(full, p => Assert.Equal(p.Value, sent[p.Key]!.GetValue<string>()));
        Assert.Equal(assistant.Id, next.Run!.AssistantId); // a second round can be answered too
    }

    [Fact]
    public async Task Create_run_sends_a_function_tools_strict_as_false_when_unset()
    {
        var assistant = await NewAssistant(tools: new[] { Weather(strict: null) });

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id });

        var tool = r.BodyJson!["tools"]![0]!.AsObject();
        Assert.False(tool["strict"]!.GetValue<bool>());
        Assert.Equal("get_weather", tool["name"]!.GetValue<string>());
        Assert.False(tool.ContainsKey("function")); // the Responses shape is flat, not Chat's {"function": {...}}
    }

    /// <summary>
    /// FunctionTool in the reference requires type, name, strict and parameters (parameters may be null), so a
    /// function without a schema must still send "parameters" (as null), not leave the field out.
    /// </summary>
    [Fact]
    public async Task Create_run_sends_parameters_for_a_function_tool_without_a_schema()
    {
        var assistant = await NewAssistant(tools: new[] { Weather(parameters: null) });

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = assistant.Id });

        var tool = r.BodyJson!["tools"]![0]!.AsObject();
        Assert.True(tool.ContainsKey("parameters"), "The reference marks FunctionTool.parameters as required (nullable); it was left out: " + tool.ToJsonString());
        Assert.True(tool.ContainsKey("strict"));
    }

    [Fact]
    public async Task Create_run_uses_an_assistant_passed_as_an_object_when_it_is_not_in_the_store()
    {
        var outside = new OaiAssistant
        {
            Id = "asst_from_elsewhere",
            Model = "gpt-4o-mini",
            Instructions = "From the object.",
            Tools = new[] { new OaiTool("code_interpreter") },
        };

        var (_, r) = await StartRun(new RunCreateOptions { AssistantId = outside.Id, Assistant = outside });

        T.AssertJsonEqual("""
            {
              "model": "gpt-4o-mini",
              "instructions": "From the object.",
              "conversation": "conv_abc",
              "background": true,
              "store": true,
              "tools": [{"type": "code_interpreter", "container": {"type": "auto"}}],
              "metadata": {"psassistants_assistant_id": "asst_from_elsewhere"}
            }
            """, r.Body);
    }

    [Fact]
    public async Task Create_run_with_an_unknown_assistant_id_is_not_found_before_any_request()
    {
        var ex = await Assert.ThrowsAsync<OaiApiException>(() =>
            Adapter.CreateRunAsync("conv_abc", new RunCreateOptions { AssistantId = "asst_local_nothere" }, default));

        Assert.Equal(OaiErrorKind.NotFound, ex.Kind);
        Assert.Null(ex.ErrorCode);
        Assert.Null(ex.StatusCode);
        Assert.Contains(_h.StorePath, ex.Message);
        Assert.Empty(Handler.Requests);
    }

    [Fact]
    public async Task Create_run_of_an_assistant_with_neither_model_nor_prompt_is_refused_before_any_request()
    {
        var outside = new OaiAssistant { Id = "asst_nomodel", Model = "" };

        await Assert.ThrowsAsync<OaiArgumentException>(() =>
            Adapter.CreateRunAsync("conv_abc", new RunCreateOptions { AssistantId = outside.Id, Assistant = outside }, default));

        Assert.Empty(Handler.Requests);
    }

    [Fact]
    public async Task Get_run_reads_the_response()
    {
        Handler.EnqueueJson(RF.Response());

        var run = await Adapter.GetRunAsync("conv_abc", "resp_abc", default);

        var r = Assert.Single(Handler.Requests);
        Assert.Equal("GET", r.Method);
        Assert.Equal("/v1/responses/resp_abc", r.Path);
        Assert.Equal("", r.Uri.Query);
        Assert.Equal("resp_abc", run.Id);
        Assert.Equal("completed", run.Status);
    }

    [Fact]
    public async Task Cancel_run_posts_to_cancel_and_maps_the_answer()
    {
        Handler.EnqueueJson(RF.Response(status: "cancelled", completedAt: "null", output: "[]"));

        var run = await Adapter.CancelRunAsync("conv_abc", "resp_abc", default);

        var r = Assert.Single(Handler.Requests);
        Assert.Equal("POST", r.Method);
        Assert.Equal("/v1/responses/resp_abc/cancel", r.Path);
        Assert.Equal("cancelled", run.Status);
        Assert.True(run.IsTerminal);
        Assert.Null(run.CompletedAt);
    }

    #endregion

    #region Assistants are local: no request at all

    [Fact]
    public async Task Assistant_operations_never_send_a_request_and_keep_the_definition_in_the_sessions_store()
    {
        var created = await NewAssistant(tools: new[] { new OaiTool("code_interpreter"), Weather() }, temperature: 0.3);

        var got = await Adapter.GetAssistantAsync(created.Id, default);
        var listed = await T.ToListAsync(Adapter.ListAssistantsAsync(new ListOptions(), default));
        await Adapter.DeleteAssistantAsync(created.Id, default);
        var afterDelete = await T.ToListAsync(Adapter.ListAssistantsAsync(new ListOptions(), default));

        Assert.Empty(Handler.Requests);
        Assert.Matches("^asst_local_[A-Za-z0-9]{20}$", created.Id);
        Assert.Equal(created.Id, got.Id);
        Assert.Equal("gpt-4o", got.Model);
        Assert.Equal(0.3, got.Temperature);
        Assert.Equal(new[] { "code_interpreter", "function" }, got.Tools.Select(t => t.Type));
        Assert.Equal(created.Id, Assert.Single(listed).Id);
        Assert.Empty(afterDelete);
        Assert.True(File.Exists(_h.StorePath));
    }

    [Fact]
    public async Task Getting_or_deleting_an_unknown_assistant_is_not_found()
    {
        var get = await Assert.ThrowsAsync<OaiApiException>(() => Adapter.GetAssistantAsync("asst_local_missing", default));
        var delete = await Assert.ThrowsAsync<OaiApiException>(() => Adapter.DeleteAssistantAsync("asst_local_missing", default));

        Assert.Equal(OaiErrorKind.NotFound, get.Kind);
        Assert.Equal(OaiErrorKind.NotFound, delete.Kind);
        Assert.Empty(Handler.Requests);
    }

    [Fact]
    public async Task An_assistant_with_file_search_is_refused_and_not_stored()
    {
        var ex = await Assert.ThrowsAsync<OaiApiException>(() => NewAssistant(tools: new[] { new OaiTool("file_search") }));

        Assert.Equal(OaiErrorKind.NotSupported, ex.Kind);
        Assert.Empty(await T.ToListAsync(Adapter.ListAssistantsAsync(new ListOptions(), default)));
        Assert.Empty(Handler.Requests);
    }

    #endregion
}
