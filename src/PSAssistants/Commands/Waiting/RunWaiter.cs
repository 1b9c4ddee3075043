using PSAssistants.Client;
using PSAssistants.Protocols;

namespace PSAssistants.Commands.Waiting;

/// <summary>
/// Follows one run to where it settles (an end, or requires_action with no tools to answer). Streamed when the
/// server streams: the end is seen at once and no poll is made. A stream that breaks off is sent again (when it
/// named no run yet) or attached to again after its last event; where that is not possible the run is polled with
/// a growing interval, and after a break the server's own record of the run is read at the end (reconcile).
/// All waiting goes through <see cref="IWaitHost.Await"/>, on the pipeline thread, under Ctrl+C.
/// </summary>
internal sealed class RunWaiter
{
    private readonly IProtocolAdapter _adapter;
    private readonly IWaitHost _host;
    private readonly WaitOptions _options;
    private readonly WaitTimings _timings;
    private readonly RunTextPrinter? _printer;
    private readonly WaitState _state = new();

    public RunWaiter(IProtocolAdapter adapter, IWaitHost host, WaitOptions options, WaitTimings? timings = null)
    {
        _adapter = adapter;
        _host = host;
        _options = options;
        _timings = timings ?? WaitTimings.Default;
        _printer = options.Print ? new RunTextPrinter(host) : null;
    }

    /// <summary>Creates a run and follows it to its end (Start-OaiRun -Wait / -Stream).</summary>
    public WaitResult StartAndFollow(string threadId, RunCreateOptions options)
    {
        if (!_host.Streaming)
        {
            var created = _host.Await(ct => _adapter.CreateRunAsync(threadId, options, ct));
            _state.LastSeen = created;
            return Follow(created, null);
        }
        var start = _host.Await(ct => _adapter.StartRunStreamAsync(threadId, options, ct));
        _state.LastSeen = start.Run;
        return Follow(start.Run, start);
    }

    /// <summary>Follows a run whose stream (or JSON answer) is already open (a run just started).</summary>
    public WaitResult FollowStarted(RunStart start) => Follow(start.Run, start);

    /// <summary>
    /// Follows what answering <paramref name="asked"/>'s calls <paramref name="callIds"/> opened (Submit-OaiToolOutput
    /// -Wait): those calls count as answered, so the run's old requires_action state is never taken as current.
    /// </summary>
    public WaitResult FollowAnswered(OaiRun asked, IEnumerable<string> callIds, RunStart start)
    {
        _state.Answered.UnionWith(callIds);
        return Follow(start.Run ?? AfterAnswers(asked), start);
    }

    /// <summary>Follows an existing run (Wait-OaiRun): by its stream where the protocol can attach, else by polling.</summary>
    public WaitResult FollowExisting(OaiRun run)
    {
        if (run.IsTerminal || (run.Status == OaiRunStatus.RequiresAction && !_options.AnswersAnything)) return new WaitResult(run, false);
        if (run.Status == OaiRunStatus.RequiresAction) return Follow(run, null);
        var start = _host.Streaming ? _host.Await(ct => _adapter.ResumeRunStreamAsync(run, null, ct)) : null;
        return Follow(run, start);
    }

    /// <summary>Rounds until the run settles without tool calls to answer; each answer starts the next round.</summary>
    private WaitResult Follow(OaiRun? run, RunStart? start)
    {
        _state.Run = run;
        try
        {
            while (true)
            {
                if (!SettleRound(start))
                {
                    _printer?.EndLine(); // what was held back of the text is written, and the time-out starts its own line
                    return new WaitResult(_state.Run!, TimedOut: true);
                }
                var settled = _state.Run!;
                if (settled.Status == OaiRunStatus.RequiresAction && settled.RequiredAction is { ToolCalls.Count: > 0 } && AnswerRound(settled) is { } outputs)
                {
                    // All calls of a round are answered together, then the same wait goes on with the run's next stream.
                    // Counted as answered before they are sent: whatever happens to the request, not answered again.
                    _state.Answered.UnionWith(outputs.Select(o => o.CallId));
                    var stream = _host.Streaming;
                    start = _host.Await(ct => _adapter.SubmitToolOutputsAsync(settled, outputs, stream, ct));
                    _state.Run = start.Run ?? AfterAnswers(settled);
                    continue;
                }
                _printer?.EndLine();
                return new WaitResult(settled, false);
            }
        }
        catch (OperationCanceledException) when (_host.StopToken.IsCancellationRequested)
        {
            var seen = _state.LastSeen ?? _state.Run;
            if (seen is not null && _options.CancelOnStop && !seen.IsTerminal) CancelOnServer(seen);
            throw;
        }
        finally
        {
            _host.CompleteProgress();
        }
    }

    /// <summary>
    /// The run as known while the stream the answers opened has not named it: the same run (read again should the
    /// stream break before its first event) where the answers continue it, else none yet, so such a break sends the
    /// answers again with their Idempotency-Key (the server gives back the run it made) rather than reading the run
    /// that asked, which never changes.
    /// </summary>
    private OaiRun? AfterAnswers(OaiRun asked) => _adapter.ToolOutputsContinueRun ? asked : null;

