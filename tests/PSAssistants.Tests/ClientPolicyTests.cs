using System.Net;
using System.Net.Http;
using System.Text;
using PSAssistants.Client;
using PSAssistants.Json;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>The client's policies, each tested alone: retry, error reader, pager, transfers and the per-call context.</summary>
public class ClientPolicyTests
{
    private static OaiApiException Failure(OaiErrorKind kind, int? status = null) => new(kind, "x") { StatusCode = status };

    // ---- OaiRetryPolicy ----

    [Fact]
    public async Task The_retry_policy_tries_again_until_success_and_reports_each_delay()
    {
        var delays = new List<int>();
        var policy = new OaiRetryPolicy { Delay = (n, _) => { delays.Add(n); return TimeSpan.Zero; } };
        var calls = 0;

        var result = await policy.RunAsync("GET /x", 3, () => ++calls < 3 ? throw Failure(OaiErrorKind.Server, 503) : Task.FromResult("ok"), default);

        Assert.Equal("ok", result);
        Assert.Equal(3, calls);
        Assert.Equal(new[] { 1, 2 }, delays);
    }

    [Fact]
    public async Task The_retry_policy_gives_up_after_max_retries_with_the_last_failure()
    {
        var policy = new OaiRetryPolicy { Delay = (_, _) => TimeSpan.Zero };
        var calls = 0;

        var ex = await Assert.ThrowsAsync<OaiApiException>(() =>
            policy.RunAsync<int>("GET /x", 2, () => throw new OaiApiException(OaiErrorKind.Timeout, "attempt " + ++calls), default));

        Assert.Equal(3, calls);
        Assert.Equal("attempt 3", ex.Message);
    }

