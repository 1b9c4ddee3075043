using System.Net;
using PSAssistants.Client;
using PSAssistants.Protocols;
using PSAssistants.Protocols.AssistantsV2;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// Every adapter method against the wire: method, exact path under the base URI, query, headers and body,
/// as protocol-notes.md section 2 and the reference describe them.
/// </summary>
public class RequestBuildingTests
{
    private sealed record Case(Func<AssistantsV2Adapter, Task> Call, string Method, string Path, string? Query, string Response);

    private static readonly Dictionary<string, Case> s_cases = new()
    {
        ["CreateAssistant"] = new(a => a.CreateAssistantAsync(new AssistantCreateOptions { Model = "gpt-4o" }, default),
            "POST", "/v1/assistants", null, Fixtures.Assistant),
        ["GetAssistant"] = new(a => a.GetAssistantAsync("asst_abc123", default),
            "GET", "/v1/assistants/asst_abc123", null, Fixtures.Assistant),
        ["ListAssistants"] = new(a => T.ToListAsync(a.ListAssistantsAsync(new ListOptions(), default)),
            "GET", "/v1/assistants", "limit=100&order=asc", Fixtures.Page(new[] { Fixtures.Assistant }, new[] { "asst_abc123" }, false)),
        ["DeleteAssistant"] = new(a => a.DeleteAssistantAsync("asst_abc123", default),
            "DELETE", "/v1/assistants/asst_abc123", null, Fixtures.Deleted("asst_abc123", "assistant.deleted")),
        ["CreateThread"] = new(a => a.CreateThreadAsync(new ThreadCreateOptions(), default),
            "POST", "/v1/threads", null, Fixtures.Thread),
        ["GetThread"] = new(a => a.GetThreadAsync("thread_abc", default),
            "GET", "/v1/threads/thread_abc", null, Fixtures.Thread),
        ["DeleteThread"] = new(a => a.DeleteThreadAsync("thread_abc", default),
            "DELETE", "/v1/threads/thread_abc", null, Fixtures.Deleted("thread_abc", "thread.deleted")),
        ["AddMessage"] = new(a => a.AddMessageAsync("thread_abc", new MessageCreateOptions { Content = "Hello" }, default),
            "POST", "/v1/threads/thread_abc/messages", null, Fixtures.Message()),
        ["GetMessage"] = new(a => a.GetMessageAsync("thread_abc", "msg_abc", default),
            "GET", "/v1/threads/thread_abc/messages/msg_abc", null, Fixtures.Message()),
        ["ListMessages"] = new(a => T.ToListAsync(a.ListMessagesAsync("thread_abc", null, new ListOptions(), default)),
            "GET", "/v1/threads/thread_abc/messages", "limit=100&order=asc", Fixtures.MessagePage(false, "msg_1")),
        ["ListMessagesOfRun"] = new(a => T.ToListAsync(a.ListMessagesAsync("thread_abc", "run_abc", new ListOptions { Order = "desc", First = 5 }, default)),
            "GET", "/v1/threads/thread_abc/messages", "limit=5&order=desc&run_id=run_abc", Fixtures.MessagePage(false, "msg_1")),
        ["CreateRun"] = new(a => a.CreateRunAsync("thread_abc", new RunCreateOptions { AssistantId = "asst_abc123" }, default),
            "POST", "/v1/threads/thread_abc/runs", null, Fixtures.Run(status: "queued")),
        ["GetRun"] = new(a => a.GetRunAsync("thread_abc", "run_abc", default),
            "GET", "/v1/threads/thread_abc/runs/run_abc", null, Fixtures.Run()),
        ["ListRuns"] = new(a => T.ToListAsync(a.ListRunsAsync("thread_abc", new ListOptions(), default)),
            "GET", "/v1/threads/thread_abc/runs", "limit=100&order=asc", Fixtures.Page(new[] { Fixtures.Run() }, new[] { "run_abc" }, false)),
        ["CancelRun"] = new(a => a.CancelRunAsync("thread_abc", "run_abc", default),
            "POST", "/v1/threads/thread_abc/runs/run_abc/cancel", null, Fixtures.Run(status: "cancelling")),
    };

