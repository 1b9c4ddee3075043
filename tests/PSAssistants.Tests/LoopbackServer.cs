using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PSAssistants.Tests;

/// <summary>What a <see cref="LoopbackServer"/> received: the request line, headers and body.</summary>
internal sealed record LoopbackRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 for what the in-memory transport cannot show: redirects through the
/// real handler, bodies that never end. It answers each connection once (Connection: close), counts the
/// bytes its handler wrote, and stops by itself after <c>lifetime</c> so no test can leave it running.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    public delegate Task Handler(LoopbackRequest request, LoopbackResponse response, CancellationToken ct);

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop;
    private readonly Handler _handler;
    private readonly List<LoopbackRequest> _requests = new();
    private readonly Task _accepting;
    private readonly List<Task> _serving = new();
    private long _sent;

    public LoopbackServer(Handler handler, TimeSpan? lifetime = null)
    {
        _handler = handler;
        _stop = new CancellationTokenSource(lifetime ?? TimeSpan.FromSeconds(30));
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Uri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:PORT, no path.</summary>
    public Uri Uri { get; }

    public IReadOnlyList<LoopbackRequest> Requests
    {
        get { lock (_requests) return _requests.ToArray(); }
    }

    /// <summary>Body and head bytes the handlers wrote to the network, all connections together.</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    /// <summary>
    /// BytesSent once every handler has returned (a client that went away ends the handler's next write). A write
    /// is counted when it completes, so a count read at once after the client's failure can still miss the last one.
    /// </summary>
    public async Task<long> BytesSentWhenServedAsync()
    {
        Task[] serving;
        lock (_serving) serving = _serving.ToArray();
        await Task.WhenAll(serving).WaitAsync(TimeSpan.FromSeconds(10));
        return BytesSent;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var serving = ServeAsync(client);
                lock (_serving) _serving.Add(serving);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException) { }
        finally { _listener.Stop(); }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream, _stop.Token);
                if (request is null) return;
                lock (_requests) _requests.Add(request);
                await _handler(request, new LoopbackResponse(stream, n => Interlocked.Add(ref _sent, n)), _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        }
    }

    private static async Task<LoopbackRequest?> ReadRequestAsync(Stream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, ct) == 0 || head.Count > 64 * 1024) return null;
            head.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var body = "";
        if (headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, out var length) && length > 0)
        {
            var buffer = new byte[length];
            await stream.ReadExactlyAsync(buffer, ct);
            body = Encoding.UTF8.GetString(buffer);
        }
        return new LoopbackRequest(first[0], first[1], headers, body);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _accepting;
        _stop.Dispose();
    }
}

/// <summary>Writes a raw answer and counts the bytes.</summary>
internal sealed class LoopbackResponse
{
    private readonly Stream _stream;
    private readonly Action<long> _count;

    public LoopbackResponse(Stream stream, Action<long> count)
    {
        _stream = stream;
        _count = count;
    }

    public async Task WriteAsync(string text, CancellationToken ct) => await WriteAsync(Encoding.UTF8.GetBytes(text), ct);

    public async Task WriteAsync(byte[] bytes, CancellationToken ct)
    {
        await _stream.WriteAsync(bytes, ct);
        _count(bytes.Length);
    }

    /// <summary>A complete answer with a Content-Length.</summary>
    public Task AnswerAsync(int status, string body, CancellationToken ct, string contentType = "application/json", params string[] headers) =>
        WriteAsync($"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n"
            + string.Concat(headers.Select(h => h + "\r\n")) + "Connection: close\r\n\r\n" + body, ct);

    /// <summary>
    /// Headers, then <paramref name="prefix"/>, then 'a' without end (no Content-Length, no line break) until the
    /// client goes away or <paramref name="limit"/> bytes are out.
    /// </summary>
    public async Task EndlessAsync(int status, string contentType, string prefix, long limit, CancellationToken ct)
    {
        await WriteAsync($"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nConnection: close\r\n\r\n{prefix}", ct);
        var chunk = new byte[64 * 1024];
        chunk.AsSpan().Fill((byte)'a');
        for (long sent = 0; sent < limit; sent += chunk.Length) await WriteAsync(chunk, ct);
    }
}
