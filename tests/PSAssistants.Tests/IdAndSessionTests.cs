using System.Reflection;
using PSAssistants.Client;
using PSAssistants.Protocols;
using PSAssistants.Protocols.AssistantsV2;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>Ids are checked before they reach a URL path; nothing a request or its failure produces is sent.</summary>
public class IdTests
{
    [Theory]
    [InlineData("asst_abc123")]
    [InlineData("file-AbC")]
    [InlineData("thread_abc")]
    [InlineData("msg_01HX.2")]
    [InlineData("run_ABCdef123456")]
    [InlineData("a")]
    public void Valid_ids_are_accepted(string id) => Assert.True(OaiId.IsValid(id));

    [Fact]
    public void An_id_of_128_characters_is_accepted_and_129_refused()
    {
        Assert.True(OaiId.IsValid("a" + new string('b', 127)));
        Assert.False(OaiId.IsValid("a" + new string('b', 128)));
    }

    [Theory]
    [InlineData("../files")]
    [InlineData("a/b?c")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("thread_x%2F")]
    [InlineData("thread_x/")]
    [InlineData("thread_x?x=1")]
    [InlineData("thread_x#frag")]
    [InlineData("thread x")]
    [InlineData(" thread_x")]
    [InlineData("thread_x\n")]
    [InlineData("thread_x\\y")]
    [InlineData("a..b")]
    [InlineData(".hidden")]
    [InlineData("thréad")]
    public void Ids_that_could_escape_the_path_are_refused(string id) => Assert.False(OaiId.IsValid(id));

    [Fact]
    public void Null_and_200_character_ids_are_refused()
    {
        Assert.False(OaiId.IsValid(null));
        Assert.False(OaiId.IsValid(new string('a', 200)));
    }

    [Fact]
    public void Check_throws_an_invalid_id_error_naming_the_kind_of_id()
    {
        var ex = Assert.Throws<OaiApiException>(() => OaiId.Check("../files", "thread"));

        Assert.Equal(OaiErrorKind.InvalidId, ex.Kind);
        Assert.Null(ex.ErrorCode);
        Assert.Contains("thread", ex.Message);
        Assert.Null(ex.StatusCode);
        Assert.Equal("thread_abc", OaiId.Check("thread_abc", "thread"));
    }

    private static readonly Dictionary<string, Func<AssistantsV2Adapter, string, Task>> s_calls = new()
    {
        ["GetAssistant"] = (a, id) => a.GetAssistantAsync(id, default),
        ["DeleteAssistant"] = (a, id) => a.DeleteAssistantAsync(id, default),
        ["GetThread"] = (a, id) => a.GetThreadAsync(id, default),
        ["DeleteThread"] = (a, id) => a.DeleteThreadAsync(id, default),
        ["AddMessage.thread"] = (a, id) => a.AddMessageAsync(id, new MessageCreateOptions { Content = "x" }, default),
        ["GetMessage.thread"] = (a, id) => a.GetMessageAsync(id, "msg_abc", default),
        ["GetMessage.message"] = (a, id) => a.GetMessageAsync("thread_abc", id, default),
        ["ListMessages.thread"] = (a, id) => T.ToListAsync(a.ListMessagesAsync(id, null, new ListOptions(), default)),
        ["ListMessages.run"] = (a, id) => T.ToListAsync(a.ListMessagesAsync("thread_abc", id, new ListOptions(), default)),
        ["ListMessages.after"] = (a, id) => T.ToListAsync(a.ListMessagesAsync("thread_abc", null, new ListOptions { After = id }, default)),
        ["ListMessages.before"] = (a, id) => T.ToListAsync(a.ListMessagesAsync("thread_abc", null, new ListOptions { Before = id }, default)),
        ["ListAssistants.after"] = (a, id) => T.ToListAsync(a.ListAssistantsAsync(new ListOptions { After = id }, default)),
        ["CreateRun.thread"] = (a, id) => a.CreateRunAsync(id, new RunCreateOptions { AssistantId = "asst_abc" }, default),
        ["CreateRun.assistant"] = (a, id) => a.CreateRunAsync("thread_abc", new RunCreateOptions { AssistantId = id }, default),
        ["GetRun.thread"] = (a, id) => a.GetRunAsync(id, "run_abc", default),
        ["GetRun.run"] = (a, id) => a.GetRunAsync("thread_abc", id, default),
        ["ListRuns.thread"] = (a, id) => T.ToListAsync(a.ListRunsAsync(id, new ListOptions(), default)),
        ["CancelRun.thread"] = (a, id) => a.CancelRunAsync(id, "run_abc", default),
        ["CancelRun.run"] = (a, id) => a.CancelRunAsync("thread_abc", id, default),
        ["DeleteMessage.thread"] = (a, id) => a.DeleteMessageAsync(id, "msg_abc", default),
        ["DeleteMessage.message"] = (a, id) => a.DeleteMessageAsync("thread_abc", id, default),
        ["UpdateMessage.thread"] = (a, id) => a.UpdateMessageAsync(id, "msg_abc", new Dictionary<string, string> { ["k"] = "v" }, default),
        ["UpdateMessage.message"] = (a, id) => a.UpdateMessageAsync("thread_abc", id, new Dictionary<string, string> { ["k"] = "v" }, default),
        ["SubmitToolOutputs.thread"] = (a, id) => a.SubmitToolOutputsAsync(new OaiRun { Id = "run_abc", ThreadId = id }, new[] { new ToolOutput("call_1", "x") }, false, default),
        ["SubmitToolOutputs.run"] = (a, id) => a.SubmitToolOutputsAsync(new OaiRun { Id = id, ThreadId = "thread_abc" }, new[] { new ToolOutput("call_1", "x") }, false, default),
    };

