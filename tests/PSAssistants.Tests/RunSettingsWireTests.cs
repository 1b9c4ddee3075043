using System.Text.Json.Nodes;
using PSAssistants.Client;
using PSAssistants.Protocols;
using PSAssistants.Protocols.AssistantsV2;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// Issue 13's table, one request per parameter and protocol: the field each setting becomes on the wire,
/// OaiNotSupported before any request where the protocol has none, and -AdditionalBody merged but never over
/// a field the module sets.
/// </summary>
public sealed class RunSettingsWireTests : IDisposable
{
    private readonly ResponsesHarness _h = new();

    public void Dispose() => _h.Dispose();

    private const string Schema = """{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}""";

    public static IEnumerable<object[]> Both() => new[]
    {
        // setting, Responses path and JSON, Assistants v2 path and JSON (null: not on that protocol)
        new object[] { new OaiRunSettings { ReasoningEffort = "low" }, "reasoning", """{"effort":"low"}""", "reasoning_effort", "\"low\"" },
        new object[] { new OaiRunSettings { ReasoningSummary = "detailed" }, "reasoning", """{"summary":"detailed"}""", null!, null! },
        new object[] { new OaiRunSettings { Verbosity = "high" }, "text", """{"verbosity":"high"}""", null!, null! },
        new object[] { new OaiRunSettings { MaxOutputTokens = 300 }, "max_output_tokens", "300", "max_completion_tokens", "300" },
        new object[] { new OaiRunSettings { MaxPromptTokens = 2000 }, null!, null!, "max_prompt_tokens", "2000" },
        new object[] { new OaiRunSettings { Temperature = 0.25 }, "temperature", "0.25", "temperature", "0.25" },
        new object[] { new OaiRunSettings { TopP = 0.5 }, "top_p", "0.5", "top_p", "0.5" },
        new object[] { new OaiRunSettings { ToolChoice = "required" }, "tool_choice", "\"required\"", "tool_choice", "\"required\"" },
        new object[] { new OaiRunSettings { ToolChoice = "get_weather" }, "tool_choice", """{"type":"function","name":"get_weather"}""",
            "tool_choice", """{"type":"function","function":{"name":"get_weather"}}""" },
        new object[] { new OaiRunSettings { ParallelToolCalls = false }, "parallel_tool_calls", "false", "parallel_tool_calls", "false" },
        new object[] { new OaiRunSettings { MaxToolCalls = 4 }, "max_tool_calls", "4", null!, null! },
        new object[] { new OaiRunSettings { Truncation = "auto" }, "truncation", "\"auto\"", "truncation_strategy", """{"type":"auto"}""" },
        new object[] { new OaiRunSettings { Truncation = "disabled" }, "truncation", "\"disabled\"", null!, null! },
        new object[] { new OaiRunSettings { LastMessages = 7 }, null!, null!, "truncation_strategy", """{"type":"last_messages","last_messages":7}""" },
        new object[] { new OaiRunSettings { CompactThreshold = 5000 }, "context_management", """[{"type":"compaction","compact_threshold":5000}]""", null!, null! },
        new object[] { new OaiRunSettings { JsonSchema = Schema, SchemaName = "answer", Strict = true }, "text",
            """{"format":{"type":"json_schema","name":"answer","schema":""" + Schema + ""","strict":true}}""",
            "response_format", """{"type":"json_schema","json_schema":{"name":"answer","schema":""" + Schema + ""","strict":true}}""" },
        new object[] { new OaiRunSettings { JsonSchema = Schema, SchemaName = "loose", Strict = false }, "text",
            """{"format":{"type":"json_schema","name":"loose","schema":""" + Schema + ""","strict":false}}""",
            "response_format", """{"type":"json_schema","json_schema":{"name":"loose","schema":""" + Schema + ""","strict":false}}""" },
    };

    private async Task<JsonNode> ResponsesRunBody(OaiRunSettings settings)
    {
        var assistant = await _h.Adapter.CreateAssistantAsync(new AssistantCreateOptions { Model = "gpt-5-mini" }, default);
        _h.Handler.EnqueueJson(RF.Response(status: "queued", output: "[]", completedAt: "null", usage: "null"));
        await _h.Adapter.CreateRunAsync("conv_abc", new RunCreateOptions { AssistantId = assistant.Id, Settings = settings }, default);
        return Assert.Single(_h.Handler.Requests).BodyJson!;
    }

