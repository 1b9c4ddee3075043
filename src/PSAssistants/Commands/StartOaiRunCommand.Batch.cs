using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using PSAssistants.Client;
using PSAssistants.Commands.Waiting;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

// -Wait with threads from the pipeline: each run starts as its thread arrives, and the runs are waited for
// together, at most -ThrottleLimit at a time: a new run starts only once fewer than that are unfinished, and
// the runs are followed (and written) in input order, so the server works on the later ones while the first
// is followed. Ctrl+C cancels every run started and not yet ended, not only the one being followed.
public sealed partial class StartOaiRunCommand
{
    private static readonly TimeSpan s_cancelPendingTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs started and not yet followed, in input order.</summary>
    private readonly Queue<PendingRun> _pending = new();
    private readonly object _pendingGate = new();
    private IProtocolAdapter? _batchAdapter;

    /// <param name="Start">The created run, or its stream when it was started streaming.</param>
    /// <param name="Wait">How it is to be waited for.</param>
    /// <param name="Run">The run, once the server has named it (a streamed start names it in its first event).</param>
    /// <param name="Started">Since the run was created: -TimeoutSec counts from there, not from its turn.</param>
    /// <param name="Settings">The run's settings over its assistant's: what OutputText and OutputObject are read with.</param>
    private sealed record PendingRun(RunStart Start, WaitOptions Wait, OaiRun? Run, System.Diagnostics.Stopwatch Started, OaiRunSettings Settings);

    /// <summary>Starts a run and queues it to be followed, after following the oldest ones while the limit is reached.</summary>
    private void StartQueued(string threadId, RunCreateOptions options, WaitOptions wait)
    {
        while (PendingCount >= ThrottleLimit) FollowOldest();
        var adapter = _batchAdapter = Adapter;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var start = CurrentSession.Streaming
            ? Await(ct => adapter.StartRunStreamAsync(threadId, options, ct))
            : new RunStart(Await(ct => adapter.CreateRunAsync(threadId, options, ct)));
        var (run, named) = NameRun(start);
        lock (_pendingGate) _pending.Enqueue(new PendingRun(named, wait, run, started, options.Settings.Over(options.Assistant?.RunSettings)));
        // Ctrl+C may have come while this run was starting, after the queue was cancelled.
        if (StopToken.IsCancellationRequested)
        {
            if (!NoCancelOnStop) CancelPending();
            throw new PipelineStoppedException();
        }
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        try
        {
            while (PendingCount > 0) FollowOldest();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Ctrl+C: cancels the wait and, unless -NoCancelOnStop, every run started and not yet ended.</summary>
    protected override void StopProcessing()
    {
        base.StopProcessing();
        if (!NoCancelOnStop) CancelPending();
    }

    private int PendingCount
    {
        get { lock (_pendingGate) return _pending.Count; }
    }

    /// <summary>Follows the oldest queued run to its end and writes it; a failure of that run is its own error.</summary>
    private void FollowOldest()
    {
        PendingRun next;
        lock (_pendingGate)
        {
            if (_pending.Count == 0) return;
            next = _pending.Dequeue();
        }
        var wait = next.Wait;
        if (wait.TimeoutSec is { } limit)
        {
            // What is left of the run's time (at least a second, so a run whose time is up is still read and reported).
            var left = (int)Math.Max(1, Math.Ceiling(limit - next.Started.Elapsed.TotalSeconds));
            wait = wait with { TimeoutSec = left };
        }
        try
        {
            Emit(WithOutput(FollowStarted(next.Start, wait), next.Settings, wait.Text));
        }
        catch (OaiApiException ex)
        {
            WriteError(ToErrorRecord(ex, next.Run));
        }
    }

    /// <summary>
    /// Ctrl+C: cancels on the server every queued run that has not ended, all at once and bounded, since the
    /// cmdlet must stop promptly; the one being followed is cancelled by its wait.
    /// </summary>
    private void CancelPending()
    {
        List<PendingRun> left;
        lock (_pendingGate)
        {
            left = _pending.ToList();
            _pending.Clear();
        }
        if (_batchAdapter is not { } adapter || left.Count == 0) return;
        using var cts = new CancellationTokenSource(s_cancelPendingTimeout);
        var cancels = left.Where(p => p.Run is { IsTerminal: false })
            .Select(p => Task.Run(() => adapter.CancelRunAsync(p.Run!.ThreadId, p.Run.Id, cts.Token)))
            .ToArray();
        try
        {
            Task.WaitAll(cancels, s_cancelPendingTimeout);
        }
        catch (AggregateException)
        {
            // A run may have ended meanwhile, or the server may be unreachable: nothing more to do.
        }
        foreach (var p in left) p.Start.Dispose();
    }

    /// <summary>
    /// Reads a streamed start up to the event that names its run, so a run waiting for its turn can be cancelled
    /// by Ctrl+C; the events read are handed on to the wait unchanged, followed by the rest of the stream.
    /// </summary>
    private (OaiRun? Run, RunStart Start) NameRun(RunStart start)
    {
        if (start.Run is not null || start.Events is not { } events) return (start.Run, start);
        var e = events.GetAsyncEnumerator(StopToken);
        var read = new List<RunEvent>();
        OaiRun? run = null;
        var more = true;
        Exception? broke = null;
        try
        {
            while (run is null && (more = Await(_ => e.MoveNextAsync().AsTask())))
            {
                read.Add(e.Current);
                if (e.Current is { Kind: RunEventKind.RunUpdated, Run: { } named }) run = named;
            }
        }
        catch (OaiApiException ex) when (ex.Kind is OaiErrorKind.Connection or OaiErrorKind.Protocol)
        {
            broke = ex; // the wait handles it as a stream that broke off: sends again or resumes
        }
        return (run, new RunStart(Replay(read, e, more && broke is null, broke), start) { Reopen = start.Reopen });
    }

    private static async IAsyncEnumerable<RunEvent> Replay(List<RunEvent> read, IAsyncEnumerator<RunEvent> rest, bool more, Exception? broke,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        try
        {
            foreach (var ev in read) yield return ev;
            if (broke is not null) ExceptionDispatchInfo.Throw(broke);
            while (more)
            {
                // The rest was opened under the cmdlet's token; the wait's own (with its deadline) ends the wait for it.
                more = await rest.MoveNextAsync().AsTask().WaitAsync(ct).ConfigureAwait(false);
                if (more) yield return rest.Current;
            }
        }
        finally
        {
            try
            {
                await rest.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or OaiApiException or IOException or OperationCanceledException)
            {
                // A read still in flight after the wait gave up: the stream itself is closed with the RunStart.
            }
        }
    }
}
