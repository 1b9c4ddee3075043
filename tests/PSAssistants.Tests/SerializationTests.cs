using System.Text.Json;
using System.Text.Json.Nodes;
using PSAssistants.Protocols;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// Answers written by hand from the reference (every required field, explicit nulls, extra fields a newer
/// server may add) read through the real transport path: bytes → source-generated DTOs → model objects.
/// </summary>
public class SerializationTests
{
    private static readonly DateTimeOffset s_1698984975 = new(2023, 11, 3, 4, 16, 15, TimeSpan.Zero);
    private static readonly DateTimeOffset s_1698983503 = new(2023, 11, 3, 3, 51, 43, TimeSpan.Zero);
    private static readonly DateTimeOffset s_1698107661 = new(2023, 10, 24, 0, 34, 21, TimeSpan.Zero);
    private static readonly DateTimeOffset s_1699073476 = new(2023, 11, 4, 4, 51, 16, TimeSpan.Zero);
    private static readonly DateTimeOffset s_1699073498 = new(2023, 11, 4, 4, 51, 38, TimeSpan.Zero);

    [Fact]
    public async Task AssistantObject_maps_to_OaiAssistant()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Assistant);

        var a = await adapter.GetAssistantAsync("asst_abc123", default);

        Assert.Equal("asst_abc123", a.Id);
        Assert.Equal("Math Tutor", a.Name);
        Assert.Null(a.Description);
        Assert.Equal("gpt-4o", a.Model);
        Assert.Equal("You are a personal math tutor.", a.Instructions);
        Assert.Equal(s_1698984975, a.CreatedAt);
        Assert.Equal(TimeSpan.Zero, a.CreatedAt.Offset);
        Assert.Equal(0.7, a.Temperature);
        Assert.Equal(1.0, a.TopP);
        Assert.Equal("42", Assert.Single(a.Metadata, p => p.Key == "CostCenter").Value);
        Assert.Equal(1, a.Metadata.Count);

        Assert.Equal(new[] { "code_interpreter", "file_search", "function" }, a.Tools.Select(t => t.Type));
        Assert.Null(a.Tools[0].Name);
        Assert.Null(a.Tools[0].ParametersJson);
        var fn = a.Tools[2];
        Assert.Equal("get_weather", fn.Name);
        Assert.Equal("Weather for a city", fn.Description);
        Assert.True(fn.Strict);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""),
            JsonNode.Parse(fn.ParametersJson!)));
        Assert.Equal("asst_abc123", a.ToString());
    }

    [Fact]
    public async Task Assistant_with_null_optional_fields_and_empty_tools_maps_to_empty_collections()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {"id":"asst_min","object":"assistant","created_at":0,"name":null,"description":null,"model":"gpt-4o",
             "instructions":null,"tools":[],"metadata":null,"temperature":null,"top_p":null,"tool_resources":null}
            """);

        var a = await adapter.GetAssistantAsync("asst_min", default);

        Assert.Null(a.Name);
        Assert.Null(a.Instructions);
        Assert.Null(a.Temperature);
        Assert.Null(a.TopP);
        Assert.Empty(a.Tools);
        Assert.NotNull(a.Metadata);
        Assert.Empty(a.Metadata);
        Assert.Equal(DateTimeOffset.UnixEpoch, a.CreatedAt);
    }

    [Fact]
    public async Task Function_tool_without_parameters_or_with_null_parameters_has_no_schema()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {"id":"asst_f","object":"assistant","created_at":1,"name":null,"description":null,"model":"m","instructions":null,
             "tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b","parameters":null,"strict":null}}],
             "metadata":{}}
            """);

        var a = await adapter.GetAssistantAsync("asst_f", default);

        Assert.Equal(new[] { "a", "b" }, a.Tools.Select(t => t.Name));
        Assert.All(a.Tools, t => Assert.Null(t.ParametersJson));
        Assert.All(a.Tools, t => Assert.Null(t.Strict));
    }

    [Fact]
    public async Task Unknown_tool_types_are_kept_not_refused()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {"id":"asst_u","object":"assistant","created_at":1,"name":null,"description":null,"model":"m","instructions":null,
             "tools":[{"type":"web_browser","web_browser":{"depth":2}}],"metadata":{}}
            """);

        var a = await adapter.GetAssistantAsync("asst_u", default);

        Assert.Equal("web_browser", Assert.Single(a.Tools).Type);
    }

    [Fact]
    public async Task ThreadObject_maps_to_OaiThread()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Thread);

        var t = await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal("thread_abc", t.Id);
        Assert.Equal(s_1698107661, t.CreatedAt);
        Assert.Equal("alice", t.Metadata["user"]);
    }

    [Fact]
    public async Task Metadata_keys_are_read_as_sent_not_renamed()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""{"id":"thread_m","object":"thread","created_at":1,"tool_resources":null,"metadata":{"CostCenter":"1","snake_key":"2"}}""");

        var t = await adapter.GetThreadAsync("thread_m", default);

        Assert.Equal(new[] { "CostCenter", "snake_key" }, t.Metadata.Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public async Task MessageObject_with_several_parts_joins_text_and_keeps_every_part()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {
              "id": "msg_abc123",
              "object": "thread.message",
              "created_at": 1698983503,
              "thread_id": "thread_abc123",
              "status": "completed",
              "incomplete_details": null,
              "completed_at": 1698983504,
              "incomplete_at": null,
              "role": "assistant",
              "content": [
                {"type": "text", "text": {"value": "First paragraph.", "annotations": []}},
                {"type": "image_file", "image_file": {"file_id": "file-AbC123", "detail": "auto"}},
                {"type": "text", "text": {"value": "See 【4:0†source】.", "annotations": [
                  {"type": "file_citation", "text": "【4:0†source】", "file_citation": {"file_id": "file-xyz"}, "start_index": 4, "end_index": 16}]}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
                {"type": "refusal", "refusal": "I can't help with that."},
                {"type": "audio_clip", "audio_clip": {"id": "aud_1"}}
              ],
              "assistant_id": "asst_abc123",
              "run_id": "run_abc123",
              "attachments": [{"file_id": "file-att", "tools": [{"type": "code_interpreter"}]}],
              "metadata": {"source": "test"}
            }
            """);

        var m = await adapter.GetMessageAsync("thread_abc123", "msg_abc123", default);

        Assert.Equal("msg_abc123", m.Id);
        Assert.Equal("thread_abc123", m.ThreadId);
        Assert.Equal("run_abc123", m.RunId);
        Assert.Equal("asst_abc123", m.AssistantId);
        Assert.Equal("assistant", m.Role);
        Assert.Equal("completed", m.Status);
        Assert.Equal(s_1698983503, m.CreatedAt);
        Assert.Equal("test", m.Metadata["source"]);
        Assert.Equal("First paragraph.\nSee 【4:0†source】.", m.Text);
        Assert.Equal(m.Text, m.ToString());

        Assert.Equal(new[] { "text", "image_file", "text", "image_url", "refusal", "audio_clip" }, m.Content.Select(c => c.Type));
        Assert.Equal("file-AbC123", m.Content[1].FileId);
        Assert.Null(m.Content[1].Text);
        Assert.Equal("https://example.com/cat.png", m.Content[3].ImageUrl);
        Assert.Equal("I can't help with that.", m.Content[4].Refusal);
        Assert.Null(m.Content[5].Text);
    }

    [Fact]
    public async Task A_user_message_added_by_hand_has_null_run_and_assistant()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {"id":"msg_u","object":"thread.message","created_at":1698983503,"thread_id":"thread_abc","status":"completed",
             "incomplete_details":null,"completed_at":null,"incomplete_at":null,"role":"user",
             "content":[{"type":"text","text":{"value":"Hello","annotations":[]}}],
             "assistant_id":null,"run_id":null,"attachments":null,"metadata":{}}
            """);

        var m = await adapter.AddMessageAsync("thread_abc", new MessageCreateOptions { Content = "Hello" }, default);

        Assert.Equal("user", m.Role);
        Assert.Null(m.RunId);
        Assert.Null(m.AssistantId);
        Assert.Equal("Hello", m.Text);
        Assert.Empty(m.Metadata);
    }

    [Fact]
    public async Task A_message_with_only_an_image_has_empty_text()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {"id":"msg_i","object":"thread.message","created_at":1,"thread_id":"thread_abc","status":"incomplete",
             "incomplete_details":{"reason":"run_cancelled"},"completed_at":null,"incomplete_at":2,"role":"assistant",
             "content":[{"type":"image_file","image_file":{"file_id":"file-img"}}],
             "assistant_id":"asst_1","run_id":"run_1","attachments":[],"metadata":{}}
            """);

        var m = await adapter.GetMessageAsync("thread_abc", "msg_i", default);

        Assert.Equal("", m.Text);
        Assert.Equal("incomplete", m.Status);
        Assert.Equal("file-img", Assert.Single(m.Content).FileId);
    }

    [Fact]
    public async Task Completed_RunObject_maps_timestamps_usage_and_nulls()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Run());

        var r = await adapter.GetRunAsync("thread_abc", "run_abc", default);

        Assert.Equal("run_abc", r.Id);
        Assert.Equal("thread_abc", r.ThreadId);
        Assert.Equal("asst_abc123", r.AssistantId);
        Assert.Equal("completed", r.Status);
        Assert.True(r.IsTerminal);
        Assert.Equal("gpt-4o", r.Model);
        Assert.Equal("Be brief.", r.Instructions);
        Assert.Equal(s_1698107661, r.CreatedAt);
        Assert.Equal(s_1699073476, r.StartedAt);
        Assert.Equal(s_1699073498, r.CompletedAt);
        Assert.Null(r.ExpiresAt);
        Assert.Null(r.CancelledAt);
        Assert.Null(r.FailedAt);
        Assert.Null(r.LastError);
        Assert.Null(r.RequiredAction);
        Assert.Null(r.IncompleteReason);
        Assert.NotNull(r.Usage);
        Assert.Equal(123, r.Usage!.PromptTokens);
        Assert.Equal(456, r.Usage.CompletionTokens);
        Assert.Equal(579, r.Usage.TotalTokens);
        Assert.Empty(r.Metadata);
    }

    [Fact]
    public async Task RunObject_in_requires_action_maps_the_tool_calls()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {
              "id": "run_ra", "object": "thread.run", "created_at": 1698107661,
              "thread_id": "thread_abc", "assistant_id": "asst_abc123", "status": "requires_action",
              "required_action": {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": [
                {"id": "call_abc", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_def", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]}},
              "last_error": null, "expires_at": 1699073476, "started_at": 1698107662, "cancelled_at": null,
              "failed_at": null, "completed_at": null, "incomplete_details": null, "model": "gpt-4o",
              "instructions": "x", "tools": [{"type": "function", "function": {"name": "get_weather"}}],
              "metadata": {"job": "nightly"}, "usage": null, "max_prompt_tokens": null, "max_completion_tokens": null,
              "truncation_strategy": {"type": "last_messages", "last_messages": 10},
              "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
              "parallel_tool_calls": false,
              "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}
            }
            """);

        var r = await adapter.GetRunAsync("thread_abc", "run_ra", default);

        Assert.Equal("requires_action", r.Status);
        Assert.False(r.IsTerminal);
        Assert.Null(r.Usage);
        Assert.Equal(s_1699073476, r.ExpiresAt);
        Assert.Equal("nightly", r.Metadata["job"]);
        Assert.NotNull(r.RequiredAction);
        Assert.Equal("submit_tool_outputs", r.RequiredAction!.Type);
        Assert.Equal(2, r.RequiredAction.ToolCalls.Count);
        var call = r.RequiredAction.ToolCalls[0];
        Assert.Equal("call_abc", call.Id);
        Assert.Equal("function", call.Type);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("""{"city":"Paris"}""", call.Arguments);
        Assert.Equal("get_time", r.RequiredAction.ToolCalls[1].Name);
    }

    [Fact]
    public async Task Failed_RunObject_maps_last_error()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {"id":"run_f","object":"thread.run","created_at":1698107661,"thread_id":"thread_abc","assistant_id":"asst_abc123",
             "status":"failed","required_action":null,
             "last_error":{"code":"rate_limit_exceeded","message":"You exceeded your current quota."},
             "expires_at":null,"started_at":1699073476,"cancelled_at":null,"failed_at":1699073498,"completed_at":null,
             "incomplete_details":null,"model":"gpt-4o","instructions":"x","tools":[],"metadata":{},
             "usage":{"prompt_tokens":10,"completion_tokens":0,"total_tokens":10},
             "max_prompt_tokens":null,"max_completion_tokens":null,"truncation_strategy":null,"tool_choice":null,
             "parallel_tool_calls":true,"response_format":null}
            """);

        var r = await adapter.GetRunAsync("thread_abc", "run_f", default);

        Assert.Equal("failed", r.Status);
        Assert.True(r.IsTerminal);
        Assert.Equal(s_1699073498, r.FailedAt);
        Assert.NotNull(r.LastError);
        Assert.Equal("rate_limit_exceeded", r.LastError!.Code);
        Assert.Equal("You exceeded your current quota.", r.LastError.Message);
        Assert.Equal(10, r.Usage!.TotalTokens);
    }

    [Fact]
    public async Task Incomplete_RunObject_maps_the_reason()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {"id":"run_i","object":"thread.run","created_at":1698107661,"thread_id":"thread_abc","assistant_id":"asst_abc123",
             "status":"incomplete","required_action":null,"last_error":null,"expires_at":null,"started_at":1,
             "cancelled_at":null,"failed_at":null,"completed_at":2,
             "incomplete_details":{"reason":"max_completion_tokens"},"model":"gpt-4o","instructions":"x","tools":[],
             "metadata":{},"usage":{"prompt_tokens":300,"completion_tokens":256,"total_tokens":556},
             "max_prompt_tokens":null,"max_completion_tokens":256,"truncation_strategy":null,"tool_choice":"none",
             "parallel_tool_calls":true,"response_format":"auto"}
            """);

        var r = await adapter.GetRunAsync("thread_abc", "run_i", default);

        Assert.Equal("incomplete", r.Status);
        Assert.True(r.IsTerminal);
        Assert.Equal("max_completion_tokens", r.IncompleteReason);
    }

    [Theory]
    [InlineData("paused_for_review")]
    [InlineData("queued")]
    [InlineData("in_progress")]
    [InlineData("cancelling")]
    public async Task Unknown_or_non_terminal_run_statuses_are_read_and_not_terminal(string status)
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Run(status: status));

        var r = await adapter.GetRunAsync("thread_abc", "run_abc", default);

        Assert.Equal(status, r.Status);
        Assert.False(r.IsTerminal);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("failed")]
    [InlineData("cancelled")]
    [InlineData("expired")]
    [InlineData("incomplete")]
    public void Terminal_statuses_are_the_five_of_the_reference(string status) =>
        Assert.True(OaiRun.IsTerminalStatus(status));

    [Fact]
    public async Task Unknown_last_error_code_and_incomplete_reason_are_kept()
    {
        var (adapter, handler) = T.Adapter();
        var json = JsonNode.Parse(Fixtures.Run(status: "incomplete"))!.AsObject();
        json["last_error"] = JsonNode.Parse("""{"code":"quantum_decoherence","message":"new"}""");
        json["incomplete_details"] = JsonNode.Parse("""{"reason":"content_filter"}""");
        handler.EnqueueJson(json.ToJsonString());

        var r = await adapter.GetRunAsync("thread_abc", "run_abc", default);

        Assert.Equal("quantum_decoherence", r.LastError!.Code);
        Assert.Equal("content_filter", r.IncompleteReason);
    }

    [Fact]
    public async Task Delete_reads_the_deletion_receipt()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Deleted("thread_abc", "thread.deleted"));

        await adapter.DeleteThreadAsync("thread_abc", default);

        Assert.Single(handler.Requests);
    }

    [Fact]
    public void Tool_call_error_and_usage_ToString_are_readable()
    {
        Assert.Equal("get_weather({})", new OaiToolCall { Name = "get_weather", Arguments = "{}" }.ToString());
        Assert.Equal("server_error: boom", new OaiRunError { Code = "server_error", Message = "boom" }.ToString());
        Assert.Equal("579 tokens (123 in, 456 out)", new OaiUsage { PromptTokens = 123, CompletionTokens = 456, TotalTokens = 579 }.ToString());
        Assert.Equal("function:get_weather", new OaiTool("function") { Name = "get_weather" }.ToString());
        Assert.Equal("code_interpreter", new OaiTool("code_interpreter").ToString());
    }

    [Fact]
    public void Request_DTOs_serialize_in_snake_case_without_nulls()
    {
        var body = JsonSerializer.Serialize(new PSAssistants.Protocols.AssistantsV2.CreateRunRequest
        {
            AssistantId = "asst_1",
            AdditionalInstructions = "x",
        }, PSAssistants.Protocols.AssistantsV2.AssistantsJson.Default.CreateRunRequest);

        T.AssertJsonEqual("""{"assistant_id":"asst_1","additional_instructions":"x"}""", body);
    }

    [Fact]
    public void Error_envelope_ignores_extra_fields()
    {
        var e = JsonSerializer.Deserialize("""{"error":{"message":"m","type":"t","param":null,"code":"c","extra":1}}""",
            PSAssistants.Json.WireJson.Default.ApiErrorEnvelope);

        Assert.Equal("m", e!.Error!.Message);
        Assert.Equal("t", e.Error.Type);
        Assert.Null(e.Error.Param);
        Assert.Equal("c", e.Error.Code);
    }
}