    private static async Task<(JsonNode Body, FakeHandler Handler)> AssistantsRunBody(OaiRunSettings settings)
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Run());
        await adapter.CreateRunAsync("thread_abc", new RunCreateOptions { AssistantId = "asst_abc123", Settings = settings }, default);
        return (Assert.Single(handler.Requests).BodyJson!, handler);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Each_setting_reaches_a_response_as_its_field_or_is_refused_before_any_request(
        OaiRunSettings settings, string? field, string? json, string? v2Field, string? v2Json)
    {
        _ = v2Field;
        _ = v2Json;
        if (field is null)
        {
            var ex = await Assert.ThrowsAsync<OaiApiException>(() => ResponsesRunBody(settings));
            Assert.Equal(OaiErrorKind.NotSupported, ex.Kind);
            Assert.Empty(_h.Handler.Requests);
            return;
        }
        var body = await ResponsesRunBody(settings);
        T.AssertJsonEqual(json!, body[field]!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Each_setting_reaches_an_assistants_run_as_its_field_or_is_refused_before_any_request(
        OaiRunSettings settings, string? field, string? json, string? v2Field, string? v2Json)
    {
        _ = field;
        _ = json;
        if (v2Field is null)
        {
            var (adapter, handler) = T.Adapter();
            var ex = await Assert.ThrowsAsync<OaiApiException>(() =>
                adapter.CreateRunAsync("thread_abc", new RunCreateOptions { AssistantId = "asst_abc123", Settings = settings }, default));
            Assert.Equal(OaiErrorKind.NotSupported, ex.Kind);
            Assert.Empty(handler.Requests);
            return;
        }
        var (body, _) = await AssistantsRunBody(settings);
        T.AssertJsonEqual(v2Json!, body[v2Field]!.ToJsonString());
    }

    [Fact]
    public async Task Nothing_set_sends_none_of_the_new_fields()
    {
        var body = (JsonObject)await ResponsesRunBody(OaiRunSettings.Empty);
        foreach (var f in new[] { "reasoning", "text", "max_output_tokens", "tool_choice", "parallel_tool_calls", "max_tool_calls", "truncation", "context_management" })
            Assert.False(body.ContainsKey(f), f);
        var (v2, _) = await AssistantsRunBody(OaiRunSettings.Empty);
        foreach (var f in new[] { "reasoning_effort", "max_completion_tokens", "max_prompt_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format" })
            Assert.False(((JsonObject)v2).ContainsKey(f), f);
    }

    [Fact]
    public async Task Fewer_than_256_output_tokens_are_refused_on_assistants_before_any_request()
    {
        var (adapter, handler) = T.Adapter();
        await Assert.ThrowsAsync<PSAssistants.Client.OaiArgumentException>(() => adapter.CreateRunAsync("thread_abc",
            new RunCreateOptions { AssistantId = "asst_abc123", Settings = new OaiRunSettings { MaxOutputTokens = 100 } }, default));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task A_runs_setting_wins_over_its_assistants()
    {
        var assistant = await _h.Adapter.CreateAssistantAsync(new AssistantCreateOptions
        {
            Model = "gpt-5-mini",
            Settings = new OaiRunSettings { ReasoningEffort = "high", MaxOutputTokens = 1000, Verbosity = "low" },
        }, default);
        _h.Handler.EnqueueJson(RF.Response(status: "queued", output: "[]", completedAt: "null", usage: "null"));
        await _h.Adapter.CreateRunAsync("conv_abc", new RunCreateOptions
        {
            AssistantId = assistant.Id,
            Settings = new OaiRunSettings { MaxOutputTokens = 200 },
        }, default);
        var body = Assert.Single(_h.Handler.Requests).BodyJson!;
        Assert.Equal(200, (int)body["max_output_tokens"]!);
        Assert.Equal("high", (string?)body["reasoning"]!["effort"]);
        Assert.Equal("low", (string?)body["text"]!["verbosity"]);
    }

    [Fact]
    public async Task Additional_body_is_merged_and_a_field_the_module_sets_is_refused()
    {
        var body = await ResponsesRunBody(new OaiRunSettings { AdditionalBodyJson = """{"top_logprobs":3,"safety_identifier":"x"}""" });
        Assert.Equal(3, (int)body["top_logprobs"]!);
        Assert.Equal("x", (string?)body["safety_identifier"]);
        Assert.Equal("conv_abc", (string?)body["conversation"]);

        _h.Handler.EnqueueJson(RF.Response());
        var assistant = await _h.Adapter.CreateAssistantAsync(new AssistantCreateOptions { Model = "gpt-5-mini" }, default);
        var before = _h.Handler.Requests.Count;
        foreach (var key in new[] { "model", "metadata", "temperature" })
        {
            await Assert.ThrowsAsync<PSAssistants.Client.OaiArgumentException>(() => _h.Adapter.CreateRunAsync("conv_abc",
                new RunCreateOptions { AssistantId = assistant.Id, Settings = new OaiRunSettings { AdditionalBodyJson = $$"""{"{{key}}":1}""" } }, default));
        }
        Assert.Equal(before, _h.Handler.Requests.Count);

        var (v2, _) = await AssistantsRunBody(new OaiRunSettings { AdditionalBodyJson = """{"additional_messages":[]}""" });
        Assert.NotNull(v2["additional_messages"]);
        var (adapter, handler) = T.Adapter();
        await Assert.ThrowsAsync<PSAssistants.Client.OaiArgumentException>(() => adapter.CreateRunAsync("thread_abc",
            new RunCreateOptions { AssistantId = "asst_abc123", Settings = new OaiRunSettings { AdditionalBodyJson = """{"metadata":{}}""" } }, default));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task An_assistants_run_settings_go_to_its_metadata_and_come_back_without_it()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Assistant);
        await adapter.CreateAssistantAsync(new AssistantCreateOptions
        {
            Model = "gpt-4o",
            Metadata = new Dictionary<string, string> { ["team"] = "ops" },
            Settings = new OaiRunSettings { ReasoningEffort = "low", MaxOutputTokens = 500, ToolChoice = "none", JsonSchema = Schema, SchemaName = "a", Strict = true },
        }, default);
        var body = Assert.Single(handler.Requests).BodyJson!;
        Assert.Equal("low", (string?)body["reasoning_effort"]);
        Assert.Equal("json_schema", (string?)body["response_format"]!["type"]);
        Assert.Equal("ops", (string?)body["metadata"]!["team"]);
        var packed = JsonNode.Parse((string)body["metadata"]![AssistantsV2Adapter.RunSettingsKey]!)!;
        Assert.Equal(500, (int)packed["max_completion_tokens"]!);
        Assert.Equal("none", (string?)packed["tool_choice"]);

        var echoed = (JsonObject)JsonNode.Parse(Fixtures.Assistant)!;
        echoed["metadata"] = new JsonObject { ["team"] = "ops", [AssistantsV2Adapter.RunSettingsKey] = packed.ToJsonString() };
        echoed["response_format"] = body["response_format"]!.DeepClone();
        handler.EnqueueJson(echoed.ToJsonString());
        var read = await adapter.GetAssistantAsync("asst_abc123", default);
        Assert.Equal(500, read.RunSettings.MaxOutputTokens);
        Assert.Equal("none", read.RunSettings.ToolChoice);
        Assert.Equal("a", read.RunSettings.SchemaName);
        Assert.Equal(new[] { "team" }, read.Metadata.Keys.ToArray());
    }

    [Fact]
    public async Task Create_thread_and_run_on_assistants_makes_the_thread_first_when_reasoning_effort_is_set()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Thread).EnqueueJson(Fixtures.Run());
        await adapter.CreateThreadAndRunAsync(new ThreadCreateOptions(),
            new RunCreateOptions { AssistantId = "asst_abc123", Settings = new OaiRunSettings { ReasoningEffort = "minimal" } }, stream: false, default);
        Assert.Equal(new[] { "/v1/threads", "/v1/threads/thread_abc/runs" }, handler.Requests.Select(r => r.Path).ToArray());
        Assert.Equal("minimal", (string?)handler.Requests[1].BodyJson!["reasoning_effort"]);
    }

    [Fact]
    public void Usage_of_a_response_carries_cached_and_reasoning_tokens_and_its_output_text()
    {
        var usage = """{"input_tokens": 10, "input_tokens_details": {"cached_tokens": 4}, "output_tokens": 9, "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": 19}""";
        var json = RF.Response(usage: usage, output: $"[{RF.OutputMessage("msg_1", "Hello.")}]");
        var run = PSAssistants.Protocols.Responses.ResponsesAdapter.Map(
            System.Text.Json.JsonSerializer.Deserialize(json, PSAssistants.Protocols.Responses.ResponsesJson.Default.ResponseObject)!, json, "conv_abc");
        Assert.Equal(4, run.Usage!.CachedTokens);
        Assert.Equal(5, run.Usage.ReasoningTokens);
        Assert.Equal("Hello.", run.OutputText);
    }
}