    public static TheoryData<string, string> BadIdCalls()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in s_calls.Keys)
        {
            foreach (var bad in new[] { "../files", "a/b?c", "..", "", "thread_x%2F" }) data.Add(name, bad);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadIdCalls))]
    public async Task A_bad_id_throws_before_any_request_is_sent(string call, string badId)
    {
        var (adapter, handler) = T.Adapter();
        handler.Fallback = (_, _) => throw new InvalidOperationException("no request may be sent");

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => s_calls[call](adapter, badId));

        Assert.Equal(OaiErrorKind.InvalidId, ex.Kind);
        Assert.Null(ex.ErrorCode);
        Assert.Empty(handler.Requests);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task A_create_that_is_refused_before_the_wire_sends_nothing()
    {
        var (adapter, handler) = T.Adapter();
        handler.Fallback = (_, _) => throw new InvalidOperationException("no request may be sent");

        await Assert.ThrowsAnyAsync<Exception>(() => adapter.CreateAssistantAsync(new AssistantCreateOptions { Model = "" }, default));

        Assert.Empty(handler.Requests);
    }
}

/// <summary>Sessions: where requests may go, where the key comes from, and that the key is never shown.</summary>
public class SessionTests
{
    private static OaiSession Make(string uri, bool allowInsecureHttp = false) =>
        T.Create(new() { ApiKey = T.SecureKey, BaseUri = new Uri(uri), Protocol = OaiProtocol.Assistants, Organization = "org-x", Project = "proj-x", TimeoutSec = 30, MaxRetries = 2, AllowInsecureHttp = allowInsecureHttp });

