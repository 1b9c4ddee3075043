using System.Net;
using System.Net.Http;
using System.Text;
using PSAssistants.Client;
using PSAssistants.Commands;
using PSAssistants.Protocols;
using PSAssistants.Protocols.AssistantsV2;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// Issue 12 items 4-7: the key and the body go nowhere but the session's server, what a server sends cannot
/// fill memory, and a secret the server echoes in escapes is redacted. The servers here are raw loopback
/// servers (127.0.0.1) that stop by themselves; the client uses the module's real handler.
/// </summary>
public class WireSafetyTests
{
    private const string AzureKey = "azure-key-0123456789";

    private static OaiSession Azure(Uri server, int maxRetries = 0, int? maxResponseMB = null) => OaiSessions.Create(new OaiSessionSettings
    {
        ApiKey = OaiSessions.ToSecureString(AzureKey),
        AzureEndpoint = server,
        Protocol = OaiProtocol.Assistants,
        MaxRetries = maxRetries,
        MaxResponseSizeMB = maxResponseMB,
        TimeoutSec = 20,
        AssistantStorePath = T.UnusedStorePath,
    });

    private static AssistantsV2Adapter Adapter(OaiSession session)
    {
        var adapter = new AssistantsV2Adapter(session, OaiHttp.Create());
        adapter.Client.RetryDelay = (_, _) => TimeSpan.Zero;
        return adapter;
    }

    private static readonly ThreadCreateOptions s_thread = new() { Metadata = new Dictionary<string, string> { ["k"] = "v" } };

    #region Redirects (item 4)

    [Theory]
    [InlineData(307)]
    [InlineData(302)]
    [InlineData(308)]
    public async Task A_redirect_to_another_origin_is_refused_and_nothing_reaches_it(int status)
    {
        await using var elsewhere = new LoopbackServer((_, r, ct) => r.AnswerAsync(200, Fixtures.Thread, ct));
        var target = new Uri(elsewhere.Uri, "/collect?token=hush");
        await using var server = new LoopbackServer((_, r, ct) => r.AnswerAsync(status, "", ct, headers: "Location: " + target));
        var adapter = Adapter(Azure(server.Uri, maxRetries: 2));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.CreateThreadAsync(s_thread, default));

        Assert.Equal(OaiErrorKind.RedirectRefused, ex.Kind);
        Assert.Contains(elsewhere.Uri + "collect", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hush", ex.ToString(), StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
        Assert.Single(server.Requests); // not retried either
    }

    [Fact]
    public async Task A_same_origin_307_is_followed_with_its_method_body_headers_and_idempotency_key()
    {
        await using var server = new LoopbackServer((q, r, ct) => q.Target.EndsWith("/moved", StringComparison.Ordinal)
            ? r.AnswerAsync(200, Fixtures.Thread, ct)
            : r.AnswerAsync(307, "", ct, headers: "Location: /openai/v1/moved"));
        var adapter = Adapter(Azure(server.Uri));

        var thread = await adapter.CreateThreadAsync(s_thread, default);

        Assert.Equal("thread_abc", thread.Id);
        var (first, second) = (server.Requests[0], server.Requests[1]);
        Assert.Equal(("POST", "POST"), (first.Method, second.Method));
        Assert.Equal("/openai/v1/moved", second.Target);
        Assert.Equal(first.Body, second.Body);
        Assert.Contains("\"k\"", second.Body, StringComparison.Ordinal);
        Assert.Equal(first.Header("Idempotency-Key"), second.Header("Idempotency-Key"));
        Assert.Equal(AzureKey, second.Header("api-key"));
    }

    [Theory]
    [InlineData(303)]
    [InlineData(302)]
    [InlineData(301)]
    public async Task A_same_origin_redirect_of_a_post_that_asks_for_a_get_sends_a_get_without_body(int status)
    {
        await using var server = new LoopbackServer((q, r, ct) => q.Target.EndsWith("/result", StringComparison.Ordinal)
            ? r.AnswerAsync(200, Fixtures.Thread, ct)
            : r.AnswerAsync(status, "", ct, headers: "Location: http://127.0.0.1:" + q.Header("Host")!.Split(':')[1] + "/openai/v1/result"));
        var adapter = Adapter(Azure(server.Uri));

        await adapter.CreateThreadAsync(s_thread, default);

        Assert.Equal("GET", server.Requests[1].Method);
        Assert.Equal("", server.Requests[1].Body);
        Assert.Null(server.Requests[1].Header("Content-Length"));
    }

