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
/// The HTTP layer: builds each request from a session (base URI, auth, headers), sends it through the
/// shared invoker with a per-request timeout and retries, and turns failures into <see cref="OaiApiException"/>.
/// It knows nothing of either wire format beyond the common error envelope and list paging.
/// </summary>
internal sealed class OaiClient
{
    private static readonly string s_userAgent = BuildUserAgent();
    private static readonly MediaTypeHeaderValue s_json = new("application/json") { CharSet = "utf-8" };

    private readonly OaiSession _session;
    private readonly HttpMessageInvoker _http;
    private readonly KeyValuePair<string, string>[] _extraHeaders;
    private readonly string _base;

    public OaiClient(OaiSession session, HttpMessageInvoker http, params KeyValuePair<string, string>[] extraHeaders)
    {
        _session = session;
        _http = http;
        _extraHeaders = extraHeaders;
        _base = session.BaseUri.AbsoluteUri.TrimEnd('/');
    }

    /// <summary>Delay before retry number n (1-based), given any server-sent delay; replaceable so tests need not sleep.</summary>
    internal Func<int, TimeSpan?, TimeSpan> RetryDelay { get; set; } = DefaultRetryDelay;

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
        WithRetriesAsync(method, path, (key, what) => SendOnceAsync(method, path, body, key, result, what, keepRaw, ct), ct);

    /// <summary>
    /// Opens a server-sent event stream. Opening is retried like any request; the events are then read under
    /// the caller's token only (the per-request timeout covers the wait for the headers). A server that
    /// ignores "stream": true answers plain JSON, which the returned stream exposes instead of events.
    /// </summary>
    public Task<OaiEventStream> OpenEventStreamAsync(HttpMethod method, string path, byte[]? body, CancellationToken ct) =>
        OpenEventStreamAsync(method, path, body, null, ct);

