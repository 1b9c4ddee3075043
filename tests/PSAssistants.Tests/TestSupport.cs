using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using PSAssistants.Client;
using PSAssistants.Protocols.AssistantsV2;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>What the fake transport saw of one request, copied while the request was still alive.</summary>
internal sealed class RecordedRequest
{
    public required string Method { get; init; }
    public required Uri Uri { get; init; }
    public string Path => Uri.AbsolutePath;

    /// <summary>Query pairs in order, names and values unescaped.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Query { get; init; }

    /// <summary>Request headers (not content headers), each joined with ", ".</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public string? ContentMediaType { get; init; }
    public string? ContentCharSet { get; init; }
    public string? Body { get; init; }

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public string? QueryValue(string name) => Query.Where(p => p.Key == name).Select(p => p.Value).SingleOrDefault();

    public JsonNode? BodyJson => Body is null ? null : JsonNode.Parse(Body);

    public static async Task<RecordedRequest> FromAsync(HttpRequestMessage request)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in request.Headers.NonValidated) headers[h.Key] = string.Join(", ", h.Value);
        var query = new List<KeyValuePair<string, string>>();
        var q = request.RequestUri!.Query.TrimStart('?');
        if (q.Length > 0)
        {
            foreach (var pair in q.Split('&'))
            {
                var eq = pair.IndexOf('=');
                var name = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? "" : pair[(eq + 1)..];
                query.Add(new(Uri.UnescapeDataString(name), Uri.UnescapeDataString(value)));
            }
        }
        string? body = null;
        if (request.Content is not null) body = await request.Content.ReadAsStringAsync();
        return new RecordedRequest
        {
            Method = request.Method.Method,
            Uri = request.RequestUri!,
            Query = query,
            Headers = headers,
            ContentMediaType = request.Content?.Headers.ContentType?.MediaType,
            ContentCharSet = request.Content?.Headers.ContentType?.CharSet,
            Body = body,
        };
    }
}

/// <summary>
/// An in-memory transport: answers each request with the next queued responder (or the fallback)
/// and records what it saw. A request nobody expected fails the test loudly.
/// </summary>
internal sealed class FakeHandler : HttpMessageHandler
{
    public delegate Task<HttpResponseMessage> Responder(RecordedRequest request, CancellationToken ct);

    private readonly object _gate = new();
    private readonly Queue<Responder> _queue = new();
    private readonly List<RecordedRequest> _requests = new();

    /// <summary>Used when the queue is empty; null means an unexpected request fails the test.</summary>
    public Responder? Fallback { get; set; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_gate) return _requests.ToArray(); }
    }

    public FakeHandler Enqueue(Responder responder)
    {
        lock (_gate) _queue.Enqueue(responder);
        return this;
    }

    public FakeHandler Enqueue(Func<HttpResponseMessage> response) => Enqueue((_, _) => Task.FromResult(response()));

    public FakeHandler EnqueueJson(string json, HttpStatusCode status = HttpStatusCode.OK, params (string Name, string Value)[] headers) =>
        Enqueue(() => Respond.Json(json, status, headers));

    public FakeHandler EnqueueThrow(Exception ex) => Enqueue((_, _) => Task.FromException<HttpResponseMessage>(ex));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A real transport sends nothing once the caller has given up.
        cancellationToken.ThrowIfCancellationRequested();
        var recorded = await RecordedRequest.FromAsync(request);
        Responder? responder;
        lock (_gate)
        {
            _requests.Add(recorded);
            responder = _queue.Count > 0 ? _queue.Dequeue() : Fallback;
        }
        if (responder is null)
            throw new InvalidOperationException($"The test did not expect request {_requests.Count}: {recorded.Method} {recorded.Uri}");
        var response = await responder(recorded, cancellationToken);
        response.RequestMessage ??= request;
        return response;
    }
}

internal static class Respond
{
    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }

    public static HttpResponseMessage Text(string text, HttpStatusCode status, string mediaType = "text/plain", params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, mediaType) };
        foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
        return response;
    }
}

internal static class T
{
    /// <summary>The API key of every test session; no fixture or expected message may contain it.</summary>
    public const string Key = "sk-test";

    public static readonly Uri Base = new("http://127.0.0.1:9/v1");