    public static TheoryData<string> CaseNames => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Each_method_sends_the_reference_method_path_and_query(string name)
    {
        var c = s_cases[name];
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(c.Response);

        await c.Call(adapter);

        var r = Assert.Single(handler.Requests);
        Assert.Equal(c.Method, r.Method);
        Assert.Equal(c.Path, r.Path);
        Assert.Equal("127.0.0.1", r.Uri.Host);
        Assert.Equal(9, r.Uri.Port);
        Assert.Equal(c.Query is null ? "" : "?" + c.Query, r.Uri.Query);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Each_method_sends_auth_beta_user_agent_and_accept_headers(string name)
    {
        var c = s_cases[name];
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(c.Response);

        await c.Call(adapter);

        var r = Assert.Single(handler.Requests);
        Assert.Equal("Bearer sk-test", r.Header("Authorization"));
        Assert.Equal("assistants=v2", r.Header("OpenAI-Beta"));
        Assert.StartsWith("PSAssistants/", r.Header("User-Agent"));
        Assert.Equal("application/json", r.Header("Accept"));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Posts_carry_a_json_body_and_an_idempotency_key_other_methods_carry_neither(string name)
    {
        var c = s_cases[name];
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(c.Response);

        await c.Call(adapter);

        var r = Assert.Single(handler.Requests);
        if (c.Method == "POST" && name != "CancelRun")
        {
            Assert.Equal("application/json", r.ContentMediaType);
            Assert.True(r.ContentCharSet is null || r.ContentCharSet.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
            Assert.NotNull(r.BodyJson as System.Text.Json.Nodes.JsonObject);
            Assert.False(string.IsNullOrWhiteSpace(r.Header("Idempotency-Key")));
        }
        else if (c.Method == "POST")
        {
            // cancel has no request body in the reference, but is still a POST worth deduplicating
            Assert.Null(r.Body);
            Assert.False(string.IsNullOrWhiteSpace(r.Header("Idempotency-Key")));
        }
        else
        {
            Assert.Null(r.Body);
            Assert.Null(r.Header("Idempotency-Key"));
        }
    }

    [Fact]
    public async Task Organization_and_project_headers_are_sent_when_the_session_has_them()
    {
        var (adapter, handler) = T.Adapter(T.Session(organization: "org-123", project: "proj_456"));
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        var r = Assert.Single(handler.Requests);
        Assert.Equal("org-123", r.Header("OpenAI-Organization"));
        Assert.Equal("proj_456", r.Header("OpenAI-Project"));
    }

    [Fact]
    public async Task User_agent_names_the_module_version_and_is_a_valid_header()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        var ua = Assert.Single(handler.Requests).Header("User-Agent")!;
        var version = typeof(OaiSession).Assembly.GetName().Version!.ToString(3);
        Assert.StartsWith("PSAssistants/" + version + " ", ua);
        // Sent without validation, so it must be a valid product list by itself (a stray '(' or newline would break it).
        Assert.True(new HttpRequestMessage().Headers.UserAgent.TryParseAdd(ua), ua);
        Assert.All(ua, c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public async Task A_stored_prompt_or_a_missing_model_is_refused_before_the_wire()
    {
        var (adapter, handler) = T.Adapter();

        var ex = await Assert.ThrowsAsync<PSAssistants.Client.OaiApiException>(() =>
            adapter.CreateAssistantAsync(new AssistantCreateOptions { Model = "gpt-4o", PromptId = "pmpt_abc" }, default));
        await Assert.ThrowsAsync<OaiArgumentException>(() => adapter.CreateAssistantAsync(new AssistantCreateOptions(), default));

        Assert.Equal(PSAssistants.Client.OaiErrorKind.NotSupported, ex.Kind);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task A_base_uri_with_a_trailing_slash_does_not_double_the_slash()
    {
        var session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = new Uri("http://127.0.0.1:9/v1/"), Protocol = OaiProtocol.Assistants, Organization = "org-x", Project = "proj-x", TimeoutSec = 30, MaxRetries = 0 });
        var (adapter, handler) = T.Adapter(session);
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal("/v1/threads/thread_abc", Assert.Single(handler.Requests).Path);
    }

    [Fact]
    public async Task A_base_uri_with_a_deeper_path_keeps_it()
    {
        var session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = new Uri("http://localhost:8080/openai/v1"), Protocol = OaiProtocol.Assistants, Organization = "org-x", Project = "proj-x", TimeoutSec = 30, MaxRetries = 0 });
        var (adapter, handler) = T.Adapter(session);
        handler.EnqueueJson(Fixtures.Run());

        await adapter.GetRunAsync("thread_abc", "run_abc", default);

        var r = Assert.Single(handler.Requests);
        Assert.Equal("localhost", r.Uri.Host);
        Assert.Equal("/openai/v1/threads/thread_abc/runs/run_abc", r.Path);
    }

    [Fact]
    public async Task Idempotency_key_differs_between_two_calls()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Thread).EnqueueJson(Fixtures.Thread);