    [Fact]
    public async Task A_redirect_loop_on_one_origin_ends_in_a_protocol_error()
    {
        await using var server = new LoopbackServer((q, r, ct) => r.AnswerAsync(307, "", ct, headers: "Location: " + q.Target));
        var adapter = Adapter(Azure(server.Uri));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        Assert.Equal(OaiRedirects.MaxHops + 1, server.Requests.Count);
    }

    #endregion

    #region Bounded reads (item 5)

    /// <summary>What the servers below send at most; far past every cap, so a client that does not stop would be seen.</summary>
    private const long ServerLimit = 256L * 1024 * 1024;

    /// <summary>A cap of 1 MiB plus what the kernel's socket buffers can hold before the client stops reading.</summary>
    private const long SentBound = 24L * 1024 * 1024;

    [Fact]
    public async Task An_endless_200_body_fails_as_a_protocol_error_once_past_the_cap()
    {
        await using var server = new LoopbackServer((_, r, ct) => r.EndlessAsync(200, "application/json", "{\"id\":\"", ServerLimit, ct));
        var adapter = Adapter(Azure(server.Uri, maxRetries: 2, maxResponseMB: 1));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        Assert.Contains("1 MiB", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
        Assert.InRange(await server.BytesSentWhenServedAsync(), 1L * 1024 * 1024, SentBound);
    }

    [Fact]
    public async Task A_json_answer_under_the_cap_is_read_whole()
    {
        var padding = new string(' ', 900 * 1024);
        await using var server = new LoopbackServer((_, r, ct) => r.AnswerAsync(200, "{" + padding + Fixtures.Thread.TrimStart()[1..], ct));
        var adapter = Adapter(Azure(server.Uri, maxResponseMB: 1));

        Assert.Equal("thread_abc", (await adapter.GetThreadAsync("thread_abc", default)).Id);
    }

    [Fact]
    public async Task An_endless_error_body_is_read_to_64_KiB_and_not_retried()
    {
        await using var server = new LoopbackServer((_, r, ct) => r.EndlessAsync(500, "text/html", "<html>", ServerLimit, ct));
        var adapter = Adapter(Azure(server.Uri, maxRetries: 2));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        Assert.Equal(500, ex.StatusCode);
        Assert.Single(server.Requests);
        Assert.InRange(await server.BytesSentWhenServedAsync(), OaiErrorReader.MaxBodyBytes, SentBound);
    }

    [Fact]
    public async Task An_endless_event_line_fails_as_a_protocol_error_once_past_the_cap()
    {
        await using var server = new LoopbackServer((_, r, ct) => r.EndlessAsync(200, "text/event-stream", "event: thread.run.created\ndata: ", ServerLimit, ct));
        var session = Azure(server.Uri, maxResponseMB: 1);
        var client = new OaiClient(session, OaiHttp.Create());

        OaiApiException ex;
        using (var stream = await client.OpenEventStreamAsync(HttpMethod.Post, "/threads/thread_abc/runs", Encoding.UTF8.GetBytes("{}"), default))
        {
            ex = await Assert.ThrowsAsync<OaiApiException>(async () =>
            {
                await foreach (var _ in stream.EventsAsync(default)) { }
            });
        }

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        Assert.Contains("line", ex.Message, StringComparison.Ordinal);
        Assert.InRange(await server.BytesSentWhenServedAsync(), 1L * 1024 * 1024, SentBound);
    }

    [Fact]
    public async Task Many_short_event_lines_beyond_the_cap_in_all_are_fine()
    {
        var line = "event: ping\ndata: {\"n\":1}\n\n";
        var body = string.Concat(Enumerable.Repeat(line, 2 * 1024 * 1024 / line.Length + 1));
        await using var server = new LoopbackServer((_, r, ct) => r.AnswerAsync(200, body, ct, "text/event-stream"));
        var client = new OaiClient(Azure(server.Uri, maxResponseMB: 1), OaiHttp.Create());

        using var stream = await client.OpenEventStreamAsync(HttpMethod.Post, "/threads/thread_abc/runs", Encoding.UTF8.GetBytes("{}"), default);
        var count = 0;
        await foreach (var _ in stream.EventsAsync(default)) count++;

        Assert.Equal(2 * 1024 * 1024 / line.Length + 1, count);
    }

    [Fact]
    public async Task A_capped_stream_counts_each_line_on_its_own()
    {
        var text = "aaaa\nbbbb\r\ncccc\n" + new string('d', 5);
        using var capped = new OaiCappedStream(new MemoryStream(Encoding.ASCII.GetBytes(text)), 4, perLine: true);
        var buffer = new byte[3];
        var ex = await Assert.ThrowsAsync<OaiBodyTooLargeException>(async () => { while (await capped.ReadAsync(buffer) > 0) { } });
        Assert.Contains("line", ex.Message, StringComparison.Ordinal);
    }

    #endregion

    #region Redaction after decoding (item 6)

    private static string Escaped(string secret) => string.Concat(secret.Select(c => $"\\u{(int)c:x4}"));

    private static HttpResponseMessage EchoingError(string secret) => Respond.Json(
        "{\"error\":{\"message\":\"Incorrect API key provided: " + Escaped(secret) + ".\",\"type\":\"invalid_request_error\",\"param\":\""
        + Escaped(secret) + "\",\"code\":\"invalid_api_key\"}}", HttpStatusCode.Unauthorized);

    private static async Task AssertRedacted(OaiSession session, string secret)
    {
        var handler = new FakeHandler();
        handler.Enqueue(() => EchoingError(secret));
        var adapter = new AssistantsV2Adapter(session, new HttpMessageInvoker(handler));
        session.RefreshAccessToken();

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(OaiErrorKind.Authentication, ex.Kind);
        Assert.Contains("***", ex.ApiMessage, StringComparison.Ordinal);
        foreach (var text in new[] { ex.Message, ex.ApiMessage, ex.Param, ex.ToString() })
            Assert.DoesNotContain(secret, text ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public Task An_api_key_echoed_as_json_escapes_is_redacted() => AssertRedacted(T.Session(maxRetries: 0), T.Key);

    [Fact]
    public Task An_azure_api_key_echoed_as_json_escapes_is_redacted() => AssertRedacted(Azure(new Uri("http://127.0.0.1:9")), AzureKey);

    [Fact]
    public Task An_entra_token_echoed_as_json_escapes_is_redacted()
    {
        const string token = "eyJ0eXAi.entra-token.sig";
        var session = OaiSessions.Create(new OaiSessionSettings
        {
            AzureEndpoint = new Uri("http://127.0.0.1:9"),
            TokenProvider = new StaticTokenProvider(token),
            Protocol = OaiProtocol.Assistants,
            MaxRetries = 0,
            AssistantStorePath = T.UnusedStorePath,
        });
        return AssertRedacted(session, token);
    }

    [Fact]
    public async Task A_key_echoed_in_a_streams_error_event_is_redacted()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 0));
        handler.Enqueue(() => Respond.Text("event: error\ndata: {\"message\":\"Incorrect API key provided: " + Escaped(T.Key)
            + ".\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}\n\n", HttpStatusCode.OK, "text/event-stream"));

        using var start = await adapter.StartRunStreamAsync("thread_abc", new RunCreateOptions { AssistantId = "asst_abc123" }, default);
        var ex = await Assert.ThrowsAsync<OaiApiException>(async () =>
        {
            await foreach (var _ in start.Events!) { }
        });

        Assert.Equal("invalid_api_key", ex.ErrorCode);
        Assert.Contains("***", ex.ApiMessage, StringComparison.Ordinal);
        T.AssertNoKey(ex);
    }