    /// <summary>
    /// The answers to a round of a run in requires_action, or null when the round must go back to the caller: an
    /// MCP approval request for a tool not named in -ApproveMcpTool, or function calls with -NoAutoTool.
    /// </summary>
    private IReadOnlyList<ToolOutput>? AnswerRound(OaiRun run)
    {
        var calls = run.RequiredAction!.ToolCalls;
        var approvals = calls.Where(c => c.IsApprovalRequest).ToList();
        var functions = calls.Where(c => !c.IsApprovalRequest).ToList();
        foreach (var request in approvals)
        {
            var approved = _options.ApproveMcpTools?.Any(n => string.Equals(n, request.Name, StringComparison.Ordinal)
                || string.Equals(n, $"{request.ServerLabel}/{request.Name}", StringComparison.Ordinal)) == true;
            if (!approved)
            {
                _host.WriteVerbose($"Run {run.Id} asks to approve MCP call {request.ServerLabel}/{request.Name} ({request.Id}); returning it for Submit-OaiToolOutput -Approve or -Deny.");
                return null;
            }
        }
        if (functions.Count > 0 && _options.Tools is null) return null;
        var outputs = new List<ToolOutput>();
        foreach (var request in approvals)
        {
            _host.WriteVerbose($"Approving MCP call {request.ServerLabel}/{request.Name} ({request.Id}), as -ApproveMcpTool allows.");
            outputs.Add(new ToolOutput(request.Id, "") { Approve = true });
        }
        if (functions.Count > 0) outputs.AddRange(_options.Tools!.Answer(run, functions));
        return outputs;
    }

    /// <summary>One round: the stream, then polling if the run is not settled, or a reconcile after a break. False when time ran out.</summary>
    private bool SettleRound(RunStart? start)
    {
        _state.NewRound();
        if (!FollowStream(start)) return false;
        var run = _state.Run ?? throw new OaiApiException(OaiErrorKind.Protocol, "The server started no run.");
        if (!IsSettled(run))
        {
            if (!Poll()) return false;
        }
        else if (_state.Interrupted)
        {
            Reconcile();
        }
        if (_printer is not null && _state.Run!.IsTerminal && (_state.Interrupted || _printer.PrintedNothing))
            _printer.PrintRemainder(_state.Run, _adapter);
        return true;
    }

    /// <summary>
    /// Reads the stream until the run settles; when it breaks off, sends the request again (no run named yet) or
    /// attaches again after the last event seen. Leaves polling to the caller when no stream is left. False when time ran out.
    /// </summary>
    private bool FollowStream(RunStart? start)
    {
        _state.Run ??= start?.Run;
        while (start?.Events is { } events)
        {
            var finished = false;
            var reopen = start.Reopen;
            var seenBefore = _state.Sequence;
            var updates = 0;
            using (start)
            {
                try
                {
                    updates = ReadEvents(events);
                    finished = _state.Run is { } r && IsSettled(r);
                }
                catch (OaiApiException ex) when (ex.Kind is OaiErrorKind.Connection or OaiErrorKind.Protocol)
                {
                    _host.WriteVerbose($"The run's stream broke off ({ex.Message}); resuming.");
                }
            }
            if (_state.Run is null)
            {
                // Out of time before the stream named its run (the one that answers tool calls): a time-out, reported
                // with the run as last seen, rather than sending the same request again with no time left.
                if (TimedOut() && _state.LastSeen is { } last)
                {
                    _state.Run = last;
                    return false;
                }
                start = SendAgain(reopen);
                continue;
            }
            if (finished) return true;
            if (TimedOut()) return false;

            // The stream ended early: attach again after the last event seen, or fall back to polling when an
            // attached stream brought nothing new (a server may end a cancelled run's stream with no event).
            _state.Interrupted = true;
            if (updates == 0 && _state.Sequence == seenBefore) return true;
            start = Resume(_state.Run);
            if (start?.Run is { } plain) _state.Run = plain;
        }
        return true;
    }

    /// <summary>
    /// A stream broken before it named the run: the same request again (same Idempotency-Key) picks up the run it
    /// made, as often as the call's -MaxRetries (else the session's) allows a request to be retried.
    /// </summary>
    private RunStart SendAgain(Func<CancellationToken, Task<RunStart>>? reopen)
    {
        if (reopen is null || ++_state.Reopened > _host.MaxRetries)
            throw new OaiApiException(OaiErrorKind.Connection, "The run's stream broke off before it named the run, and sending it again did not help.");
        var start = _host.Await(ct => reopen(ct));
        if (start.Run is { } created) _state.Run = created;
        return start;
    }