    /// <summary>Never written: the Assistants protocol keeps assistants on the server.</summary>
    public static readonly string UnusedStorePath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "psassistants-tests-unused", "assistants.json");

    /// <summary>The test key as a session takes it.</summary>
    public static System.Security.SecureString SecureKey => OaiSessions.ToSecureString(Key);

    /// <summary>
    /// The one place the tests call OaiSessions.Create: each test names the settings it gives; a session
    /// that names no assistant store gets one that is never written.
    /// </summary>
    public static OaiSession Create(OaiSessionSettings settings) =>
        OaiSessions.Create(settings with { AssistantStorePath = settings.AssistantStorePath ?? UnusedStorePath });

    public static OaiSession Session(string? organization = null, string? project = null, int timeoutSec = 30, int maxRetries = 2) =>
        Create(new() { ApiKey = SecureKey, BaseUri = Base, Protocol = OaiProtocol.Assistants, Organization = organization, Project = project, TimeoutSec = timeoutSec, MaxRetries = maxRetries });

    public static (AssistantsV2Adapter Adapter, FakeHandler Handler) Adapter(OaiSession? session = null)
    {
        var handler = new FakeHandler();
        var adapter = new AssistantsV2Adapter(session ?? Session(), new HttpMessageInvoker(handler));
        adapter.Client.RetryDelay = (_, _) => TimeSpan.Zero;
        return (adapter, handler);
    }

    /// <summary>Nothing the module shows about an error may carry the API key.</summary>
    public static void AssertNoKey(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain(Key, e.Message, StringComparison.Ordinal);
            if (e is OaiApiException api)
            {
                foreach (var text in new[] { api.ApiMessage, api.ErrorType, api.ErrorCode, api.Param, api.RequestId, api.Request })
                {
                    if (text is not null) Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
                }
            }
        }
        Assert.DoesNotContain(Key, ex.ToString(), StringComparison.Ordinal);
    }

    public static void AssertJsonEqual(string expected, string? actual)
    {
        Assert.NotNull(actual);
        var e = JsonNode.Parse(expected);
        var a = JsonNode.Parse(actual!);
        Assert.True(JsonNode.DeepEquals(e, a), $"JSON differs.\nExpected: {e?.ToJsonString()}\nActual:   {a?.ToJsonString()}");
    }

    public static async Task<List<TItem>> ToListAsync<TItem>(IAsyncEnumerable<TItem> source)
    {
        var list = new List<TItem>();
        await foreach (var item in source) list.Add(item);
        return list;
    }
}

/// <summary>Objects written by hand from the reference's schemas: every required field, nulls where nullable.</summary>
internal static class Fixtures
{
    public const string Assistant = """
        {
          "id": "asst_abc123",
          "object": "assistant",
          "created_at": 1698984975,
          "name": "Math Tutor",
          "description": null,
          "model": "gpt-4o",
          "instructions": "You are a personal math tutor.",
          "tools": [
            {"type": "code_interpreter"},
            {"type": "file_search", "file_search": {"max_num_results": 20}},
            {"type": "function", "function": {
              "name": "get_weather",
              "description": "Weather for a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
              "strict": true}}
          ],
          "tool_resources": {"code_interpreter": {"file_ids": []}},
          "metadata": {"CostCenter": "42"},
          "temperature": 0.7,
          "top_p": 1.0,
          "response_format": "auto",
          "future_field": {"nested": [1, 2, {"x": null}]}
        }
        """;

    public const string Thread = """
        {
          "id": "thread_abc",
          "object": "thread",
          "created_at": 1698107661,
          "tool_resources": null,
          "metadata": {"user": "alice"}
        }
        """;

    public static string Message(string id = "msg_abc", string text = "Hi! How can I help you today?") => $$$"""
        {
          "id": "{{{id}}}",
          "object": "thread.message",
          "created_at": 1698983503,
          "thread_id": "thread_abc",
          "status": "completed",
          "incomplete_details": null,
          "completed_at": 1698983504,
          "incomplete_at": null,
          "role": "assistant",
          "content": [{"type": "text", "text": {"value": "{{{text}}}", "annotations": []}}],
          "assistant_id": "asst_abc123",
          "run_id": "run_abc",
          "attachments": [],
          "metadata": {}
        }
        """;

    public static string Run(string id = "run_abc", string status = "completed") => $$"""
        {
          "id": "{{id}}",
          "object": "thread.run",
          "created_at": 1698107661,
          "thread_id": "thread_abc",
          "assistant_id": "asst_abc123",
          "status": "{{status}}",
          "required_action": null,
          "last_error": null,
          "expires_at": null,
          "started_at": 1699073476,
          "cancelled_at": null,
          "failed_at": null,
          "completed_at": 1699073498,
          "incomplete_details": null,
          "model": "gpt-4o",
          "instructions": "Be brief.",
          "tools": [{"type": "file_search"}, {"type": "code_interpreter"}],
          "metadata": {},
          "usage": {"prompt_tokens": 123, "completion_tokens": 456, "total_tokens": 579},
          "temperature": 1.0,
          "top_p": 1.0,
          "max_prompt_tokens": 1000,
          "max_completion_tokens": 1000,
          "truncation_strategy": {"type": "auto", "last_messages": null},
          "response_format": "auto",
          "tool_choice": "auto",
          "parallel_tool_calls": true
        }
        """;

    public static string Deleted(string id, string obj) => $$"""{"id": "{{id}}", "object": "{{obj}}", "deleted": true}""";

    /// <summary>A list page as every Assistants list answers: all five fields are required.</summary>
    public static string Page(IReadOnlyList<string> items, IReadOnlyList<string> ids, bool hasMore, bool omitLastId = false)
    {
        var first = ids.Count == 0 ? "null" : $"\"{ids[0]}\"";
        var last = omitLastId || ids.Count == 0 ? "null" : $"\"{ids[^1]}\"";
        var more = hasMore ? "true" : "false";
        return "{\"object\": \"list\", \"data\": [" + string.Join(",", items) + "], \"first_id\": " + first
            + ", \"last_id\": " + last + ", \"has_more\": " + more + "}";
    }

    public static string MessagePage(bool hasMore, params string[] ids) =>
        Page(ids.Select(id => Message(id, "text of " + id)).ToArray(), ids, hasMore);
}