    [Fact]
    public async Task The_retry_policy_does_not_retry_what_a_retry_cannot_cure()
    {
        var policy = new OaiRetryPolicy { Delay = (_, _) => TimeSpan.Zero };
        var calls = 0;

        await Assert.ThrowsAsync<OaiApiException>(() =>
            policy.RunAsync<int>("GET /x", 5, () => { calls++; throw Failure(OaiErrorKind.Protocol, 200); }, default));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task The_retry_policy_hands_the_servers_delay_to_the_delay_function()
    {
        TimeSpan? heard = null;
        var policy = new OaiRetryPolicy { Delay = (_, s) => { heard = s; return TimeSpan.Zero; } };
        var first = true;

        await policy.RunAsync("GET /x", 1, () =>
        {
            if (!first) return Task.FromResult(1);
            first = false;
            var ex = Failure(OaiErrorKind.RateLimit, 429);
            ex.Data["RetryAfter"] = TimeSpan.FromSeconds(7);
            throw ex;
        }, default);

        Assert.Equal(TimeSpan.FromSeconds(7), heard);
    }

    // ---- OaiErrorReader ----

    private static HttpResponseMessage Answer(HttpStatusCode status, string body, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    [Fact]
    public async Task The_error_reader_takes_the_envelope_apart()
    {
        var reader = new OaiErrorReader(() => null);
        using var response = Answer(HttpStatusCode.BadRequest,
            """{"error":{"message":"Bad value.","type":"invalid_request_error","param":"model","code":"invalid_value"}}""");

        var ex = await reader.ReadAsync(response, "POST /runs", "req_1", default);

        Assert.Equal(OaiErrorKind.InvalidRequest, ex.Kind);
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal("model", ex.Param);
        Assert.Equal("HTTP 400 (invalid_request_error: invalid_value): Bad value. [POST /runs, request req_1]", ex.Message);
    }

    [Fact]
    public async Task The_error_reader_redacts_the_secret_in_every_field()
    {
        const string secret = "sk-secret-123";
        var reader = new OaiErrorReader(() => secret);
        using var response = Answer(HttpStatusCode.Unauthorized,
            $$$"""{"error":{"message":"Key {{{secret}}} refused.","type":"{{{secret}}}","param":"{{{secret}}}","code":"{{{secret}}}"}}""");

        var ex = await reader.ReadAsync(response, "GET /x", secret, default);

        Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        foreach (var text in new[] { ex.ApiMessage, ex.ErrorType, ex.ErrorCode, ex.Param, ex.RequestId })
            Assert.DoesNotContain(secret, text!, StringComparison.Ordinal);
        Assert.Contains("***", ex.ApiMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_error_reader_gives_up_on_a_body_past_64_KiB_without_reading_it_all()
    {
        var reader = new OaiErrorReader(() => null);
        var body = new CountingStream(long.MaxValue);
        using var response = new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StreamContent(body) };

        var ex = await reader.ReadAsync(response, "GET /x", null, default);

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        Assert.Equal(500, ex.StatusCode);
        Assert.Contains("64 KiB", ex.Message, StringComparison.Ordinal);
        Assert.InRange(body.Served, OaiErrorReader.MaxBodyBytes, OaiErrorReader.MaxBodyBytes + 64 * 1024);
    }

    // ---- OaiPager ----

    private sealed record Page(string[] Data, bool HasMore, string? LastId);

    [Fact]
    public async Task The_pager_follows_the_cursor_and_stops_at_first()
    {
        var asked = new List<string>();
        var pages = new Dictionary<string, Page>
        {
            ["/things?limit=2"] = new(new[] { "a", "b" }, true, "b"),
            ["/things?limit=2&after=b"] = new(new[] { "c", "d" }, true, "d"),
        };

        var items = await T.ToListAsync(OaiPager.WalkAsync((path, _) => { asked.Add(path); return Task.FromResult(pages[path]); },
            "/things", new OaiQuery().Set("limit", 2), p => p.Data, p => p.HasMore, p => p.LastId, 3, default));

        Assert.Equal(new[] { "a", "b", "c" }, items);
        Assert.Equal(new[] { "/things?limit=2", "/things?limit=2&after=b" }, asked);
    }

    [Fact]
    public async Task The_pager_stops_on_a_page_that_claims_more_but_has_no_cursor()
    {
        var calls = 0;
        var items = await T.ToListAsync(OaiPager.WalkAsync((_, _) => { calls++; return Task.FromResult(new Page(new[] { "a" }, true, null)); },
            "/things", new OaiQuery(), p => p.Data, p => p.HasMore, p => p.LastId, null, default));

        Assert.Equal(new[] { "a" }, items);
        Assert.Equal(1, calls);
    }

    // ---- OaiTransfers ----

    [Fact]
    public async Task A_download_shorter_than_its_content_length_is_a_broken_answer()
    {
        var handler = new FakeHandler();
        handler.Fallback = (_, _) =>
        {
            var content = new ByteArrayContent(new byte[10]);
            content.Headers.ContentLength = 20;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        };
        var client = new OaiClient(T.Session(maxRetries: 1), new HttpMessageInvoker(handler)) { RetryDelay = (_, _) => TimeSpan.Zero };

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => client.DownloadAsync("/files/file-1/content", new MemoryStream(), null, default));

        Assert.Equal(OaiErrorKind.Connection, ex.Kind);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task An_upload_makes_its_body_afresh_for_each_attempt()
    {
        var handler = new FakeHandler();
        handler.EnqueueJson("""{"error":{"message":"busy","type":"server_error","param":null,"code":null}}""", HttpStatusCode.ServiceUnavailable)
               .EnqueueJson(Fixtures.Deleted("file-1", "file"));
        var client = new OaiClient(T.Session(maxRetries: 1), new HttpMessageInvoker(handler)) { RetryDelay = (_, _) => TimeSpan.Zero };
        var made = 0;

        var receipt = await client.SendContentAsync(HttpMethod.Post, "/upload", _ => { made++; return new StringContent("body " + made); },
            WireJson.Default.DeletedWire, default);

        Assert.Equal(2, made);
        Assert.Equal(new[] { "body 1", "body 2" }, handler.Requests.Select(r => r.Body));
        Assert.Equal(handler.Requests[0].Header("Idempotency-Key"), handler.Requests[1].Header("Idempotency-Key"));
    }

    // ---- OaiCallContext ----

    [Fact]
    public async Task The_calls_max_retries_wins_over_the_sessions_and_ends_with_the_call()
    {
        var handler = new FakeHandler
        {
            Fallback = (_, _) => Task.FromResult(Respond.Json("""{"error":{"message":"busy","type":"server_error","param":null,"code":null}}""",
                HttpStatusCode.ServiceUnavailable)),
        };
        var client = new OaiClient(T.Session(maxRetries: 3), new HttpMessageInvoker(handler)) { RetryDelay = (_, _) => TimeSpan.Zero };

        using (OaiCallContext.Enter(new OaiCallContext(null, 0)))
        {
            await Assert.ThrowsAsync<OaiApiException>(() => client.GetAsync("/threads/thread_abc", WireJson.Default.DeletedWire, default));
        }
        Assert.Single(handler.Requests);

        await Assert.ThrowsAsync<OaiApiException>(() => client.GetAsync("/threads/thread_abc", WireJson.Default.DeletedWire, default));
        Assert.Equal(1 + 4, handler.Requests.Count);
    }

    [Fact]
    public async Task A_streams_re_send_keeps_the_retry_count_of_the_call_that_opened_it()
    {
        var handler = new FakeHandler();
        handler.Enqueue(() => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("", Encoding.UTF8, "text/event-stream") });
        handler.Fallback = (_, _) => Task.FromResult(Respond.Json("""{"error":{"message":"busy","type":"server_error","param":null,"code":null}}""",
            HttpStatusCode.ServiceUnavailable));
        var client = new OaiClient(T.Session(maxRetries: 3), new HttpMessageInvoker(handler)) { RetryDelay = (_, _) => TimeSpan.Zero };

        OaiEventStream stream;
        using (OaiCallContext.Enter(new OaiCallContext(null, 0)))
        {
            stream = await client.OpenEventStreamAsync(HttpMethod.Post, "/threads/runs", Encoding.UTF8.GetBytes("{}"), default);
        }
        using (stream)
        {
            // Re-sent later, outside the call's scope (as a wait does between steps): still -MaxRetries 0.
            await Assert.ThrowsAsync<OaiApiException>(() => stream.ReopenAsync(default));
        }

        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(handler.Requests[0].Header("Idempotency-Key"), handler.Requests[1].Header("Idempotency-Key"));
    }
}

/// <summary>An endless (or long) body that counts what it served, so a test can see how much was read.</summary>
internal sealed class CountingStream : ReadOnlyTestStream
{
    private readonly long _length;
    private readonly byte _fill;

    public CountingStream(long length, byte fill = (byte)'a')
    {
        _length = length;
        _fill = fill;
    }

    public long Served { get; private set; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, _length - Served);
        buffer.AsSpan(offset, n).Fill(_fill);
        Served += n;
        return n;
    }
}
