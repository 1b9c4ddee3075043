using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using PSAssistants.Json;

namespace PSAssistants.Client;

/// <summary>
/// The HTTP layer: builds each request from a session (base URI, auth, headers) and sends it through the
/// shared invoker with a per-request timeout. Its policies live next to it: <see cref="OaiRetryPolicy"/>
/// (what is tried again), <see cref="OaiErrorReader"/> (failed answers into exceptions, secrets redacted),
/// <see cref="OaiPager"/> (cursor lists) and <see cref="OaiTransfers"/> (uploads and downloads). It knows
/// nothing of either wire format beyond the common error envelope and list paging.
/// </summary>
internal sealed class OaiClient
{
    private static readonly string s_userAgent = BuildUserAgent();
    private static readonly MediaTypeHeaderValue s_json = new("application/json") { CharSet = "utf-8" };

    private readonly OaiSession _session;
    private readonly HttpMessageInvoker _http;
    private readonly KeyValuePair<string, string>[] _extraHeaders;
    private readonly string _base;
    private readonly OaiRetryPolicy _retry = new();
    private readonly OaiErrorReader _errors;
    private readonly OaiTransfers _transfers;

    public OaiClient(OaiSession session, HttpMessageInvoker http, params KeyValuePair<string, string>[] extraHeaders)
    {
        _session = session;
        _http = http;
        _extraHeaders = extraHeaders;
        _base = session.BaseUri.AbsoluteUri.TrimEnd('/');
        _errors = new OaiErrorReader(() => session.SecretText);
        _transfers = new OaiTransfers(this);
    }

    internal OaiSession Session => _session;

    /// <summary>The session's per-request timeout.</summary>
    internal TimeSpan Timeout => TimeSpan.FromSeconds(_session.TimeoutSec);

    /// <summary>Delay before retry number n (1-based), given any server-sent delay; replaceable so tests need not sleep.</summary>
    internal Func<int, TimeSpan?, TimeSpan> RetryDelay
    {
        get => _retry.Delay;
        set => _retry.Delay = value;
    }

    public Task<T> GetAsync<T>(string path, JsonTypeInfo<T> result, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, path, null, result, ct);

    /// <summary>Like GetAsync, and also returns the body as the server sent it (unknown fields included).</summary>
    public Task<(T Value, string Raw)> GetRawAsync<T>(string path, JsonTypeInfo<T> result, CancellationToken ct) =>
        SendCoreAsync(HttpMethod.Get, path, null, result, keepRaw: true, ct)!;

    public Task<(T Value, string Raw)> PostRawAsync<TBody, T>(string path, TBody body, JsonTypeInfo<TBody> bodyInfo, JsonTypeInfo<T> result, CancellationToken ct) =>
        SendCoreAsync(HttpMethod.Post, path, JsonSerializer.SerializeToUtf8Bytes(body, bodyInfo), result, keepRaw: true, ct)!;

    public Task<T> DeleteAsync<T>(string path, JsonTypeInfo<T> result, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, path, null, result, ct);

    /// <summary>Deletes and checks the receipt {id, object, deleted}: a server that answers deleted:false did not delete.</summary>
    public async Task DeleteConfirmedAsync(string path, CancellationToken ct)
    {
        var receipt = await DeleteAsync(path, WireJson.Default.DeletedWire, ct).ConfigureAwait(false);
        if (!receipt.Deleted)
        {
            throw new OaiApiException(OaiErrorKind.Conflict, $"The server answered DELETE {path} with deleted: false; nothing was deleted.")
            { Request = "DELETE " + path };
        }
    }

    /// <summary>A POST that the reference gives no request body (cancel): none is sent.</summary>
    public Task<T> PostWithoutBodyAsync<T>(string path, JsonTypeInfo<T> result, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, null, result, ct);

    public Task<(T Value, string Raw)> PostRawWithoutBodyAsync<T>(string path, JsonTypeInfo<T> result, CancellationToken ct) =>
        SendCoreAsync(HttpMethod.Post, path, null, result, keepRaw: true, ct)!;