    #endregion

    #region Header injection (item 7)

    [Theory]
    [InlineData("sk-a\r\nX-Injected: 1")]
    [InlineData("sk-a\nX-Injected: 1")]
    [InlineData("sk-a\rb")]
    [InlineData("sk-a\0b")]
    public void A_key_with_a_line_break_or_NUL_is_refused_when_the_session_is_made(string key)
    {
        var ex = Assert.Throws<OaiArgumentException>(() => OaiSessions.Create(new OaiSessionSettings
        {
            ApiKey = OaiSessions.ToSecureString(key),
            BaseUri = T.Base,
            AssistantStorePath = T.UnusedStorePath,
        }));
        Assert.DoesNotContain("sk-a", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Organization_project_and_a_fixed_token_with_a_line_break_are_refused()
    {
        Assert.Throws<OaiArgumentException>(() => OaiSessions.Create(new OaiSessionSettings
            { ApiKey = OaiSessions.ToSecureString(T.Key), BaseUri = T.Base, Organization = "org\r\nX: 1", AssistantStorePath = T.UnusedStorePath }));
        Assert.Throws<OaiArgumentException>(() => OaiSessions.Create(new OaiSessionSettings
            { ApiKey = OaiSessions.ToSecureString(T.Key), BaseUri = T.Base, Project = "proj\nX: 1", AssistantStorePath = T.UnusedStorePath }));
        Assert.Throws<OaiArgumentException>(() => new StaticTokenProvider("tok\r\nX: 1"));
    }

    #endregion
}
