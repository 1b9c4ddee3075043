using System.Net;
using System.Net.Http;
using System.Text.Json;
using PSAssistants.Client;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// How every failure becomes an OaiApiException a runbook can branch on: kind, status, the API's error
/// fields, the request id and the request, and never the API key.
/// </summary>
public class ErrorMappingTests
{
    private const string NotFoundEnvelope = """
        {"error": {"message": "No thread found with id 'thread_abc'.", "type": "invalid_request_error", "param": "thread_id", "code": "not_found"}}
        """;

    private static async Task<OaiApiException> GetThreadFails(FakeHandler.Responder responder, OaiSession? session = null)
    {
        var (adapter, handler) = T.Adapter(session ?? T.Session(maxRetries: 0));
        handler.Enqueue(responder);
        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));
        T.AssertNoKey(ex);
        return ex;
    }

    private static Task<OaiApiException> GetThreadFails(Func<HttpResponseMessage> response, OaiSession? session = null) =>
        GetThreadFails((_, _) => Task.FromResult(response()), session);

    [Fact]
    public async Task Not_found_envelope_fills_every_field()
    {
        var ex = await GetThreadFails(() => Respond.Json(NotFoundEnvelope, HttpStatusCode.NotFound, ("x-request-id", "req_4f2a")));

        Assert.Equal(OaiErrorKind.NotFound, ex.Kind);
        Assert.Equal(404, ex.StatusCode);
        Assert.Equal("invalid_request_error", ex.ErrorType);
        Assert.Equal("not_found", ex.ErrorCode);
        Assert.Equal("thread_id", ex.Param);
        Assert.Equal("No thread found with id 'thread_abc'.", ex.ApiMessage);
        Assert.Equal("req_4f2a", ex.RequestId);
        Assert.Equal("GET /threads/thread_abc", ex.Request);
        Assert.Contains("404", ex.Message);
        Assert.Contains("No thread found with id 'thread_abc'.", ex.Message);
        Assert.Contains("req_4f2a", ex.Message);
        Assert.Contains("GET /threads/thread_abc", ex.Message);
    }

    [Fact]
    public async Task Bare_error_object_without_the_wrapper_is_read_too()
    {
        var ex = await GetThreadFails(() => Respond.Json(
            """{"message": "Run not found.", "type": "invalid_request_error", "param": null, "code": "not_found"}""",
            HttpStatusCode.NotFound));

        Assert.Equal(OaiErrorKind.NotFound, ex.Kind);
        Assert.Equal("Run not found.", ex.ApiMessage);
        Assert.Equal("invalid_request_error", ex.ErrorType);
        Assert.Equal("not_found", ex.ErrorCode);
        Assert.Null(ex.Param);
        Assert.Null(ex.RequestId);
        Assert.Contains("Run not found.", ex.Message);
        Assert.DoesNotContain("{", ex.Message);
    }

    [Fact]
    public async Task Html_502_gives_a_short_message_without_the_html()
    {
        var html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
            + "<hr><center>nginx/1.25.3</center>\r\n" + string.Concat(Enumerable.Repeat("<!-- padding to defeat error page hiding -->\r\n", 10))
            + "</body>\r\n</html>\r\n";

        var ex = await GetThreadFails(() => Respond.Text(html, HttpStatusCode.BadGateway, "text/html", ("x-request-id", "req_gw")));

        Assert.Equal(OaiErrorKind.Server, ex.Kind);
        Assert.Equal(502, ex.StatusCode);
        Assert.Contains("502", ex.Message);
        Assert.Contains("req_gw", ex.Message);
        Assert.Contains("GET /threads/thread_abc", ex.Message);
        Assert.DoesNotContain("<", ex.Message);
        Assert.DoesNotContain("nginx", ex.Message);
        Assert.True(ex.Message.Length < 200, $"The message is {ex.Message.Length} characters: {ex.Message}");
    }

    [Fact]
    public async Task Short_html_body_is_not_shown_either()
    {
        var ex = await GetThreadFails(() => Respond.Text("<h1>Bad Gateway</h1>", HttpStatusCode.BadGateway, "text/html"));

        Assert.DoesNotContain("<", ex.Message);
        Assert.DoesNotContain("<", ex.ApiMessage);
    }

    [Fact]
    public async Task Short_plain_text_body_becomes_the_message()
    {
        var ex = await GetThreadFails(() => Respond.Text("upstream connect error", HttpStatusCode.ServiceUnavailable));

        Assert.Equal(OaiErrorKind.Server, ex.Kind);
        Assert.Equal("upstream connect error", ex.ApiMessage);
        Assert.Null(ex.ErrorType);
    }

    [Fact]
    public async Task Empty_error_body_uses_the_reason_phrase()
    {
        var ex = await GetThreadFails(() => new HttpResponseMessage(HttpStatusCode.Forbidden) { Content = new ByteArrayContent(Array.Empty<byte>()) });

        Assert.Equal(OaiErrorKind.PermissionDenied, ex.Kind);
        Assert.False(string.IsNullOrWhiteSpace(ex.ApiMessage));
        Assert.Contains("403", ex.Message);
    }

    [Theory]
    [InlineData(400, OaiErrorKind.InvalidRequest)]
    [InlineData(401, OaiErrorKind.Authentication)]
    [InlineData(403, OaiErrorKind.PermissionDenied)]
    [InlineData(404, OaiErrorKind.NotFound)]
    [InlineData(408, OaiErrorKind.Timeout)]
    [InlineData(409, OaiErrorKind.Conflict)]
    [InlineData(422, OaiErrorKind.InvalidRequest)]
    [InlineData(429, OaiErrorKind.RateLimit)]
    [InlineData(500, OaiErrorKind.Server)]
    [InlineData(503, OaiErrorKind.Server)]
    public async Task Status_codes_map_to_their_kinds(int status, OaiErrorKind kind)
    {
        var ex = await GetThreadFails(() => Respond.Json(
            """{"error":{"message":"Something went wrong.","type":"some_type","param":null,"code":"some_code"}}""", (HttpStatusCode)status));

        Assert.Equal(kind, ex.Kind);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal("some_code", ex.ErrorCode);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
    }

    [Fact]
    public async Task Invalid_api_key_401_is_authentication()
    {
        var ex = await GetThreadFails(() => Respond.Json(
            """{"error":{"message":"Incorrect API key provided: sk-proj-********************abcd.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""",
            HttpStatusCode.Unauthorized));

        Assert.Equal(OaiErrorKind.Authentication, ex.Kind);
        Assert.Equal("invalid_api_key", ex.ErrorCode);
    }

    [Fact]
    public async Task A_server_that_echoes_the_key_in_its_error_does_not_leak_it_into_the_exception()
    {
        // LiteLLM-style proxies and some self-hosted servers quote the bearer token they refused.
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 0));
        handler.Enqueue((r, _) => Task.FromResult(Respond.Json(
            "{\"error\":{\"message\":\"Invalid API key: " + r.Header("Authorization")!["Bearer ".Length..]
                + "\",\"type\":\"auth_error\",\"param\":null,\"code\":\"401\"}}",
            HttpStatusCode.Unauthorized)));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        Assert.Equal(OaiErrorKind.Authentication, ex.Kind);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task A_short_non_json_body_that_echoes_the_key_does_not_leak_it_either()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 0));
        handler.Enqueue((r, _) => Task.FromResult(Respond.Text("bad token " + r.Header("Authorization"), HttpStatusCode.Unauthorized)));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.GetThreadAsync("thread_abc", default));

        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task An_error_whose_code_is_a_number_still_yields_the_api_message()
    {
        // vLLM, LocalAI and other compatible servers send "code": 400 (a number) inside the usual envelope.
        var ex = await GetThreadFails(() => Respond.Json(
            """{"error":{"message":"Thread thread_abc does not exist.","type":"NotFoundError","param":null,"code":404}}""",
            HttpStatusCode.NotFound));

        Assert.Equal(OaiErrorKind.NotFound, ex.Kind);
        Assert.Equal("Thread thread_abc does not exist.", ex.ApiMessage);
        Assert.Equal("NotFoundError", ex.ErrorType);
    }

    [Fact]
    public async Task Malformed_json_in_a_200_is_a_protocol_error_naming_the_request()
    {
        var ex = await GetThreadFails(() => Respond.Json("""{"id": "thread_abc", "object": "thread", "created_at": """,
            HttpStatusCode.OK, ("x-request-id", "req_trunc")));

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        Assert.Equal(200, ex.StatusCode);
        Assert.Equal("req_trunc", ex.RequestId);
        Assert.Equal("GET /threads/thread_abc", ex.Request);
        Assert.Contains("GET /threads/thread_abc", ex.Message);
        Assert.Contains("req_trunc", ex.Message);
        Assert.IsAssignableFrom<JsonException>(ex.InnerException);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("\"thread_abc\"")]
    [InlineData("""{"id": "thread_abc", "created_at": "yesterday"}""")]
    [InlineData("""{"id": 42, "created_at": 1}""")]
    [InlineData("""{"id": "thread_abc", "created_at": 1, "metadata": ["not", "a", "map"]}""")]
    [InlineData("<html>OK</html>")]
    public async Task A_200_that_is_not_the_expected_object_is_a_protocol_error_never_a_null_reference(string body)
    {
        var ex = await GetThreadFails(() => Respond.Json(body, HttpStatusCode.OK, ("x-request-id", "req_bad")));

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        Assert.Contains("GET /threads/thread_abc", ex.Message);
        Assert.Contains("req_bad", ex.Message);
    }

    [Fact]
    public async Task Malformed_run_in_a_post_answer_is_a_protocol_error_and_not_retried()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        handler.EnqueueJson("""{"id":"run_1","status":""");

        var ex = await Assert.ThrowsAsync<OaiApiException>(() =>
            adapter.CreateRunAsync("thread_abc", new PSAssistants.Protocols.RunCreateOptions { AssistantId = "asst_1" }, default));

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        Assert.Equal("POST /threads/thread_abc/runs", ex.Request);
        Assert.Single(handler.Requests);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task Malformed_list_page_is_a_protocol_error()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 0));
        handler.EnqueueJson("""{"object":"list","data":{"oops":1},"has_more":false}""");

        var ex = await Assert.ThrowsAsync<OaiApiException>(() =>
            T.ToListAsync(adapter.ListMessagesAsync("thread_abc", null, new PSAssistants.Protocols.ListOptions(), default)));

        Assert.Equal(OaiErrorKind.Protocol, ex.Kind);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task Connection_failure_is_a_connection_error_without_a_status()
    {
        var ex = await GetThreadFails((_, _) => throw new HttpRequestException("Connection refused (127.0.0.1:9)"));

        Assert.Equal(OaiErrorKind.Connection, ex.Kind);
        Assert.Null(ex.StatusCode);
        Assert.Contains("GET /threads/thread_abc", ex.Message);
        Assert.Contains("Connection refused", ex.Message);
        Assert.IsType<HttpRequestException>(ex.InnerException);
    }

    [Fact]
    public async Task Per_request_timeout_is_a_timeout_error()
    {
        var ex = await GetThreadFails(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("unreachable");
        }, T.Session(timeoutSec: 1, maxRetries: 0));

        Assert.Equal(OaiErrorKind.Timeout, ex.Kind);
        Assert.Null(ex.StatusCode);
        Assert.Contains("GET /threads/thread_abc", ex.Message);
    }

    [Fact]
    public async Task A_body_that_stalls_past_the_timeout_is_a_timeout_error()
    {
        var ex = await GetThreadFails((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new StallingStream()),
        }), T.Session(timeoutSec: 1, maxRetries: 0));

        Assert.Equal(OaiErrorKind.Timeout, ex.Kind);
        Assert.Contains("GET /threads/thread_abc", ex.Message);
    }

    [Fact]
    public async Task A_body_that_breaks_off_is_a_connection_error()
    {
        var ex = await GetThreadFails((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new BreakingStream()),
        }));

        Assert.Equal(OaiErrorKind.Connection, ex.Kind);
        Assert.Contains("GET /threads/thread_abc", ex.Message);
    }

    [Fact]
    public async Task Connection_and_timeout_errors_name_the_request_in_Request_like_every_other_error()
    {
        // Request is documented as "the method and path of the request that failed"; a runbook logs it for every kind.
        var connection = await GetThreadFails((_, _) => throw new HttpRequestException("Connection refused"));
        var timeout = await GetThreadFails(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("unreachable");
        }, T.Session(timeoutSec: 1, maxRetries: 0));

        Assert.Equal("GET /threads/thread_abc", connection.Request);
        Assert.Equal("GET /threads/thread_abc", timeout.Request);
    }

    [Fact]
    public async Task A_deletion_the_server_did_not_make_is_not_reported_as_done()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 0));
        handler.EnqueueJson("""{"id": "asst_abc123", "object": "assistant.deleted", "deleted": false}""");

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => adapter.DeleteAssistantAsync("asst_abc123", default));

        Assert.Equal("DELETE /assistants/asst_abc123", ex.Request);
        T.AssertNoKey(ex);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_reported_as_a_timeout()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 2));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        handler.Fallback = async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            throw new InvalidOperationException("unreachable");
        };
        using var cts = new CancellationTokenSource();

        var call = adapter.GetThreadAsync("thread_abc", cts.Token);
        await started.Task;
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Errors_of_posts_name_the_post()
    {
        var (adapter, handler) = T.Adapter(T.Session(maxRetries: 0));
        handler.EnqueueJson("""{"error":{"message":"Missing required parameter: 'model'.","type":"invalid_request_error","param":"model","code":null}}""",
            HttpStatusCode.BadRequest, ("x-request-id", "req_post"));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() =>
            adapter.CreateAssistantAsync(new PSAssistants.Protocols.AssistantCreateOptions { Model = "x" }, default));

        Assert.Equal(OaiErrorKind.InvalidRequest, ex.Kind);
        Assert.Equal("model", ex.Param);
        Assert.Null(ex.ErrorCode);
        Assert.Equal("POST /assistants", ex.Request);
        Assert.Contains("invalid_request_error", ex.Message);
        T.AssertNoKey(ex);
    }

    private sealed class StallingStream : ReadOnlyTestStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    }

    private sealed class BreakingStream : ReadOnlyTestStream
    {
        private bool _sent;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_sent) throw new IOException("The response ended prematurely.");
            _sent = true;
            var head = "{\"id\": \"thread_abc\", "u8;
            head.CopyTo(buffer.AsSpan(offset));
            return head.Length;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_sent) throw new IOException("The response ended prematurely.");
            _sent = true;
            var head = "{\"id\": \"thread_abc\", "u8;
            head.CopyTo(buffer.Span);
            return ValueTask.FromResult(head.Length);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    }
}
