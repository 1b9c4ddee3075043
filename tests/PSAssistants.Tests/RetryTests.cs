using System.Net;
using System.Net.Http;
using PSAssistants.Client;
using PSAssistants.Protocols;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>Which failures are retried, how often, after which delay, and what is thrown in the end.</summary>
public class RetryTests
{
    private const string RateLimited = """
        {"error":{"message":"Rate limit reached for requests.","type":"requests","param":null,"code":"rate_limit_exceeded"}}
        """;

    private static string Error(string message) =>
        $$$"""{"error":{"message":"{{{message}}}","type":"server_error","param":null,"code":null}}""";

    [Fact]
    public async Task Rate_limit_then_success_succeeds_with_two_requests()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        handler.EnqueueJson(RateLimited, HttpStatusCode.TooManyRequests)
               .EnqueueJson(Fixtures.Thread);

        var thread = await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal("thread_abc", thread.Id);
        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("/v1/threads/thread_abc", r.Path));
    }

    [Fact]
    public async Task The_retry_delay_hears_the_servers_retry_after_ms()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        var calls = new List<(int Attempt, TimeSpan? Server)>();
        adapter.Client.RetryDelay = (n, s) => { calls.Add((n, s)); return TimeSpan.Zero; };
        handler.EnqueueJson(RateLimited, HttpStatusCode.TooManyRequests, ("retry-after-ms", "1500"))
               .EnqueueJson(RateLimited, HttpStatusCode.TooManyRequests, ("Retry-After", "2"))
               .EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal(new (int, TimeSpan?)[] { (1, TimeSpan.FromMilliseconds(1500)), (2, TimeSpan.FromSeconds(2)) }, calls);
    }

    [Fact]
    public async Task A_retry_without_a_server_delay_passes_null()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 1));
        var calls = new List<(int Attempt, TimeSpan? Server)>();
        adapter.Client.RetryDelay = (n, s) => { calls.Add((n, s)); return TimeSpan.Zero; };
        handler.EnqueueJson(Error("boom"), HttpStatusCode.InternalServerError)
               .EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal(new (int, TimeSpan?)[] { (1, null) }, calls);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(409)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Transient_statuses_are_retried(int status)
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        handler.EnqueueJson(Error("transient"), (HttpStatusCode)status)
               .EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal(2, handler.Requests.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(422)]
    public async Task Client_errors_are_not_retried(int status)
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        handler.EnqueueJson(Error("no"), (HttpStatusCode)status);

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(status, ex.StatusCode);
        Assert.Single(handler.Requests);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task A_connection_failure_is_retried()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        handler.EnqueueThrow(new HttpRequestException("Connection reset by peer"))
               .EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task A_per_request_timeout_is_retried_and_the_retry_can_succeed()
    {
        var (adapter, handler) = T.Adapter(T.Session(timeoutSec: 1, maxRetries: 1));
        handler.Enqueue(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("unreachable");
        }).EnqueueJson(Fixtures.Thread);

        var thread = await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal("thread_abc", thread.Id);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task MaxRetries_zero_means_one_attempt()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 0));
        handler.EnqueueJson(Error("boom"), HttpStatusCode.InternalServerError);

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(OaiErrorKind.Server, ex.Kind);
        Assert.Single(handler.Requests);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task After_MaxRetries_plus_one_failures_the_last_error_is_thrown()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        handler.EnqueueJson(Error("first"), HttpStatusCode.InternalServerError, ("x-request-id", "req_1"))
               .EnqueueJson(Error("second"), HttpStatusCode.BadGateway, ("x-request-id", "req_2"))
               .EnqueueJson(Error("third"), HttpStatusCode.ServiceUnavailable, ("x-request-id", "req_3"));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal("third", ex.ApiMessage);
        Assert.Equal("req_3", ex.RequestId);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task Exhausted_connection_retries_throw_a_connection_error()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 1));
        handler.Fallback = (_, _) => throw new HttpRequestException("No route to host");

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(OaiErrorKind.Connection, ex.Kind);
        Assert.Equal(2, handler.Requests.Count);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task A_retried_post_is_one_logical_create()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        handler.EnqueueJson(RateLimited, HttpStatusCode.TooManyRequests)
               .EnqueueJson(Fixtures.Message());

        var m = await adapter.AddMessageAsync("thread_abc", new MessageCreateOptions { Content = "Hello" }, default);

        Assert.Equal("msg_abc", m.Id);
        var r = handler.Requests;
        Assert.Equal(2, r.Count);
        Assert.Equal(r[0].Header("Idempotency-Key"), r[1].Header("Idempotency-Key"));
        T.AssertJsonEqual("""{"role":"user","content":"Hello"}""", r[1].Body);
    }

    [Fact]
    public async Task Cancelling_during_the_retry_wait_stops_without_another_request()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        using var cts = new CancellationTokenSource();
        adapter.Client.RetryDelay = (_, _) => { cts.Cancel(); return TimeSpan.FromMinutes(5); };
        handler.EnqueueJson(Error("boom"), HttpStatusCode.InternalServerError);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => adapter.GetThreadAsync("thread_abc", cts.Token));

        Assert.Single(handler.Requests);
    }

    // ---- OaiRetryPolicy.RetryAfter: what the server asked for ----

    private static HttpResponseMessage WithHeaders(params (string Name, string Value)[] headers)
    {
        var r = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        foreach (var (n, v) in headers) r.Headers.TryAddWithoutValidation(n, v);
        return r;
    }

    [Fact]
    public void RetryAfter_reads_retry_after_ms() =>
        Assert.Equal(TimeSpan.FromMilliseconds(1500), OaiRetryPolicy.RetryAfter(WithHeaders(("retry-after-ms", "1500"))));

    [Fact]
    public void RetryAfter_reads_fractional_retry_after_ms() =>
        Assert.Equal(TimeSpan.FromMilliseconds(250.5), OaiRetryPolicy.RetryAfter(WithHeaders(("retry-after-ms", "250.5"))));

    [Fact]
    public void RetryAfter_reads_retry_after_seconds() =>
        Assert.Equal(TimeSpan.FromSeconds(2), OaiRetryPolicy.RetryAfter(WithHeaders(("Retry-After", "2"))));

    [Fact]
    public void RetryAfter_prefers_retry_after_ms() =>
        Assert.Equal(TimeSpan.FromMilliseconds(1500), OaiRetryPolicy.RetryAfter(WithHeaders(("Retry-After", "2"), ("retry-after-ms", "1500"))));

    [Fact]
    public void RetryAfter_ignores_an_unreadable_retry_after_ms() =>
        Assert.Equal(TimeSpan.FromSeconds(3), OaiRetryPolicy.RetryAfter(WithHeaders(("retry-after-ms", "soon"), ("Retry-After", "3"))));

    [Fact]
    public void RetryAfter_ignores_a_negative_retry_after_ms() =>
        Assert.Null(OaiRetryPolicy.RetryAfter(WithHeaders(("retry-after-ms", "-5"))));

    [Fact]
    public void RetryAfter_reads_an_http_date_in_the_future_as_a_positive_wait()
    {
        var date = DateTimeOffset.UtcNow.AddHours(1).ToString("R", System.Globalization.CultureInfo.InvariantCulture);

        var wait = OaiRetryPolicy.RetryAfter(WithHeaders(("Retry-After", date)));

        Assert.NotNull(wait);
        Assert.InRange(wait!.Value, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public void RetryAfter_reads_an_http_date_in_the_past_as_zero() =>
        Assert.Equal(TimeSpan.Zero, OaiRetryPolicy.RetryAfter(WithHeaders(("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"))));

    [Fact]
    public void RetryAfter_is_null_without_headers() =>
        Assert.Null(OaiRetryPolicy.RetryAfter(WithHeaders()));

    // ---- OaiRetryPolicy.DefaultDelay: exponential backoff with jitter, bounded ----

    [Theory]
    [InlineData(1, 0.375, 0.5)]
    [InlineData(2, 0.75, 1.0)]
    [InlineData(3, 1.5, 2.0)]
    [InlineData(4, 3.0, 4.0)]
    [InlineData(5, 6.0, 8.0)]
    [InlineData(6, 6.0, 8.0)]
    [InlineData(30, 6.0, 8.0)]
    [InlineData(2000, 6.0, 8.0)]
    public void DefaultRetryDelay_grows_and_stays_within_bounds(int attempt, double minSeconds, double maxSeconds)
    {
        for (var i = 0; i < 200; i++)
        {
            var d = OaiRetryPolicy.DefaultDelay(attempt, null);
            Assert.InRange(d.TotalSeconds, minSeconds, maxSeconds);
        }
    }

    [Fact]
    public void DefaultRetryDelay_honours_a_server_delay_up_to_a_minute()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(1500), OaiRetryPolicy.DefaultDelay(1, TimeSpan.FromMilliseconds(1500)));
        Assert.Equal(TimeSpan.FromSeconds(60), OaiRetryPolicy.DefaultDelay(3, TimeSpan.FromSeconds(60)));
        Assert.Equal(TimeSpan.Zero, OaiRetryPolicy.DefaultDelay(1, TimeSpan.Zero));
    }

    [Fact]
    public void DefaultRetryDelay_does_not_sleep_for_an_hour_when_a_server_asks()
    {
        for (var i = 0; i < 50; i++)
        {
            Assert.InRange(OaiRetryPolicy.DefaultDelay(1, TimeSpan.FromHours(1)).TotalSeconds, 0.0, 60.0);
            Assert.InRange(OaiRetryPolicy.DefaultDelay(1, TimeSpan.FromSeconds(-3)).TotalSeconds, 0.0, 60.0);
        }
    }

    [Theory]
    [InlineData(OaiErrorKind.Connection, null, true)]
    [InlineData(OaiErrorKind.Timeout, null, true)]
    [InlineData(OaiErrorKind.Protocol, 200, false)]
    [InlineData(OaiErrorKind.InvalidRequest, null, false)]
    [InlineData(OaiErrorKind.NotSupported, null, false)]
    [InlineData(OaiErrorKind.Authentication, 401, false)]
    [InlineData(OaiErrorKind.RateLimit, 429, true)]
    [InlineData(OaiErrorKind.Server, 501, false)]
    public void IsRetryable_by_kind_and_status(OaiErrorKind kind, int? status, bool retryable) =>
        Assert.Equal(retryable, OaiRetryPolicy.IsRetryable(new OaiApiException(kind, "x") { StatusCode = status }));
}
