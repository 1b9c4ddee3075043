using System.Net.Http;

namespace PSAssistants.Client;

/// <summary>Thrown by <see cref="OaiCappedStream"/> when a body (or one line of it) goes past its cap.</summary>
internal sealed class OaiBodyTooLargeException : Exception
{
    public OaiBodyTooLargeException(string message) : base(message)
    {
    }
}

/// <summary>Reads what a server sends without letting it choose how much memory the module uses.</summary>
internal static class OaiBoundedRead
{
    /// <summary>The whole body when it is at most <paramref name="cap"/> bytes, else null (and no more is read).</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int cap, CancellationToken ct)
    {
        if (content.Headers.ContentLength is { } announced && announced > cap) return null;
        var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[Math.Min(cap + 1, 16 * 1024)];
            using var into = new MemoryStream();
            while (true)
            {
                var read = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (read == 0) return into.ToArray();
                if (into.Length + read > cap) return null;
                into.Write(buffer, 0, read);
            }
        }
    }

    public static string Describe(long bytes) => bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB"
        : bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";
}

/// <summary>
/// A read-only view of a body that throws <see cref="OaiBodyTooLargeException"/> once more than the limit has
/// been read: in all, or (per line) since the last CR or LF, which bounds one server-sent event line.
/// </summary>
internal sealed class OaiCappedStream : Stream
{
    private readonly Stream _inner;
    private readonly long _limit;
    private readonly bool _perLine;
    private long _count;

    public OaiCappedStream(Stream inner, long limit, bool perLine)
    {
        _inner = inner;
        _limit = limit;
        _perLine = perLine;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, _inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count((await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) is var n ? buffer.Span[..n] : default);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(ReadOnlySpan<byte> read)
    {
        if (_perLine)
        {
            var lastBreak = read.LastIndexOfAny((byte)'\r', (byte)'\n');
            if (lastBreak >= 0)
            {
                // Only the line before the first break and the line after the last one can be long.
                var firstBreak = read.IndexOfAny((byte)'\r', (byte)'\n');
                if (_count + firstBreak > _limit) throw TooLarge();
                _count = read.Length - lastBreak - 1;
            }
            else
            {
                _count += read.Length;
            }
        }
        else
        {
            _count += read.Length;
        }
        if (_count > _limit) throw TooLarge();
        return read.Length;
    }

    private OaiBodyTooLargeException TooLarge() => new(_perLine
        ? $"one line of the event stream is longer than {OaiBoundedRead.Describe(_limit)}"
        : $"the answer is larger than {OaiBoundedRead.Describe(_limit)}");

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => _inner.DisposeAsync();
}
