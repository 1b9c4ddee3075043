using System.Globalization;
using System.Net.Http;
using System.Text.Json.Serialization.Metadata;

namespace PSAssistants.Client;

/// <summary>
/// Uploads and downloads: bodies that are not JSON and may be large. For these the session's per-request
/// timeout bounds the time without progress, not the whole transfer, so a large file is not cut off while
/// it still moves. Downloads stream to their destination and are not capped.
/// </summary>
internal sealed class OaiTransfers
{
    private const int BufferSize = 81920;
    private readonly OaiClient _client;

    public OaiTransfers(OaiClient client) => _client = client;

    /// <summary>
    /// Sends a body that is not JSON (a multipart upload) and reads a JSON answer. <paramref name="content"/>
    /// makes the body afresh for each attempt and gets a callback to call as bytes go out.
    /// </summary>
    public Task<T> UploadAsync<T>(HttpMethod method, string path, Func<Action, HttpContent> content, JsonTypeInfo<T> result, CancellationToken ct) =>
        _client.WithRetriesAsync(method, path, async (key, what) =>
        {
            var limit = _client.Timeout;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
            // A late read after the answer (a server that answers before reading everything) must not throw.
            void Touch()
            {
                try { timeout.CancelAfter(limit); }
                catch (ObjectDisposedException) { }
            }
            var (response, requestId) = await _client.OpenAsync(method, path, () => content(Touch), key, what, "application/json", timeout.Token, ct).ConfigureAwait(false);
            using (response)
            {
                return (await _client.ReadAnswerAsync(response, requestId, what, result, keepRaw: false, timeout.Token, ct).ConfigureAwait(false)).Value;
            }
        }, ct);

    /// <summary>
    /// Downloads a body as it is (file content) into <paramref name="destination"/>, which must be seekable: an
    /// attempt that breaks off is retried from the start, over what the failed attempt wrote.
    /// <paramref name="progress"/> gets the bytes so far and the Content-Length when the server sent one.
    /// Returns the number of bytes written; fewer than the Content-Length is a broken answer, and so is fewer
    /// than <paramref name="knownSize"/> (the file's size from its metadata) when the server sent no length and
    /// closed early, which otherwise looks like a complete body.
    /// </summary>
    public Task<long> DownloadAsync(string path, Stream destination, Action<long, long?>? progress, CancellationToken ct, long? knownSize = null) =>
        _client.WithRetriesAsync(HttpMethod.Get, path, async (key, what) =>
        {
            var limit = _client.Timeout;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
            var (response, requestId) = await _client.OpenAsync(HttpMethod.Get, path, null, key, what, "*/*", timeout.Token, ct).ConfigureAwait(false);
            using (response)
            {
                destination.Position = 0;
                destination.SetLength(0);
                var announced = response.Content.Headers.ContentLength;
                var expected = announced ?? knownSize;
                var buffer = new byte[BufferSize];
                long total = 0;
                progress?.Invoke(0, expected);
                Stream source;
                try { source = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false); }
                catch (Exception ex) when (ex is HttpRequestException or IOException) { throw OaiApiException.BrokenOff(what, requestId, ex); }
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
                                $"{what} sent nothing for {_client.Session.TimeoutSec} s after {total} bytes.{OaiApiException.RequestSuffix(requestId)}")
                            { RequestId = requestId, Request = what };
                        }
                        catch (Exception ex) when (ex is HttpRequestException or IOException)
                        {
                            throw OaiApiException.BrokenOff(what, requestId, ex);
                        }
                        if (read == 0) break;
                        timeout.CancelAfter(limit);
                        await destination.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                        total += read;
                        progress?.Invoke(total, expected);
                    }
                }
                if (announced is { } length && length != total)
                {
                    throw OaiApiException.BrokenOff(what, requestId, new IOException(
                        string.Create(CultureInfo.InvariantCulture, $"the server announced {length} bytes and sent {total}")));
                }
                if (announced is null && knownSize is { } size && total < size)
                {
                    throw OaiApiException.BrokenOff(what, requestId, new IOException(
                        string.Create(CultureInfo.InvariantCulture, $"the file has {size} bytes and the server sent {total} before it closed")));
                }
                await destination.FlushAsync(ct).ConfigureAwait(false);
                return total;
            }
        }, ct);
}