        await adapter.CreateThreadAsync(new ThreadCreateOptions(), default);
        await adapter.CreateThreadAsync(new ThreadCreateOptions(), default);

        var keys = handler.Requests.Select(r => r.Header("Idempotency-Key")).ToArray();
        Assert.Equal(2, keys.Length);
        Assert.All(keys, k => Assert.False(string.IsNullOrEmpty(k)));
        Assert.NotEqual(keys[0], keys[1]);
    }

    [Fact]
    public async Task Idempotency_key_and_body_are_the_same_on_every_retry_of_one_call()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        handler.EnqueueJson("""{"error":{"message":"busy","type":"server_error","param":null,"code":null}}""", HttpStatusCode.InternalServerError)
               .EnqueueThrow(new HttpRequestException("connection reset"))
               .EnqueueJson(Fixtures.Run(status: "queued"));

        await adapter.CreateRunAsync("thread_abc", new RunCreateOptions { AssistantId = "asst_abc123", AdditionalInstructions = "Be brief" }, default);

        var requests = handler.Requests;
        Assert.Equal(3, requests.Count);
        var key = requests[0].Header("Idempotency-Key");
        Assert.False(string.IsNullOrEmpty(key));
        Assert.All(requests, r => Assert.Equal(key, r.Header("Idempotency-Key")));
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        Assert.All(requests, r => Assert.Equal("/v1/threads/thread_abc/runs", r.Path));
    }

    // ---- bodies, compared as JSON trees: snake_case names, nulls omitted, metadata keys untouched ----

    [Fact]
    public async Task CreateAssistant_body_has_only_the_fields_given_in_snake_case()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Assistant);

        await adapter.CreateAssistantAsync(new AssistantCreateOptions
        {
            Model = "gpt-4o",
            Name = "Math Tutor",
            Instructions = "You are a personal math tutor.",
            Tools = new[] { new OaiTool("code_interpreter") },
            Metadata = new Dictionary<string, string> { ["CostCenter"] = "42", ["owner_team"] = "ops" },
            Temperature = 0.2,
            TopP = 0.9,
        }, default);

        T.AssertJsonEqual("""
            {"model":"gpt-4o","name":"Math Tutor","instructions":"You are a personal math tutor.",
             "tools":[{"type":"code_interpreter"}],"metadata":{"CostCenter":"42","owner_team":"ops"},
             "temperature":0.2,"top_p":0.9}
            """, Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task CreateAssistant_with_only_a_model_sends_only_the_model()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Assistant);

        await adapter.CreateAssistantAsync(new AssistantCreateOptions { Model = "gpt-4o-mini" }, default);

        var body = Assert.Single(handler.Requests).Body;
        T.AssertJsonEqual("""{"model":"gpt-4o-mini"}""", body);
        Assert.DoesNotContain("null", body);
    }

    [Fact]
    public async Task CreateAssistant_function_tool_is_nested_under_function_with_its_schema_as_json()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Assistant);

        await adapter.CreateAssistantAsync(new AssistantCreateOptions
        {
            Model = "gpt-4o",
            Tools = new[]
            {
                new OaiTool("file_search"),
                new OaiTool("function")
                {
                    Name = "get_weather",
                    Description = "Weather for a city",
                    ParametersJson = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""",
                    Strict = true,
                },
            },
        }, default);

        T.AssertJsonEqual("""
            {"model":"gpt-4o","tools":[
              {"type":"file_search"},
              {"type":"function","function":{"name":"get_weather","description":"Weather for a city",
                "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}}]}
            """, Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task CreateThread_without_metadata_sends_an_empty_object()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.CreateThreadAsync(new ThreadCreateOptions(), default);

        T.AssertJsonEqual("{}", Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task CreateThread_sends_metadata_keys_as_given()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.CreateThreadAsync(new ThreadCreateOptions { Metadata = new Dictionary<string, string> { ["UserName"] = "alice" } }, default);

        T.AssertJsonEqual("""{"metadata":{"UserName":"alice"}}""", Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task AddMessage_body_is_role_and_string_content()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Message());

        await adapter.AddMessageAsync("thread_abc", new MessageCreateOptions
        {
            Content = "Héllo <b>\"world\"</b> & ünïcode ✓\nline 2",
            Metadata = new Dictionary<string, string> { ["k"] = "v" },
        }, default);

        T.AssertJsonEqual("""
            {"role":"user","content":"Héllo <b>\"world\"</b> & ünïcode ✓\nline 2","metadata":{"k":"v"}}
            """, Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task AddMessage_as_assistant_sends_that_role()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Message());

        await adapter.AddMessageAsync("thread_abc", new MessageCreateOptions { Content = "Earlier answer", Role = "assistant" }, default);

        T.AssertJsonEqual("""{"role":"assistant","content":"Earlier answer"}""", Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task CreateRun_body_uses_additional_instructions_and_omits_nulls()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Run(status: "queued"));

        await adapter.CreateRunAsync("thread_abc", new RunCreateOptions
        {
            AssistantId = "asst_abc123",
            AdditionalInstructions = "Answer in French.",
            Metadata = new Dictionary<string, string> { ["job"] = "nightly" },
        }, default);

        var body = Assert.Single(handler.Requests).Body;
        T.AssertJsonEqual("""{"assistant_id":"asst_abc123","additional_instructions":"Answer in French.","metadata":{"job":"nightly"}}""", body);
        Assert.DoesNotContain("null", body);
    }

    [Fact]
    public async Task CreateRun_body_carries_model_and_instruction_overrides()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Run(status: "queued"));

        await adapter.CreateRunAsync("thread_abc", new RunCreateOptions
        {
            AssistantId = "asst_abc123",
            Model = "gpt-4o-mini",
            Instructions = "Replace the assistant's instructions.",
        }, default);

        T.AssertJsonEqual("""{"assistant_id":"asst_abc123","model":"gpt-4o-mini","instructions":"Replace the assistant's instructions."}""",
            Assert.Single(handler.Requests).Body);
    }

    [Fact]
    public async Task CancelRun_posts_no_body_as_the_reference_gives_it_none()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Run(status: "cancelling"));

        var run = await adapter.CancelRunAsync("thread_abc", "run_abc", default);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Null(request.Body);
        Assert.False(string.IsNullOrWhiteSpace(request.Header("Idempotency-Key")));
        Assert.Equal("cancelling", run.Status);
    }

    [Fact]
    public async Task Query_values_are_escaped()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.MessagePage(false));

        // An order value is not an id, so it is not checked; it must still not break the query string.
        await T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new ListOptions { Order = "a&b=c d" }, default));

        var r = Assert.Single(handler.Requests);
        Assert.Equal("a&b=c d", r.QueryValue("order"));
        Assert.Null(r.QueryValue("b"));
    }

    [Fact]
    public void OaiQuery_keeps_order_replaces_and_removes()
    {
        var q = new PSAssistants.Client.OaiQuery().Set("limit", 10).Set("order", "asc").Set("after", "msg_1");
        Assert.Equal("?limit=10&order=asc&after=msg_1", q.ToString());
        q.Set("after", "msg_2");
        Assert.Equal("?limit=10&order=asc&after=msg_2", q.ToString());
        q.Set("order", (string?)null);
        Assert.Equal("?limit=10&after=msg_2", q.ToString());
        Assert.Equal("", new PSAssistants.Client.OaiQuery().ToString());
        Assert.Equal("?x=a%2Fb%3Fc%26d", new PSAssistants.Client.OaiQuery().Set("x", "a/b?c&d").ToString());
    }
}
