using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Text;
using PSAssistants.Client;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>How a cmdlet waits for a run.</summary>
internal sealed record WaitOptions
{
    /// <summary>The longest to wait, in seconds; null waits as long as the run takes.</summary>
    public int? TimeoutSec { get; init; }

    /// <summary>Write the assistant's text to the host as it arrives.</summary>
    public bool Print { get; init; }

    /// <summary>Cancel the run on the server when the user stops the cmdlet (Ctrl+C).</summary>
    public bool CancelOnStop { get; init; } = true;

    /// <summary>Answers tool calls so the wait goes on past requires_action; null returns the run there.</summary>
    public ToolAnswerer? Tools { get; init; }

    /// <summary>
    /// MCP tools whose calls the wait approves (Start-OaiRun -ApproveMcpTool): a tool name, or server_label/name.
    /// An approval request for any other tool returns the run at requires_action: nothing is approved unasked.
    /// </summary>
    public IReadOnlyCollection<string>? ApproveMcpTools { get; init; }

    /// <summary>Whether the wait can answer anything at requires_action, or returns the run there at once.</summary>
    public bool AnswersAnything => Tools is not null || ApproveMcpTools is { Count: > 0 };
}

// Waiting for runs: streamed when the server streams (the end of a run is seen at once and no poll is
// made), resumed or polled when a stream breaks off, polled with backoff when the server does not stream.
public abstract partial class OaiApiCmdlet
{
    private static readonly TimeSpan s_cancelOnStopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The run as last seen anywhere in the wait, so Ctrl+C can cancel it whatever the wait was doing.</summary>
    private OaiRun? _lastSeen;

    /// <summary>Creates a run and follows it to its end (Start-OaiRun -Wait / -Stream).</summary>
    private protected OaiRun StartAndFollow(string threadId, RunCreateOptions options, WaitOptions wait)
    {
        var adapter = Adapter;
        var watch = Stopwatch.StartNew();
        if (!CurrentSession.Streaming)
        {
            var created = _lastSeen = Await(ct => adapter.CreateRunAsync(threadId, options, ct));
            return Follow(created, null, wait, watch);
        }
        var start = Await(ct => adapter.StartRunStreamAsync(threadId, options, ct));
        _lastSeen = start.Run;
        return Follow(start.Run, start, wait, watch);
    }

    /// <summary>A tool answerer for this cmdlet; the assistant is fetched only if a run asks for a tool.</summary>
    private protected ToolAnswerer NewToolAnswerer(IDictionary? overrides, OaiAssistant? assistant)
    {
        var adapter = Adapter;
        return new ToolAnswerer(this, overrides, assistant, id =>
        {
            try { return Await(ct => adapter.GetAssistantAsync(id, ct)); }
            catch (OaiApiException ex) { WriteVerbose($"Cannot read assistant {id} for its tools: {ex.Message}"); return null; }
        });
    }

    /// <summary>Follows a run whose stream (or JSON answer) is already open, e.g. after submitting tool outputs.</summary>
    private protected OaiRun FollowStarted(RunStart start, WaitOptions wait) => Follow(start.Run, start, wait, Stopwatch.StartNew());

    /// <summary>Follows an existing run to its end (Wait-OaiRun): by its stream where the protocol can attach, else by polling.</summary>
    private protected OaiRun Follow(OaiRun run, WaitOptions wait)
    {
        var watch = Stopwatch.StartNew();
        if (run.IsTerminal || (run.Status == OaiRunStatus.RequiresAction && !wait.AnswersAnything)) return Finish(run);
        if (run.Status == OaiRunStatus.RequiresAction) return Follow(run, null, wait, watch);
        var adapter = Adapter;
        var start = CurrentSession.Streaming ? Await(ct => adapter.ResumeRunStreamAsync(run, null, ct)) : null;
        return Follow(run, start, wait, watch);
    }

    private OaiRun Follow(OaiRun? run, RunStart? start, WaitOptions wait, Stopwatch watch)
    {
        var adapter = Adapter;
        var printer = wait.Print ? new TextPrinter(this) : null;
        var progress = new WaitProgress(this);
        try
        {
            while (true)
            {
                var (settled, timedOut) = FollowToSettled(run, start, wait, watch, printer, progress);
                run = settled;
                if (timedOut) return TimeoutError(run, wait);
                if (run.Status == OaiRunStatus.RequiresAction && run.RequiredAction is { ToolCalls.Count: > 0 } && AnswerRound(run, wait) is { } outputs)
                {
                    // All calls of a round are answered together, then the same wait goes on with the run's next stream.
                    var current = run;
                    var stream = CurrentSession.Streaming;
                    start = Await(ct => adapter.SubmitToolOutputsAsync(current, outputs, stream, ct));
                    if (start.Run is { } next) run = next;
                    continue;
                }
                printer?.EndLine();
                return Finish(run);
            }
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            var seen = _lastSeen ?? run;
            if (seen is not null && wait.CancelOnStop && !seen.IsTerminal) CancelOnServer(adapter, seen);
            throw new PipelineStoppedException();
        }
        finally
        {
            progress.Complete();
        }
    }