    /// <summary>Attaches to the run's stream after the last event seen; null (poll instead) where that fails or is not possible.</summary>
    private RunStart? Resume(OaiRun run)
    {
        var after = _state.Sequence;
        try
        {
            return _host.Await(ct => _adapter.ResumeRunStreamAsync(run, after, ct));
        }
        catch (OaiApiException ex) when (OaiRetryPolicy.IsRetryable(ex))
        {
            _host.WriteVerbose($"Attaching to run {run.Id} again failed ({ex.Message}); polling instead.");
            return null;
        }
    }

    /// <summary>Reads events until the run settles, the stream ends or time is up; returns how many run updates it saw.</summary>
    private int ReadEvents(IAsyncEnumerable<RunEvent> events)
    {
        var updates = 0;
        using var deadline = new CancellationTokenSource();
        if (_options.TimeoutSec is { } t) deadline.CancelAfter(Left(t) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_host.StopToken, deadline.Token);
        var e = events.GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = _host.Await(_ => e.MoveNextAsync().AsTask());
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !_host.StopToken.IsCancellationRequested)
                {
                    _state.OutOfTime = true;
                    return updates;
                }
                if (!more) return updates;
                var ev = e.Current;
                _state.Sequence = ev.Sequence ?? _state.Sequence;
                switch (ev.Kind)
                {
                    case RunEventKind.RunUpdated:
                        _state.Saw(ev.Run!);
                        updates++;
                        _host.ShowProgress(ev.Run!, _state.Watch.Elapsed);
                        if (ev.Run!.Status == OaiRunStatus.RequiresAction && !_state.IsAnsweredAlready(ev.Run!)) _options.Text?.Clear();
                        if (IsSettled(ev.Run!)) return updates;
                        break;
                    case RunEventKind.TextDelta:
                        _printer?.Print(ev.MessageId, ev.Text!);
                        _options.Text?.Append(ev.Text);
                        break;
                    case RunEventKind.MessageDone:
                        _printer?.EndMessage(ev.MessageId);
                        _options.Text?.Append("\n\n");
                        break;
                }
            }
        }
        finally
        {
            try { _host.Await(async _ => { await e.DisposeAsync().ConfigureAwait(false); return true; }); }
            catch (Exception ex) when (ex is OaiApiException or OperationCanceledException or IOException) { }
        }
    }

    /// <summary>
    /// Polls with a growing interval; transient failures of single polls do not end the wait, but a server that
    /// keeps failing does, with its last error, rather than holding a runbook forever. False when time ran out.
    /// </summary>
    private bool Poll()
    {
        var failed = 0;
        var interval = _timings.FirstPoll;
        while (!IsSettled(_state.Run!))
        {
            var run = _state.Run!;
            if (TimedOut()) return false;
            _host.ShowProgress(run, _state.Watch.Elapsed);
            var sleep = interval;
            if (_options.TimeoutSec is { } t && Left(t) < sleep) sleep = Left(t);
            if (sleep > TimeSpan.Zero) _host.Await(async ct => { await Task.Delay(sleep, ct).ConfigureAwait(false); return true; });
            interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * _timings.PollGrowth, _timings.MaxPollInterval.TotalMilliseconds));
            try
            {
                _state.Saw(_host.Await(ct => _adapter.GetRunAsync(run.ThreadId, run.Id, ct)));
                failed = 0;
            }
            catch (OaiApiException ex) when (OaiRetryPolicy.IsRetryable(ex) && ++failed < _timings.MaxFailedPolls)
            {
                _host.WriteVerbose($"Polling run {run.Id} failed ({ex.Message}); still waiting ({failed} in a row).");
            }
        }
        return true;
    }

    /// <summary>After a broken stream, the server's own record is the truth.</summary>
    private void Reconcile()
    {
        var run = _state.Run!;
        try
        {
            _state.Run = _host.Await(ct => _adapter.GetRunAsync(run.ThreadId, run.Id, ct));
        }
        catch (OaiApiException ex) when (OaiRetryPolicy.IsRetryable(ex))
        {
            _host.WriteVerbose($"Reading run {run.Id} failed ({ex.Message}); keeping the state its stream reported.");
        }
    }

    /// <summary>Best effort, bounded: Ctrl+C must end the cmdlet promptly even when the server is slow.</summary>
    private void CancelOnServer(OaiRun run)
    {
        var timeout = _timings.CancelOnStopTimeout;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            Task.Run(() => _adapter.CancelRunAsync(run.ThreadId, run.Id, cts.Token)).Wait(timeout);
        }
        catch (AggregateException)
        {
            // The run may have ended meanwhile, or the server may be unreachable: nothing more to do.
        }
    }

    /// <summary>An end, or requires_action with calls not answered yet (an older state of a run just answered is not).</summary>
    private bool IsSettled(OaiRun run) => OaiRunStatus.IsSettled(run.Status) && !_state.IsAnsweredAlready(run);

    private TimeSpan Left(int timeoutSec) => TimeSpan.FromSeconds(timeoutSec) - _state.Watch.Elapsed;

    private bool TimedOut() => _options.TimeoutSec is { } t && (_state.OutOfTime || Left(t) <= TimeSpan.Zero);
}