    /// <summary>
    /// Opens the stream; the returned stream can send the same request again with the same Idempotency-Key,
    /// so a stream that breaks before it names what it created is picked up again, not created twice.
    /// </summary>
    private Task<OaiEventStream> OpenEventStreamAsync(HttpMethod method, string path, byte[]? body, string? idempotencyKey, CancellationToken ct) =>
        WithRetriesAsync(method, path, async (key, what) =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(_session.TimeoutSec));
            var (response, requestId) = await OpenOnceAsync(method, path, body, key, what, "text/event-stream", timeout.Token, ct).ConfigureAwait(false);
            return new OaiEventStream(response, requestId, what, c => OpenEventStreamAsync(method, path, body, key, c),
                TimeSpan.FromSeconds(_session.TimeoutSec));
        }, ct, idempotencyKey);

    /// <summary>
    /// Sends a body that is not JSON (a multipart upload) and reads a JSON answer. <paramref name="content"/>
    /// makes the body afresh for each attempt and gets a callback to call as bytes go out: for a transfer the
    /// session's per-request timeout bounds the time without progress, not the whole upload.
    /// </summary>
    internal Task<T> SendContentAsync<T>(HttpMethod method, string path, Func<Action, HttpContent> content, JsonTypeInfo<T> result, CancellationToken ct) =>
        WithRetriesAsync(method, path, async (key, what) =>
        {
            var limit = TimeSpan.FromSeconds(_session.TimeoutSec);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
            // A late read after the answer (a server that answers before reading everything) must not throw.
            var body = content(() =>
            {
                try { timeout.CancelAfter(limit); }
                catch (ObjectDisposedException) { }
            });
            var (response, requestId) = await OpenOnceAsync(method, path, null, key, what, "application/json", timeout.Token, ct, body).ConfigureAwait(false);
            using (response)
            {
                return (await ReadAnswerAsync(response, requestId, what, result, keepRaw: false, timeout.Token, ct).ConfigureAwait(false)).Value;
            }
        }, ct);

    /// <summary>
    /// Downloads a body as it is (file content) into <paramref name="destination"/>, which must be seekable: an
    /// attempt that breaks off is retried from the start, over what the failed attempt wrote. The session's
    /// per-request timeout bounds the wait for the headers and then each wait for more bytes, so a large file
    /// is not cut off while it still arrives. <paramref name="progress"/> gets the bytes so far and the
    /// Content-Length when the server sent one. Returns the number of bytes written.
    /// </summary>
    internal Task<long> DownloadAsync(string path, Stream destination, Action<long, long?>? progress, CancellationToken ct) =>
        WithRetriesAsync(HttpMethod.Get, path, async (key, what) =>
        {
            var limit = TimeSpan.FromSeconds(_session.TimeoutSec);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
            var (response, requestId) = await OpenOnceAsync(HttpMethod.Get, path, null, key, what, "*/*", timeout.Token, ct).ConfigureAwait(false);
            using (response)
            {
                destination.Position = 0;
                destination.SetLength(0);
                var expected = response.Content.Headers.ContentLength;
                var buffer = new byte[81920];
                long total = 0;
                progress?.Invoke(0, expected);
                Stream source;
                try { source = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false); }
                catch (Exception ex) when (ex is HttpRequestException or IOException) { throw BrokenOff(what, requestId, ex); }
                await using (source.ConfigureAwait(false))
                {
                    while (true)
                    {
                        int read;
                        try
                        {
                            read = await source.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                        {
                            throw new OaiApiException(OaiErrorKind.Timeout,
                                $"{what} sent nothing for {_session.TimeoutSec} s after {total} bytes.{RequestSuffix(requestId)}")
                            { RequestId = requestId, Request = what };
                        }
                        catch (Exception ex) when (ex is HttpRequestException or IOException)
                        {
                            throw BrokenOff(what, requestId, ex);
                        }
                        if (read == 0) break;
                        timeout.CancelAfter(limit);
                        await destination.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                        total += read;
                        progress?.Invoke(total, expected);
                    }
                }
                if (expected is { } length && length != total)
                {
                    throw BrokenOff(what, requestId, new IOException(
                        string.Create(CultureInfo.InvariantCulture, $"the server announced {length} bytes and sent {total}")));
                }
                await destination.FlushAsync(ct).ConfigureAwait(false);
                return total;
            }
        }, ct);

    /// <summary>
    /// Runs one logical request, retrying transient failures. A POST carries one Idempotency-Key on every
    /// attempt, so a server that honours it never creates an object twice when an answer is lost.
    /// </summary>
    private async Task<TResult> WithRetriesAsync<TResult>(HttpMethod method, string path, Func<string?, string, Task<TResult>> once, CancellationToken ct,
        string? idempotencyKey = null)
    {
        var what = method.Method + " " + path;
        idempotencyKey ??= method == HttpMethod.Post ? "psa-" + Guid.NewGuid().ToString("N") : null;
        var maxRetries = OaiLog.MaxRetries ?? _session.MaxRetries;
        for (var attempt = 0; ; attempt++)
        {
            TimeSpan? serverDelay = null;
            OaiApiException failure;
            try
            {
                return await once(idempotencyKey, what).ConfigureAwait(false);
            }
            catch (OaiApiException ex) when (IsRetryable(ex) && attempt < maxRetries)
            {
                failure = ex;
                serverDelay = ex.Data["RetryAfter"] as TimeSpan?;
            }
            var delay = RetryDelay(attempt + 1, serverDelay);
            OaiLog.Verbose(string.Create(CultureInfo.InvariantCulture,
                $"Retrying {what} (attempt {attempt + 2} of {maxRetries + 1}) in {delay.TotalMilliseconds:0} ms: {failure.Message}"));
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one attempt and returns the response once its headers say success; maps every failure.</summary>
    private async Task<(HttpResponseMessage Response, string? RequestId)> OpenOnceAsync(HttpMethod method, string path, byte[]? body,
        string? idempotencyKey, string what, string accept, CancellationToken timeoutToken, CancellationToken ct, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, _base + path);
        ApplyHeaders(request, idempotencyKey, accept);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = s_json;
            if (OaiLog.DebugEnabled) OaiLog.Debug("Request body: " + Encoding.UTF8.GetString(body));
        }
        else if (content is not null)
        {
            request.Content = content;
            OaiLog.Debug(string.Create(CultureInfo.InvariantCulture, $"Request body: {content.Headers.ContentType?.MediaType} ({content.Headers.ContentLength} bytes)"));
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

        var requestId = HeaderValue(response, "x-request-id");
        if (OaiLog.VerboseEnabled)
        {
            OaiLog.Verbose(string.Create(CultureInfo.InvariantCulture,
                $"HTTP {(int)response.StatusCode} in {watch.ElapsedMilliseconds} ms{(requestId is null ? "" : ", request " + requestId)}"));
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ErrorFromResponseAsync(response, what, requestId, timeoutToken).ConfigureAwait(false);
            }
        }
        return (response, requestId);
    }

    private async Task<(T Value, string? Raw)> SendOnceAsync<T>(HttpMethod method, string path, byte[]? body, string? idempotencyKey,
        JsonTypeInfo<T> result, string what, bool keepRaw, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(_session.TimeoutSec));
        var (response, requestId) = await OpenOnceAsync(method, path, body, idempotencyKey, what, "application/json", timeout.Token, ct).ConfigureAwait(false);
        using (response)
        {
            return await ReadAnswerAsync(response, requestId, what, result, keepRaw, timeout.Token, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a successful answer's JSON, turning a bad body, a slow body or a broken one into the right error.</summary>
    private async Task<(T Value, string? Raw)> ReadAnswerAsync<T>(HttpResponseMessage response, string? requestId, string what,
        JsonTypeInfo<T> result, bool keepRaw, CancellationToken timeoutToken, CancellationToken ct)
    {
        try
        {
            if (keepRaw)
            {
                var bytes = await response.Content.ReadAsByteArrayAsync(timeoutToken).ConfigureAwait(false);
                var parsed = JsonSerializer.Deserialize(bytes, result) ?? throw new JsonException("The body was JSON null.");
                return (parsed, Encoding.UTF8.GetString(bytes));
            }
            var stream = await response.Content.ReadAsStreamAsync(timeoutToken).ConfigureAwait(false);
            var value = await JsonSerializer.DeserializeAsync(stream, result, timeoutToken).ConfigureAwait(false);
            return (value ?? throw new JsonException("The body was JSON null."), null);
        }
        catch (JsonException ex)
        {
            throw ProtocolError(what, requestId, (int)response.StatusCode, ex);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new OaiApiException(OaiErrorKind.Timeout,
                $"{what} did not finish sending its answer within {_session.TimeoutSec} s.{RequestSuffix(requestId)}")
            { RequestId = requestId, Request = what };
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw BrokenOff(what, requestId, ex);
        }
    }

    internal static OaiApiException ProtocolError(string what, string? requestId, int status, Exception ex) =>
        new(OaiErrorKind.Protocol, $"The answer to {what} is not the JSON this module expects: {ex.Message}{RequestSuffix(requestId)}", ex)
        { StatusCode = status, RequestId = requestId, Request = what };

    internal static OaiApiException BrokenOff(string what, string? requestId, Exception ex) =>
        new(OaiErrorKind.Connection, $"The answer to {what} broke off: {ex.Message}{RequestSuffix(requestId)}", ex)
        { RequestId = requestId, Request = what };

    /// <summary>
    /// Walks a cursor-paged list (after / has_more), yielding each item as its page arrives so the
    /// pipeline sees the first object after the first page and memory stays flat in the list's length.
    /// </summary>
    public async IAsyncEnumerable<TItem> ListAsync<TPage, TItem>(string path, OaiQuery query, JsonTypeInfo<TPage> pageInfo,
        Func<TPage, IReadOnlyList<TItem>?> items, Func<TPage, bool> hasMore, Func<TPage, string?> lastId,
        int? first, [EnumeratorCancellation] CancellationToken ct)
    {
        var remaining = first ?? int.MaxValue;
        if (remaining <= 0) yield break;
        query = query.Clone(); // each enumeration walks from the first page
        while (true)
        {
            var page = await GetAsync(path + query.ToString(), pageInfo, ct).ConfigureAwait(false);
            var list = items(page) ?? Array.Empty<TItem>();
            foreach (var item in list)
            {
                yield return item;
                if (--remaining == 0) yield break;
            }
            var next = lastId(page);
            if (!hasMore(page) || list.Count == 0 || string.IsNullOrEmpty(next)) yield break;
            query.Set("after", next);
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

    private async Task<OaiApiException> ErrorFromResponseAsync(HttpResponseMessage response, string what, string? requestId, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        string text;
        try { text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false); }
        catch (Exception readError) when (readError is HttpRequestException or IOException or OperationCanceledException) { text = ""; }
        // Some proxies quote the credential they refused; it must not reach an error message.
        var key = _session.SecretText;
        if (!string.IsNullOrEmpty(key) && text.Contains(key, StringComparison.Ordinal)) text = text.Replace(key, "***", StringComparison.Ordinal);

        ApiError? error = null;
        if (text.Length > 0)
        {
            try
            {
                // The API wraps errors as {"error": {...}}; a few spec'd 404s are the bare object.
                var envelope = JsonSerializer.Deserialize(text, WireJson.Default.ApiErrorEnvelope);
                error = envelope?.Error ?? JsonSerializer.Deserialize(text, WireJson.Default.ApiError);
            }
            catch (JsonException) { }
        }

        var apiMessage = error?.Message;
        if (string.IsNullOrWhiteSpace(apiMessage))
        {
            apiMessage = text.Length is > 0 and <= 300 && !text.TrimStart().StartsWith('<') ? text.Trim() : response.ReasonPhrase ?? "no message";
        }
        var label = error?.Type ?? error?.Code;
        if (error?.Type is not null && error.Code is not null) label = $"{error.Type}: {error.Code}";
        var message = $"HTTP {status}{(label is null ? "" : $" ({label})")}: {apiMessage} [{what}{(requestId is null ? "" : ", request " + requestId)}]";

        var ex = new OaiApiException(OaiApiException.KindFromStatus(status), message)
        {
            StatusCode = status,
            ErrorType = error?.Type,
            ErrorCode = error?.Code,
            Param = error?.Param,
            ApiMessage = apiMessage,
            RequestId = requestId,
            Request = what,
        };
        var retryAfter = RetryAfter(response);
        if (retryAfter is not null) ex.Data["RetryAfter"] = retryAfter;
        return ex;
    }

    internal static bool IsRetryable(OaiApiException ex) => ex.Kind switch
    {
        OaiErrorKind.Connection or OaiErrorKind.Timeout => true,
        _ => ex.StatusCode is 408 or 409 or 429 or 500 or 502 or 503 or 504,
    };

    /// <summary>retry-after-ms wins over Retry-After (seconds or an HTTP date); both are the server's word.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var ms = HeaderValue(response, "retry-after-ms");
        if (ms is not null && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 0)
            return TimeSpan.FromMilliseconds(m);
        var ra = response.Headers.RetryAfter;
        if (ra?.Delta is { } d) return d;
        if (ra?.Date is { } date) return date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
        return null;
    }

    /// <summary>Exponential backoff with jitter (0.5 s doubling to 8 s); a server's Retry-After wins up to 60 s.</summary>
    internal static TimeSpan DefaultRetryDelay(int attempt, TimeSpan? serverDelay)
    {
        if (serverDelay is { } s && s >= TimeSpan.Zero && s <= TimeSpan.FromSeconds(60)) return s;
        var seconds = Math.Min(0.5 * Math.Pow(2, attempt - 1), 8.0);
        return TimeSpan.FromSeconds(seconds * (1 - 0.25 * Random.Shared.NextDouble()));
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    internal static string RequestSuffix(string? requestId) => requestId is null ? "" : $" (request {requestId})";

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