    public Task<T> PostAsync<TBody, T>(string path, TBody body, JsonTypeInfo<TBody> bodyInfo, JsonTypeInfo<T> result, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, JsonSerializer.SerializeToUtf8Bytes(body, bodyInfo), result, ct);

    /// <summary>
    /// Sends one logical request, retrying transient failures. A POST carries one Idempotency-Key on every
    /// attempt, so a server that honours it never creates an object twice when an answer is lost.
    /// </summary>
    public async Task<T> SendAsync<T>(HttpMethod method, string path, byte[]? body, JsonTypeInfo<T> result, CancellationToken ct) =>
        (await SendCoreAsync(method, path, body, result, keepRaw: false, ct).ConfigureAwait(false)).Value;

    private Task<(T Value, string? Raw)> SendCoreAsync<T>(HttpMethod method, string path, byte[]? body, JsonTypeInfo<T> result,
        bool keepRaw, CancellationToken ct) =>
        WithRetriesAsync(method, path, async (key, what) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            var (response, requestId) = await OpenAsync(method, path, JsonBody(body), key, what, "application/json", timeout.Token, ct).ConfigureAwait(false);
            using (response)
            {
                return await ReadAnswerAsync(response, requestId, what, result, keepRaw, timeout.Token, ct).ConfigureAwait(false);
            }
        }, ct);

    /// <summary>
    /// Opens a server-sent event stream. Opening is retried like any request; the events are then read under
    /// the caller's token only (the per-request timeout covers the wait for the headers). A server that
    /// ignores "stream": true answers plain JSON, which the returned stream exposes instead of events.
    /// The stream can send the same request again with the same Idempotency-Key (so a stream that breaks
    /// before it names what it created is picked up again, not created twice), under the retry count of
    /// the call that opened it.
    /// </summary>
    public Task<OaiEventStream> OpenEventStreamAsync(HttpMethod method, string path, byte[]? body, CancellationToken ct) =>
        OpenEventStreamAsync(method, path, body, null, OaiCallContext.Current, ct);

    private Task<OaiEventStream> OpenEventStreamAsync(HttpMethod method, string path, byte[]? body, string? idempotencyKey,
        OaiCallContext? call, CancellationToken ct)
    {
        using var scope = OaiCallContext.Enter(call);
        return WithRetriesAsync(method, path, async (key, what) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Timeout);
            var (response, requestId) = await OpenAsync(method, path, JsonBody(body), key, what, "text/event-stream", timeout.Token, ct).ConfigureAwait(false);
            return new OaiEventStream(response, requestId, what, c => OpenEventStreamAsync(method, path, body, key, call, c),
                Timeout, _session.MaxResponseBytes, _errors.Redact);
        }, ct, idempotencyKey);
    }

    /// <summary>Sends a body that is not JSON (a multipart upload made afresh per attempt) and reads a JSON answer.</summary>
    internal Task<T> SendContentAsync<T>(HttpMethod method, string path, Func<Action, HttpContent> content, JsonTypeInfo<T> result, CancellationToken ct) =>
        _transfers.UploadAsync(method, path, content, result, ct);

    /// <summary>Downloads a body as it is (file content) into a seekable stream; see <see cref="OaiTransfers.DownloadAsync"/>.</summary>
    internal Task<long> DownloadAsync(string path, Stream destination, Action<long, long?>? progress, CancellationToken ct, long? knownSize = null) =>
        _transfers.DownloadAsync(path, destination, progress, ct, knownSize);

    /// <summary>Walks a cursor-paged list; see <see cref="OaiPager"/>.</summary>
    public IAsyncEnumerable<TItem> ListAsync<TPage, TItem>(string path, OaiQuery query, JsonTypeInfo<TPage> pageInfo,
        Func<TPage, IReadOnlyList<TItem>?> items, Func<TPage, bool> hasMore, Func<TPage, string?> lastId,
        int? first, CancellationToken ct) =>
        OaiPager.WalkAsync((pagePath, c) => GetAsync(pagePath, pageInfo, c), path, query, items, hasMore, lastId, first, ct);

    /// <summary>
    /// Runs one logical request through the retry policy. A POST carries one Idempotency-Key on every
    /// attempt, so a server that honours it never creates an object twice when an answer is lost.
    /// </summary>
    internal Task<TResult> WithRetriesAsync<TResult>(HttpMethod method, string path, Func<string?, string, Task<TResult>> once, CancellationToken ct,
        string? idempotencyKey = null)
    {
        var what = method.Method + " " + path;
        idempotencyKey ??= method == HttpMethod.Post ? "psa-" + Guid.NewGuid().ToString("N") : null;
        var maxRetries = OaiCallContext.Current?.MaxRetries ?? _session.MaxRetries;
        return _retry.RunAsync(what, maxRetries, () => once(idempotencyKey, what), ct);
    }

    private static Func<HttpContent?>? JsonBody(byte[]? body)
    {
        if (body is null) return null;
        return () =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = s_json;
            return content;
        };
    }

    /// <summary>
    /// Sends one attempt and returns the response once its headers say success; maps every failure.
    /// <paramref name="content"/> makes the body; it is called once per request sent. A redirect to the same
    /// origin is followed (see <see cref="OaiRedirects"/>); one to another origin is refused before anything goes there.
    /// </summary>
    internal async Task<(HttpResponseMessage Response, string? RequestId)> OpenAsync(HttpMethod method, string path, Func<HttpContent?>? content,
        string? idempotencyKey, string what, string accept, CancellationToken timeoutToken, CancellationToken ct)
    {
        var uri = new Uri(_base + path);
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, uri);
            ApplyHeaders(request, idempotencyKey, accept);
            request.Content = content?.Invoke();
            if (hop == 0 && request.Content is { } body && OaiLog.DebugEnabled)
            {
                OaiLog.Debug(body is ByteArrayContent && body.Headers.ContentType?.MediaType == "application/json"
                    ? "Request body: " + await body.ReadAsStringAsync(ct).ConfigureAwait(false)
                    : string.Create(CultureInfo.InvariantCulture, $"Request body: {body.Headers.ContentType?.MediaType} ({body.Headers.ContentLength} bytes)"));
            }

            var watch = Stopwatch.StartNew();
            if (OaiLog.VerboseEnabled) OaiLog.Verbose($"{method.Method} {request.RequestUri}");
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, timeoutToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new OaiApiException(OaiErrorKind.Timeout,
                    $"{what} did not answer within {_session.TimeoutSec} s (the session's per-request timeout).")
                { Request = what };
            }
            catch (HttpRequestException ex)
            {
                throw new OaiApiException(OaiErrorKind.Connection, $"{what} failed: {ex.Message}", ex) { Request = what };
            }

            if (OaiRedirects.Target(response, uri) is { } target)
            {
                var status = response.StatusCode;
                response.Dispose();
                if (!OaiRedirects.SameOrigin(uri, target)) throw OaiRedirects.Refused(what, (int)status, target, uri);
                if (hop >= OaiRedirects.MaxHops)
                {
                    throw new OaiApiException(OaiErrorKind.Protocol, $"{what} was redirected more than {OaiRedirects.MaxHops} times.")
                    { StatusCode = (int)status, Request = what };
                }
                (method, var keepBody) = OaiRedirects.NextHop(status, method);
                if (!keepBody) content = null;
                OaiLog.Verbose(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)status}: following to {OaiRedirects.Shown(target)} (same origin)"));
                uri = target;
                continue;
            }

            var requestId = _errors.Redact(HeaderValue(response, "x-request-id"));
            if (OaiLog.VerboseEnabled)
            {
                OaiLog.Verbose(string.Create(CultureInfo.InvariantCulture,
                    $"HTTP {(int)response.StatusCode} in {watch.ElapsedMilliseconds} ms{(requestId is null ? "" : ", request " + requestId)}"));
            }
            if (!response.IsSuccessStatusCode)
            {
                using (response)
                {
                    throw await _errors.ReadAsync(response, what, requestId, timeoutToken).ConfigureAwait(false);
                }
            }
            return (response, requestId);
        }
    }

    /// <summary>
    /// Reads a successful answer's JSON, turning a bad body, a slow body, a broken one or one larger than the
    /// session's cap into the right error. The body is parsed as it arrives; only keepRaw holds its bytes.
    /// </summary>
    internal async Task<(T Value, string? Raw)> ReadAnswerAsync<T>(HttpResponseMessage response, string? requestId, string what,
        JsonTypeInfo<T> result, bool keepRaw, CancellationToken timeoutToken, CancellationToken ct)
    {
        var cap = _session.MaxResponseBytes;
        try
        {
            if (response.Content.Headers.ContentLength > cap)
                throw new OaiBodyTooLargeException($"the server announced {response.Content.Headers.ContentLength} bytes, more than {OaiBoundedRead.Describe(cap)}");
            var stream = new OaiCappedStream(await response.Content.ReadAsStreamAsync(timeoutToken).ConfigureAwait(false), cap, perLine: false);
            await using (stream.ConfigureAwait(false))
            {
                if (keepRaw)
                {
                    using var copy = new MemoryStream();
                    await stream.CopyToAsync(copy, timeoutToken).ConfigureAwait(false);
                    var bytes = copy.GetBuffer().AsMemory(0, (int)copy.Length);
                    var parsed = JsonSerializer.Deserialize(bytes.Span, result) ?? throw new JsonException("The body was JSON null.");
                    return (parsed, Encoding.UTF8.GetString(bytes.Span));
                }
                var value = await JsonSerializer.DeserializeAsync(stream, result, timeoutToken).ConfigureAwait(false);
                return (value ?? throw new JsonException("The body was JSON null."), null);
            }
        }
        catch (Exception ex) when (ex is JsonException or OaiBodyTooLargeException)
        {
            throw OaiApiException.Protocol(what, requestId, (int)response.StatusCode, ex);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new OaiApiException(OaiErrorKind.Timeout,
                $"{what} did not finish sending its answer within {_session.TimeoutSec} s.{OaiApiException.RequestSuffix(requestId)}")
            { RequestId = requestId, Request = what };
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw OaiApiException.BrokenOff(what, requestId, ex);
        }
    }

    private void ApplyHeaders(HttpRequestMessage request, string? idempotencyKey, string accept)
    {
        var headers = request.Headers;
        if (_session.AuthHeader is { } auth) headers.TryAddWithoutValidation(auth.Key, auth.Value);
        headers.TryAddWithoutValidation("User-Agent", s_userAgent);
        headers.TryAddWithoutValidation("Accept", accept);
        if (!string.IsNullOrEmpty(_session.Organization)) headers.TryAddWithoutValidation("OpenAI-Organization", _session.Organization);
        if (!string.IsNullOrEmpty(_session.Project)) headers.TryAddWithoutValidation("OpenAI-Project", _session.Project);
        if (idempotencyKey is not null) headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        foreach (var h in _extraHeaders) headers.TryAddWithoutValidation(h.Key, h.Value);
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string BuildUserAgent()
    {
        var version = typeof(OaiClient).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        return $"PSAssistants/{version} (.NET {Environment.Version}; {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Replace('(', '[').Replace(')', ']')})";
    }
}

/// <summary>A small ordered query string builder; values are escaped, names are ours.</summary>
internal sealed class OaiQuery
{
    private readonly List<KeyValuePair<string, string>> _pairs = new();

    public OaiQuery Clone()
    {
        var copy = new OaiQuery();
        copy._pairs.AddRange(_pairs);
        return copy;
    }

    public OaiQuery Set(string name, string? value)
    {
        _pairs.RemoveAll(p => p.Key == name);
        if (value is not null) _pairs.Add(new(name, value));
        return this;
    }

    public OaiQuery Set(string name, int? value) => Set(name, value?.ToString(CultureInfo.InvariantCulture));

    public override string ToString()
    {
        if (_pairs.Count == 0) return "";
        var sb = new StringBuilder("?");
        foreach (var (k, v) in _pairs)
        {
            if (sb.Length > 1) sb.Append('&');
            sb.Append(k).Append('=').Append(Uri.EscapeDataString(v));
        }
        return sb.ToString();
    }
}