    /// <summary>
    /// The answers to a round of a run in requires_action, or null when the round must go back to the caller: an
    /// MCP approval request for a tool not named in -ApproveMcpTool, or function calls with -NoAutoTool.
    /// </summary>
    private IReadOnlyList<ToolOutput>? AnswerRound(OaiRun run, WaitOptions wait)
    {
        var calls = run.RequiredAction!.ToolCalls;
        var approvals = calls.Where(c => c.IsApprovalRequest).ToList();
        var functions = calls.Where(c => !c.IsApprovalRequest).ToList();
        foreach (var request in approvals)
        {
            var approved = wait.ApproveMcpTools?.Any(n => string.Equals(n, request.Name, StringComparison.Ordinal)
                || string.Equals(n, $"{request.ServerLabel}/{request.Name}", StringComparison.Ordinal)) == true;
            if (!approved)
            {
                WriteVerbose($"Run {run.Id} asks to approve MCP call {request.ServerLabel}/{request.Name} ({request.Id}); returning it for Submit-OaiToolOutput -Approve or -Deny.");
                return null;
            }
        }
        if (functions.Count > 0 && wait.Tools is null) return null;
        var outputs = new List<ToolOutput>();
        foreach (var request in approvals)
        {
            WriteVerbose($"Approving MCP call {request.ServerLabel}/{request.Name} ({request.Id}), as -ApproveMcpTool allows.");
            outputs.Add(new ToolOutput(request.Id, "") { Approve = true });
        }
        if (functions.Count > 0) outputs.AddRange(wait.Tools!.Answer(run, functions));
        return outputs;
    }

    /// <summary>Follows one stream (resuming or polling when it breaks) until the run is terminal or requires action.</summary>
    private (OaiRun Run, bool TimedOut) FollowToSettled(OaiRun? run, RunStart? start, WaitOptions wait, Stopwatch watch,
        TextPrinter? printer, WaitProgress progress)
    {
        var adapter = Adapter;
        long? sequence = null;
        var interrupted = false;
        var reopened = 0;
        while (start?.Events is { } events)
        {
            var finished = false;
            var reopen = start.Reopen;
            var seenBefore = sequence;
            var updates = 0;
            using (start)
            {
                try
                {
                    updates = ReadEvents(events, wait, watch, ref run, ref sequence, printer, progress);
                    finished = run is not null && IsSettled(run);
                }
                catch (OaiApiException ex) when (ex.Kind is OaiErrorKind.Connection or OaiErrorKind.Protocol)
                {
                    WriteVerbose($"The run's stream broke off ({ex.Message}); resuming.");
                }
            }
            if (run is null)
            {
                // Broken before it named the run: the same request again (same Idempotency-Key) picks up the run it
                // made, as often as the call's -MaxRetries (else the session's) allows a request to be retried.
                if (reopen is null || ++reopened > (CallMaxRetries ?? CurrentSession.MaxRetries))
                    throw new OaiApiException(OaiErrorKind.Connection, "The run's stream broke off before it named the run, and sending it again did not help.");
                start = Await(ct => reopen(ct));
                if (start.Run is { } created) run = created;
                continue;
            }
            if (finished) break;
            if (TimedOut(watch, wait)) return (run, true);

            // The stream ended early: attach again after the last event seen, or fall back to polling when an
            // attached stream brought nothing new (a server may end a cancelled run's stream with no event).
            interrupted = true;
            var current = run;
            var resumeAfter = sequence;
            if (updates == 0 && sequence == seenBefore)
            {
                start = null;
                break;
            }
            try
            {
                start = Await(ct => adapter.ResumeRunStreamAsync(current, resumeAfter, ct));
            }
            catch (OaiApiException ex) when (OaiRetryPolicy.IsRetryable(ex))
            {
                WriteVerbose($"Attaching to run {run.Id} again failed ({ex.Message}); polling instead.");
                start = null;
            }
            if (start?.Run is { } plain) run = plain;
        }

        run ??= start?.Run ?? throw new OaiApiException(OaiErrorKind.Protocol, "The server started no run.");
        if (!IsSettled(run))
        {
            var polled = Poll(run, wait, watch, progress);
            if (polled is null) return (run, true);
            run = polled;
        }
        else if (interrupted)
        {
            // After a broken stream, the server's own record is the truth.
            var current = run;
            try
            {
                run = Await(ct => adapter.GetRunAsync(current.ThreadId, current.Id, ct));
            }
            catch (OaiApiException ex) when (OaiRetryPolicy.IsRetryable(ex))
            {
                WriteVerbose($"Reading run {run.Id} failed ({ex.Message}); keeping the state its stream reported.");
            }
        }
        if (printer is not null && run.IsTerminal && (interrupted || printer.PrintedNothing)) printer.PrintRemainder(run, adapter);
        return (run, false);
    }