    [Fact]
    public void Plain_http_to_another_host_is_refused_without_AllowInsecureHttp()
    {
        var ex = Assert.Throws<OaiArgumentException>(() => Make("http://example.com/v1"));

        Assert.Contains("http://example.com/v1", ex.Message);
        Assert.DoesNotContain(T.Key, ex.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1.nip.io/v1")]
    [InlineData("http://localhost.example.com/v1")]
    [InlineData("http://10.0.0.5:8000/v1")]
    [InlineData("http://[fe80::1]:5/v1")]
    public void Hosts_that_only_look_local_are_refused_over_http(string uri) =>
        Assert.Throws<OaiArgumentException>(() => Make(uri));

    [Fact]
    public void Plain_http_to_another_host_is_allowed_with_AllowInsecureHttp() =>
        Assert.Equal(new Uri("http://example.com/v1"), Make("http://example.com/v1", allowInsecureHttp: true).BaseUri);

    [Theory]
    [InlineData("http://127.0.0.1:1234/v1")]
    [InlineData("http://[::1]:5/v1")]
    [InlineData("http://localhost:8080/v1")]
    [InlineData("http://127.0.0.2/v1")]
    [InlineData("https://example.com/v1")]
    [InlineData("https://api.openai.com/v1")]
    public void Loopback_http_and_any_https_are_allowed(string uri) =>
        Assert.Equal(new Uri(uri), Make(uri).BaseUri);

    [Theory]
    [InlineData("ftp://example.com/v1")]
    [InlineData("file:///etc/passwd")]
    public void Other_schemes_are_refused_even_with_AllowInsecureHttp(string uri) =>
        Assert.Throws<OaiArgumentException>(() => Make(uri, allowInsecureHttp: true));

    [Fact]
    public void A_given_key_is_from_Parameter()
    {
        var s = T.Session();

        Assert.Equal("Parameter", s.ApiKeySource);
        Assert.True(s.HasApiKey);
        Assert.Equal("Bearer sk-test", s.AuthorizationHeader);
    }

    [Fact]
    public void Given_settings_are_kept()
    {
        var s = T.Create(new() { ApiKey = T.SecureKey, BaseUri = new Uri("https://example.com/v1"), Protocol = OaiProtocol.Assistants, Organization = "org-1", Project = "proj-1", TimeoutSec = 45, MaxRetries = 5 });

        Assert.Equal(OaiProtocol.Assistants, s.Protocol);
        Assert.Equal("org-1", s.Organization);
        Assert.Equal("proj-1", s.Project);
        Assert.Equal(45, s.TimeoutSec);
        Assert.Equal(5, s.MaxRetries);
    }

    [Fact]
    public async Task An_empty_key_sends_no_authorization_header()
    {
        var session = T.Create(new() { ApiKey = new System.Security.SecureString(), BaseUri = T.Base, Protocol = OaiProtocol.Assistants, Organization = "org-x", Project = "proj-x", TimeoutSec = 30, MaxRetries = 0 });
        var (adapter, handler) = T.Adapter(session);
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.False(session.HasApiKey);
        Assert.Null(Assert.Single(handler.Requests).Header("Authorization"));
    }

    [Fact]
    public void ToString_and_every_public_property_never_show_the_key()
    {
        var s = T.Session(organization: "org-123", project: "proj_456");
        _ = s.AuthorizationHeader; // once unwrapped, the key must still not show

        Assert.DoesNotContain(T.Key, s.ToString());
        foreach (var p in typeof(OaiSession).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = p.GetValue(s);
            Assert.DoesNotContain(T.Key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }
        Assert.DoesNotContain(typeof(OaiSession).GetProperties(BindingFlags.Public | BindingFlags.Instance),
            p => p.Name.Contains("Key", StringComparison.OrdinalIgnoreCase) && p.PropertyType != typeof(bool) && p.Name != "ApiKeySource");
    }

    [Fact]
    public async Task Diagnostics_never_carry_the_key()
    {
        var sink = new RecordingSink();
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 1));
        handler.EnqueueJson("""{"error":{"message":"busy","type":"server_error","param":null,"code":null}}""", System.Net.HttpStatusCode.ServiceUnavailable)
               .EnqueueJson(Fixtures.Run(status: "queued"));

        using (OaiCallContext.Enter(new OaiCallContext(sink, null)))
        {
            await adapter.CreateRunAsync("thread_abc", new RunCreateOptions { AssistantId = "asst_abc123", AdditionalInstructions = "x" }, default);
        }

        Assert.NotEmpty(sink.Messages);
        Assert.Contains(sink.Messages, m => m.Contains("/threads/thread_abc/runs", StringComparison.Ordinal));
        Assert.All(sink.Messages, m => Assert.DoesNotContain(T.Key, m));
    }

    private sealed class RecordingSink : IOaiLogSink
    {
        private readonly List<string> _messages = new();
        public IReadOnlyList<string> Messages { get { lock (_messages) return _messages.ToArray(); } }
        public bool VerboseEnabled => true;
        public bool DebugEnabled => true;
        public void Verbose(string message) { lock (_messages) _messages.Add(message); }
        public void Debug(string message) { lock (_messages) _messages.Add(message); }
    }
}
