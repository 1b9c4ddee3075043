namespace PSAssistants.Protocols;

/// <summary>What happened in a streamed run, in protocol-neutral terms.</summary>
internal enum RunEventKind
{
    /// <summary>The run's state changed; <see cref="RunEvent.Run"/> is the run as the server now has it.</summary>
    RunUpdated,

    /// <summary>More text of message <see cref="RunEvent.MessageId"/>.</summary>
    TextDelta,

    /// <summary>Message <see cref="RunEvent.MessageId"/> is complete.</summary>
    MessageDone,
}

internal sealed record RunEvent(RunEventKind Kind, OaiRun? Run = null, string? MessageId = null, string? Text = null, long? Sequence = null);

/// <summary>
/// A run started with streaming: either its events, or (when the server answered JSON, ignoring
/// "stream": true) the run as created, to be polled instead.
/// </summary>
internal sealed class RunStart : IDisposable
{
    private readonly IDisposable? _owner;

    public RunStart(OaiRun run)
    {
        Run = run;
    }

    public RunStart(IAsyncEnumerable<RunEvent> events, IDisposable owner)
    {
        Events = events;
        _owner = owner;
    }

    /// <summary>Set when the server did not stream.</summary>
    public OaiRun? Run { get; }

    public IAsyncEnumerable<RunEvent>? Events { get; }

    /// <summary>Sends the request that started this stream again (same Idempotency-Key), for a stream that broke before naming its run.</summary>
    public Func<CancellationToken, Task<RunStart>>? Reopen { get; init; }

    public void Dispose() => _owner?.Dispose();
}
