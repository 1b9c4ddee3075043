using System.Net.Http;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PSAssistants.Client;

/// <summary>
/// An open answer to a streaming request: server-sent events when the server streams, else the plain JSON
/// body of a server that ignored "stream": true. Events are parsed by System.Net.ServerSentEvents.
/// </summary>
internal sealed class OaiEventStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Func<CancellationToken, Task<OaiEventStream>> _reopen;

    private readonly TimeSpan _idleTimeout;
    private readonly long _maxLine;

    private readonly Func<string?, string?> _redact;

    /// <summary>
    /// <c>maxLine</c> is the longest event line (and the largest plain JSON body) read; past it, a protocol error.
    /// <c>redact</c> keeps the session's secret out of text the server sends in an error event.
    /// </summary>
    public OaiEventStream(HttpResponseMessage response, string? requestId, string request, Func<CancellationToken, Task<OaiEventStream>> reopen,
        TimeSpan idleTimeout, long maxLine, Func<string?, string?>? redact = null)
    {
        _redact = redact ?? (static text => text);
        _response = response;
        _idleTimeout = idleTimeout;
        _maxLine = maxLine;
        RequestId = requestId;
        Request = request;
        _reopen = reopen;
    }

    /// <summary>Sends the same request again (a POST with the same Idempotency-Key).</summary>
    public Task<OaiEventStream> ReopenAsync(CancellationToken ct) => _reopen(ct);

    public string? RequestId { get; }

    public string Request { get; }

    public bool IsEventStream =>
        string.Equals(_response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    /// <summary>The body of a server that answered JSON instead of a stream.</summary>
    public async Task<T> ReadJsonAsync<T>(JsonTypeInfo<T> info, CancellationToken ct)
    {
        try
        {
            var stream = new OaiCappedStream(await _response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), _maxLine, perLine: false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, info, ct).ConfigureAwait(false)
                    ?? throw new JsonException("The body was JSON null.");
            }
        }
        catch (Exception ex) when (ex is JsonException or OaiBodyTooLargeException)
        {
            throw OaiApiException.Protocol(Request, RequestId, (int)_response.StatusCode, ex);
        }
    }

    /// <summary>
    /// The events as they arrive: the event type and its raw data. A connection that breaks off midway
    /// ends the enumeration with a Connection error, so the caller can resume or fall back to polling.
    /// </summary>
    public async IAsyncEnumerable<SseItem<byte[]>> EventsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        // A stream that goes silent longer than the per-request timeout counts as broken, so a wait
        // resumes or polls instead of hanging on a dead connection.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(_idleTimeout);
        // One endless line must not grow the parser's buffer without bound.
        var stream = new OaiCappedStream(await _response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false), _maxLine, perLine: true);
        var parser = SseParser.Create(stream, static (type, data) => data.ToArray());
        var events = parser.EnumerateAsync(idle.Token).GetAsyncEnumerator(idle.Token);
        try
        {
            while (true)
            {
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false)) yield break;
                }
                catch (OaiBodyTooLargeException ex)
                {
                    throw OaiApiException.Protocol(Request, RequestId, (int)_response.StatusCode, ex);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    throw OaiApiException.BrokenOff(Request, RequestId, ex);
                }
                catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
                {
                    throw new OaiApiException(OaiErrorKind.Connection,
                        $"The stream of {Request} sent nothing for {_idleTimeout.TotalSeconds:0} s.{OaiApiException.RequestSuffix(RequestId)}", ex)
                    { RequestId = RequestId, Request = Request };
                }
                idle.CancelAfter(_idleTimeout);
                yield return events.Current;
            }
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The error an "error" event reports, as an exception a runbook can branch on; the server's texts are
    /// redacted, since a server may quote the credential in them.
    /// </summary>
    public OaiApiException ReportedError(string what, string? message, string? type, string? code)
    {
        message = _redact(message);
        return new OaiApiException(OaiErrorKind.Server, $"{what} reported an error: {message}{OaiApiException.RequestSuffix(RequestId)}")
        { ErrorType = _redact(type), ErrorCode = _redact(code), ApiMessage = message, RequestId = RequestId, Request = Request };
    }

    public void Dispose() => _response.Dispose();
}