    /// <summary>Reads events until the run settles, the stream ends or time is up; returns how many run updates it saw.</summary>
    private int ReadEvents(IAsyncEnumerable<RunEvent> events, WaitOptions wait, Stopwatch watch, ref OaiRun? run, ref long? sequence,
        TextPrinter? printer, WaitProgress progress)
    {
        var updates = 0;
        using var deadline = new CancellationTokenSource();
        if (wait.TimeoutSec is { } t) deadline.CancelAfter(TimeSpan.FromSeconds(t) - watch.Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(StopToken, deadline.Token);
        var e = events.GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = Await(_ => e.MoveNextAsync().AsTask());
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !StopToken.IsCancellationRequested)
                {
                    return updates; // the caller sees the time is up
                }
                if (!more) return updates;
                var ev = e.Current;
                sequence = ev.Sequence ?? sequence;
                switch (ev.Kind)
                {
                    case RunEventKind.RunUpdated:
                        run = _lastSeen = ev.Run;
                        updates++;
                        progress.Show(run!, watch);
                        if (IsSettled(run!)) return updates;
                        break;
                    case RunEventKind.TextDelta:
                        printer?.Print(ev.MessageId, ev.Text!);
                        break;
                    case RunEventKind.MessageDone:
                        printer?.EndMessage(ev.MessageId);
                        break;
                }
            }
        }
        finally
        {
            try { Await(_ => e.DisposeAsync().AsTask()); }
            catch (Exception ex) when (ex is OaiApiException or OperationCanceledException or IOException) { }
        }
    }

    /// <summary>Failed polls in a row (each already retried by the client) after which a wait gives up.</summary>
    private const int MaxFailedPolls = 10;

    /// <summary>
    /// Polls with a growing interval; transient failures of single polls do not end the wait, but a server that
    /// keeps failing does, with its last error, rather than holding a runbook forever. Null when time ran out.
    /// </summary>
    private OaiRun? Poll(OaiRun run, WaitOptions wait, Stopwatch watch, WaitProgress progress)
    {
        var adapter = Adapter;
        var failed = 0;
        var interval = TimeSpan.FromMilliseconds(100);
        while (!IsSettled(run))
        {
            if (TimedOut(watch, wait)) return null;
            progress.Show(run, watch);
            var sleep = interval;
            if (wait.TimeoutSec is { } t && TimeSpan.FromSeconds(t) - watch.Elapsed < sleep) sleep = TimeSpan.FromSeconds(t) - watch.Elapsed;
            if (sleep > TimeSpan.Zero) Await(ct => Task.Delay(sleep, ct));
            interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 1.5, 2000));
            var current = run;
            try
            {
                run = _lastSeen = Await(ct => adapter.GetRunAsync(current.ThreadId, current.Id, ct));
                failed = 0;
            }
            catch (OaiApiException ex) when (OaiRetryPolicy.IsRetryable(ex) && ++failed < MaxFailedPolls)
            {
                WriteVerbose($"Polling run {run.Id} failed ({ex.Message}); still waiting ({failed} in a row).");
            }
        }
        return run;
    }

    private static bool IsSettled(OaiRun run) => OaiRunStatus.IsSettled(run.Status);

    private static bool TimedOut(Stopwatch watch, WaitOptions wait) =>
        wait.TimeoutSec is { } t && watch.Elapsed >= TimeSpan.FromSeconds(t);

    private OaiRun TimeoutError(OaiRun run, WaitOptions wait)
    {
        WriteError(new ErrorRecord(
            new TimeoutException($"Run {run.Id} of thread {run.ThreadId} was still '{run.Status}' after {wait.TimeoutSec} s; it goes on at the server (Stop-OaiRun cancels it)."),
            "OaiRunWaitTimeout", ErrorCategory.OperationTimeout, run));
        return run;
    }

    /// <summary>Failed and expired runs are returned and also written as a non-terminating error, so -ErrorAction Stop stops a runbook.</summary>
    private OaiRun Finish(OaiRun run)
    {
        if (run.Status is OaiRunStatus.Failed or OaiRunStatus.Expired)
        {
            var why = run.LastError is { } e ? $": {e}" : ".";
            WriteError(new ErrorRecord(
                new InvalidOperationException($"Run {run.Id} of thread {run.ThreadId} ended '{run.Status}'{why}"),
                run.Status == OaiRunStatus.Failed ? "OaiRunFailed" : "OaiRunExpired",
                run.Status == OaiRunStatus.Failed ? ErrorCategory.InvalidResult : ErrorCategory.OperationTimeout, run));
        }
        return run;
    }

    /// <summary>Best effort, bounded: Ctrl+C must end the cmdlet promptly even when the server is slow.</summary>
    private static void CancelOnServer(IProtocolAdapter adapter, OaiRun run)
    {
        using var cts = new CancellationTokenSource(s_cancelOnStopTimeout);
        try
        {
            Task.Run(() => adapter.CancelRunAsync(run.ThreadId, run.Id, cts.Token)).Wait(s_cancelOnStopTimeout);
        }
        catch (AggregateException)
        {
            // The run may have ended meanwhile, or the server may be unreachable: nothing more to do.
        }
    }

    /// <summary>Writes streamed text to the host like Write-Host -NoNewline, and remembers what it wrote.</summary>
    private sealed class TextPrinter
    {
        private static readonly string[] s_hostTag = { "PSHOST" };
        private readonly OaiApiCmdlet _cmdlet;
        private readonly Dictionary<string, StringBuilder> _printed = new(StringComparer.Ordinal);
        private bool _atLineStart = true;

        public TextPrinter(OaiApiCmdlet cmdlet) => _cmdlet = cmdlet;

        public bool PrintedNothing => _printed.Count == 0;

        public void Print(string? messageId, string text)
        {
            var key = messageId ?? "";
            if (!_printed.TryGetValue(key, out var sb)) _printed[key] = sb = new StringBuilder();
            sb.Append(text);
            Write(text);
        }

        public void EndMessage(string? messageId) => EndLine();

        public void EndLine()
        {
            if (!_atLineStart) Write("\n");
        }

        /// <summary>
        /// After a broken stream or a server that did not stream: writes what the run's messages hold beyond
        /// what was already written, so no text is lost and none is written twice.
        /// </summary>
        public void PrintRemainder(OaiRun run, IProtocolAdapter adapter)
        {
            var messages = new List<OaiMessage>();
            var e = adapter.ListMessagesAsync(run.ThreadId, run.Id, new ListOptions { Order = "asc" }, _cmdlet.StopToken).GetAsyncEnumerator(_cmdlet.StopToken);
            try
            {
                while (_cmdlet.Await(_ => e.MoveNextAsync().AsTask())) messages.Add(e.Current);
            }
            finally
            {
                _cmdlet.Await(_ => e.DisposeAsync().AsTask());
            }
            foreach (var m in messages.Where(m => m.Role == "assistant"))
            {
                var already = _printed.TryGetValue(m.Id, out var sb) ? sb.ToString() : "";
                if (already.Length == 0 && _printed.Count == 1 && _printed.ContainsKey("")) already = _printed[""].ToString();
                if (!m.Text.StartsWith(already, StringComparison.Ordinal)) already = "";
                var rest = m.Text[already.Length..];
                if (rest.Length == 0) continue;
                Print(m.Id, rest);
                EndLine();
            }
        }

        private void Write(string text)
        {
            if (text.Length == 0) return;
            _cmdlet.WriteInformation(new HostInformationMessage { Message = text, NoNewLine = true }, s_hostTag);
            _atLineStart = text.EndsWith('\n');
        }
    }

    /// <summary>Write-Progress while waiting, only when someone can see it (not into a redirected runbook log).</summary>
    private sealed class WaitProgress
    {
        private readonly OaiApiCmdlet _cmdlet;
        private readonly bool _enabled;
        private ProgressRecord? _record;
        private string? _lastStatus;

        public WaitProgress(OaiApiCmdlet cmdlet)
        {
            _cmdlet = cmdlet;
            _enabled = cmdlet.ProgressWanted;
        }

        public void Show(OaiRun run, Stopwatch watch)
        {
            if (!_enabled) return;
            _record ??= new ProgressRecord(Math.Abs(run.Id.GetHashCode() % 100000) + 1, $"Waiting for run {run.Id}", "Status: " + run.Status);
            var status = $"Status: {run.Status} ({watch.Elapsed.TotalSeconds:0} s)";
            if (status == _lastStatus) return;
            _lastStatus = status;
            _record.StatusDescription = status;
            _cmdlet.WriteProgress(_record);
        }

        public void Complete()
        {
            if (_record is null) return;
            _record.RecordType = ProgressRecordType.Completed;
            _cmdlet.WriteProgress(_record);
        }
    }
}
