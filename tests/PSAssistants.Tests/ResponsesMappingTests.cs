using System.Text.Json;
using PSAssistants.Client;
using PSAssistants.Protocols;
using PSAssistants.Protocols.Responses;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// Responses and conversation items, written by hand from the reference, mapped onto runs and messages:
/// every required field read or tolerated, unknown fields and item types passed over, statuses mapped.
/// </summary>
public sealed class ResponsesMappingTests : IDisposable
{
    private readonly ResponsesHarness _h = new();

    public void Dispose() => _h.Dispose();

    private async Task<OaiRun> GetRun(string json, string threadId = "conv_abc")
    {
        _h.Handler.EnqueueJson(json);
        return await _h.Adapter.GetRunAsync(threadId, "resp_abc", default);
    }

    private static string Output(params string[] items) => "[" + string.Join(", ", items) + "]";

    [Fact]
    public async Task A_completed_response_maps_every_field_the_run_has()
    {
        var json = RF.Response(output: Output(RF.Reasoning("rs_1"), RF.OutputMessage("msg_1", "Hello")));

        var run = await GetRun(json);

        Assert.Equal("resp_abc", run.Id);
        Assert.Equal("conv_abc", run.ThreadId);
        Assert.Equal(RF.LocalAssistantId, run.AssistantId);
        Assert.Equal("completed", run.Status);
        Assert.True(run.IsTerminal);
        Assert.Equal("Be brief.", run.Instructions);
        Assert.Equal("gpt-4o-2024-08-06", run.Model);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1741476542125), run.CreatedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1741476543500), run.CompletedAt);
        Assert.Null(run.LastError);
        Assert.Null(run.IncompleteReason);
        Assert.Null(run.RequiredAction);
        Assert.NotNull(run.Usage);
        Assert.Equal(36, run.Usage!.PromptTokens);
        Assert.Equal(87, run.Usage.CompletionTokens);
        Assert.Equal(123, run.Usage.TotalTokens);
        Assert.Equal(RF.LocalAssistantId, run.Metadata[ResponsesAdapter.AssistantIdKey]);
    }

    [Fact]
    public async Task RawJson_is_the_body_exactly_as_the_server_sent_it_unknown_fields_included()
    {
        var json = RF.Response(output: Output(RF.OutputMessage("msg_1", "Hello"), RF.UnknownItem("fu_1")));

        var run = await GetRun(json);

        Assert.Equal(json, run.RawJson);
        Assert.Contains("future_field", run.RawJson);
        Assert.Contains("future_call", run.RawJson);
    }

    [Fact]
    public async Task Create_and_cancel_also_keep_the_raw_body()
    {
        var assistant = await _h.Adapter.CreateAssistantAsync(new AssistantCreateOptions { Model = "gpt-4o" }, default);
        var queued = RF.Response(status: "queued", output: "[]", completedAt: "null", usage: "null");
        var cancelled = RF.Response(status: "cancelled", output: "[]", completedAt: "null", usage: "null");
        _h.Handler.EnqueueJson(queued).EnqueueJson(cancelled);

        var started = await _h.Adapter.CreateRunAsync("conv_abc", new RunCreateOptions { AssistantId = assistant.Id }, default);
        var stopped = await _h.Adapter.CancelRunAsync("conv_abc", started.Id, default);

        Assert.Equal(queued, started.RawJson);
        Assert.Equal(cancelled, stopped.RawJson);
        Assert.Null(started.Usage);
    }

    [Theory]
    [InlineData("queued", false)]
    [InlineData("in_progress", false)]
    [InlineData("completed", true)]
    [InlineData("failed", true)]
    [InlineData("cancelled", true)]
    [InlineData("incomplete", true)]
    public async Task Each_status_of_the_reference_maps_straight(string status, bool terminal)
    {
        var run = await GetRun(RF.Response(status: status, output: Output(RF.OutputMessage("msg_1", "Hi")),
            completedAt: status == "completed" ? "1741476543.5" : "null"));

        Assert.Equal(status, run.Status);
        Assert.Equal(terminal, run.IsTerminal);
        Assert.Null(run.RequiredAction);
    }

    [Fact]
    public async Task A_completed_response_ending_in_function_calls_requires_action_with_the_calls()
    {
        var output = Output(
            RF.Reasoning("rs_1"),
            RF.FunctionCall("fc_1", "call_1", "get_weather", "{\"city\":\"Paris\"}"),
            RF.OutputMessage("msg_1", "Let me check."),
            RF.FunctionCall("fc_2", "call_2", "get_time", "{\"tz\":\"Europe/Paris\"}"),
            RF.UnknownItem("fu_1"));

        var run = await GetRun(RF.Response(output: output));

        Assert.Equal("requires_action", run.Status);
        Assert.False(run.IsTerminal);
        Assert.Null(run.CompletedAt);
        Assert.NotNull(run.RequiredAction);
        Assert.Equal("submit_tool_outputs", run.RequiredAction!.Type);
        Assert.Collection(run.RequiredAction.ToolCalls,
            c =>
            {
                Assert.Equal("call_1", c.Id);
                Assert.Equal("function", c.Type);
                Assert.Equal("get_weather", c.Name);
                Assert.Equal("{\"city\":\"Paris\"}", c.Arguments);
            },
            c =>
            {
                Assert.Equal("call_2", c.Id);
                Assert.Equal("get_time", c.Name);
                Assert.Equal("{\"tz\":\"Europe/Paris\"}", c.Arguments);
            });
    }

    [Fact]
    public async Task A_response_still_in_progress_with_a_function_call_so_far_stays_in_progress()
    {
        var run = await GetRun(RF.Response(status: "in_progress", completedAt: "null",
            output: Output(RF.FunctionCall("fc_1", "call_1", "get_weather", "{}"))));

        Assert.Equal("in_progress", run.Status);
    }

    [Fact]
    public async Task Items_of_unknown_types_are_tolerated_and_are_not_tool_calls()
    {
        var run = await GetRun(RF.Response(output: Output(RF.UnknownItem("fu_1"), RF.OutputMessage("msg_1", "Done."))));

        Assert.Equal("completed", run.Status);
        Assert.Null(run.RequiredAction);
    }

    /// <summary>
    /// ToolSearchCall (an OutputItem and ConversationItem of the reference) requires "arguments", typed as any JSON:
    /// in practice an object. An item the module only passes over must not make the whole answer unreadable.
    /// </summary>
    private const string ToolSearchCall = """
        {"type": "tool_search_call", "id": "ts_1", "call_id": "call_ts", "execution": "server",
         "arguments": {"query": "weather tools", "limit": 3}, "status": "completed", "created_by": "model"}
        """;

    [Fact]
    public async Task A_response_whose_output_holds_a_tool_search_call_with_object_arguments_is_read()
    {
        var run = await GetRun(RF.Response(output: Output(ToolSearchCall, RF.OutputMessage("msg_1", "Found them."))));

        Assert.Equal("completed", run.Status);
        Assert.Null(run.RequiredAction);
    }

    [Fact]
    public async Task A_conversation_holding_a_tool_search_call_still_lists_its_messages()
    {
        _h.Handler.EnqueueJson(RF.ItemList(false, RF.UserMessage("msg_1", "Find a tool."), ToolSearchCall, RF.OutputMessage("msg_2", "Found one.")));

        var messages = await T.ToListAsync(_h.Adapter.ListMessagesAsync("conv_abc", null, new ListOptions(), default));

        Assert.Equal(new[] { "msg_1", "msg_2" }, messages.Select(m => m.Id));
    }

    [Fact]
    public async Task A_failed_response_carries_its_error_as_LastError()
    {
        var run = await GetRun(RF.Response(status: "failed", completedAt: "null", usage: "null",
            error: """{"code": "server_error", "message": "The model had a problem."}"""));

        Assert.Equal("failed", run.Status);
        Assert.NotNull(run.LastError);
        Assert.Equal("server_error", run.LastError!.Code);
        Assert.Equal("The model had a problem.", run.LastError.Message);
        Assert.Null(run.CompletedAt);
        Assert.Null(run.Usage);
    }

    [Fact]
    public async Task An_incomplete_response_carries_its_reason()
    {
        var run = await GetRun(RF.Response(status: "incomplete", completedAt: "null",
            incompleteDetails: """{"reason": "max_output_tokens"}""", output: Output(RF.OutputMessage("msg_1", "Partial"))));

        Assert.Equal("incomplete", run.Status);
        Assert.Equal("max_output_tokens", run.IncompleteReason);
    }

    [Fact]
    public async Task Instructions_in_the_array_form_a_stored_prompt_gives_are_tolerated()
    {
        var json = RF.Response(instructions: """
            [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "From the prompt."}]}]
            """);

        var run = await GetRun(json);

        Assert.Equal("resp_abc", run.Id);
        Assert.Null(run.Instructions);
        Assert.Contains("From the prompt.", run.RawJson);
    }

    [Fact]
    public async Task Null_instructions_map_to_null()
    {
        var run = await GetRun(RF.Response(instructions: "null"));

        Assert.Null(run.Instructions);
    }

    [Fact]
    public async Task Tool_choice_as_an_object_and_tools_of_other_kinds_are_tolerated()
    {
        var json = RF.Response(toolChoice: """{"type": "function", "name": "get_weather"}""")
            .Replace("\"tools\": [", "\"tools\": [" + """{"type": "web_search", "filters": null, "search_context_size": "medium"}, {"type": "mcp", "server_label": "x", "allowed_tools": null}, """);

        Assert.Contains("web_search", json);

        var run = await GetRun(json);

        Assert.Equal("completed", run.Status);
        Assert.Equal(json, run.RawJson);
    }

    [Fact]
    public async Task Created_at_as_an_integer_is_read_too()
    {
        var run = await GetRun(RF.Response(createdAt: "1741476542", completedAt: "1741476550"));

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1741476542), run.CreatedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1741476550), run.CompletedAt);
    }

    [Fact]
    public async Task ThreadId_comes_from_the_responses_conversation()
    {
        var run = await GetRun(RF.Response(conversation: """{"id": "conv_real"}"""), threadId: "conv_given");

        Assert.Equal("conv_real", run.ThreadId);
    }

    [Fact]
    public async Task Without_a_conversation_the_thread_id_given_is_kept()
    {
        var run = await GetRun(RF.Response(conversation: "null"), threadId: "conv_given");

        Assert.Equal("conv_given", run.ThreadId);
    }

    [Fact]
    public async Task A_response_started_elsewhere_has_no_assistant_id()
    {
        var withOther = await GetRun(RF.Response(metadata: """{"team": "ops"}"""));
        var withNull = await GetRun(RF.Response(metadata: "null"));

        Assert.Null(withOther.AssistantId);
        Assert.Equal("ops", withOther.Metadata["team"]);
        Assert.Null(withNull.AssistantId);
        Assert.Empty(withNull.Metadata);
    }

    [Fact]
    public async Task A_conversation_with_unknown_fields_maps_to_a_thread()
    {
        _h.Handler.EnqueueJson(RF.Conversation);

        var thread = await _h.Adapter.GetThreadAsync("conv_abc", default);

        Assert.Equal("conv_abc", thread.Id);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1741900000), thread.CreatedAt);
        Assert.Equal("demo", Assert.Single(thread.Metadata).Value);
    }

    [Fact]
    public async Task A_message_with_several_output_text_parts_joins_their_text()
    {
        _h.Handler.EnqueueJson(RF.OutputMessage("msg_1", "First part.", "Second part.", "Third \"quoted\" part."));

        var message = await _h.Adapter.GetMessageAsync("conv_abc", "msg_1", default);

        Assert.Equal("First part.\nSecond part.\nThird \"quoted\" part.", message.Text);
        Assert.Equal(3, message.Content.Count);
        Assert.All(message.Content, c => Assert.Equal("output_text", c.Type));
        Assert.Equal("completed", message.Status);
    }

    [Fact]
    public async Task A_refusal_part_is_kept_as_a_refusal_and_not_joined_into_Text()
    {
        _h.Handler.EnqueueJson("""
            {"type": "message", "id": "msg_r", "status": "completed", "role": "assistant",
             "content": [
               {"type": "output_text", "text": "About that:", "annotations": [], "logprobs": []},
               {"type": "refusal", "refusal": "I can't help with that."}
             ]}
            """);

        var message = await _h.Adapter.GetMessageAsync("conv_abc", "msg_r", default);

        Assert.Equal("About that:", message.Text);
        var refusal = message.Content[1];
        Assert.Equal("refusal", refusal.Type);
        Assert.Equal("I can't help with that.", refusal.Refusal);
        Assert.Null(refusal.Text);
        Assert.Equal("I can't help with that.", refusal.ToString());
    }

    [Fact]
    public async Task A_user_message_with_an_image_part_keeps_the_part()
    {
        _h.Handler.EnqueueJson("""
            {"type": "message", "id": "msg_u", "status": "completed", "role": "user",
             "content": [
               {"type": "input_text", "text": "What is this?"},
               {"type": "input_image", "image_url": "https://example.com/cat.png", "file_id": null, "detail": "auto"}
             ]}
            """);

        var message = await _h.Adapter.GetMessageAsync("conv_abc", "msg_u", default);

        Assert.Equal("What is this?", message.Text);
        Assert.Equal("input_image", message.Content[1].Type);
        Assert.Equal("https://example.com/cat.png", message.Content[1].ImageUrl);
        Assert.Null(message.AssistantId);
        Assert.Null(message.CreatedAt);
    }

    [Fact]
    public void The_wire_context_reads_a_response_with_every_field_directly()
    {
        var json = RF.Response(output: Output(RF.OutputMessage("msg_1", "x"), RF.FunctionCall("fc_1", "call_1", "f", "{}")));

        var r = JsonSerializer.Deserialize(json, ResponsesJson.Default.ResponseObject)!;

        Assert.Equal("resp_abc", r.Id);
        Assert.Equal(1741476542.125, r.CreatedAt);
        Assert.Equal(1741476543.5, r.CompletedAt);
        Assert.Equal("conv_abc", r.Conversation!.Id);
        Assert.Equal(new[] { "message", "function_call" }, r.Output!.Select(i => i.Type));
        Assert.Equal("call_1", r.Output![1].CallId);
        Assert.Equal(JsonValueKind.String, r.Instructions!.Value.ValueKind);
    }
}
