namespace PSAssistants.Tests;

/// <summary>
/// Base of the tests' stand-in bodies: a forward-only stream that can only be read. A test stream overrides Read
/// (and ReadAsync where its point is asynchronous behaviour); everything else refuses.
/// </summary>
internal abstract class ReadOnlyTestStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
