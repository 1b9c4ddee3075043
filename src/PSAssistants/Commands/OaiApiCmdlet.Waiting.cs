using System.Collections;
using System.Management.Automation;
using PSAssistants.Client;
using PSAssistants.Commands.Waiting;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

// The cmdlet's side of waiting for runs: a RunWaiter (Commands/Waiting) does the following; this part gives it
// the pipeline thread and the output streams, and turns where the wait ended into output and errors.
public abstract partial class OaiApiCmdlet
{
    private static readonly string[] s_hostTag = { "PSHOST" };

    /// <summary>Creates a run and follows it to its end (Start-OaiRun -Wait / -Stream).</summary>
    private protected OaiRun StartAndFollow(string threadId, RunCreateOptions options, WaitOptions wait) =>
        Finish(NewWaiter(wait).StartAndFollow(threadId, options), wait);

    /// <summary>Follows a run whose stream (or JSON answer) is already open (a run just started).</summary>
    private protected OaiRun FollowStarted(RunStart start, WaitOptions wait) => Finish(NewWaiter(wait).FollowStarted(start), wait);

    /// <summary>Follows what submitting the answers to <paramref name="asked"/>'s calls opened; those calls are never taken as pending again.</summary>
    private protected OaiRun FollowAnswered(OaiRun asked, IReadOnlyList<ToolOutput> outputs, RunStart start, WaitOptions wait) =>
        Finish(NewWaiter(wait).FollowAnswered(asked, outputs.Select(o => o.CallId), start), wait);

    /// <summary>Follows an existing run to its end (Wait-OaiRun): by its stream where the protocol can attach, else by polling.</summary>
    private protected OaiRun Follow(OaiRun run, WaitOptions wait) => Finish(NewWaiter(wait).FollowExisting(run), wait);

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

    private RunWaiter NewWaiter(WaitOptions wait) => new(Adapter, new CmdletWaitHost(this), wait);

    /// <summary>
    /// A timed-out wait is written as OaiRunWaitTimeout; failed and expired runs are returned and also written as a
    /// non-terminating error, so -ErrorAction Stop stops a runbook.
    /// </summary>
    private OaiRun Finish(WaitResult result, WaitOptions wait)
    {
        var run = result.Run;
        if (result.TimedOut)
        {
            WriteError(new ErrorRecord(
                new TimeoutException($"Run {run.Id} of thread {run.ThreadId} was still '{run.Status}' after {wait.TimeoutSec} s; it goes on at the server (Stop-OaiRun cancels it)."),
                "OaiRunWaitTimeout", ErrorCategory.OperationTimeout, run));
            return run;
        }
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

    /// <summary>The cmdlet as a wait's host: its Await, its streams, and progress where someone sees it.</summary>
    private sealed class CmdletWaitHost : IWaitHost
    {
        private readonly OaiApiCmdlet _cmdlet;
        private readonly WaitProgress _progress;

        public CmdletWaitHost(OaiApiCmdlet cmdlet)
        {
            _cmdlet = cmdlet;
            _progress = new WaitProgress(cmdlet, cmdlet.ProgressWanted);
        }

        public CancellationToken StopToken => _cmdlet.StopToken;

        public bool Streaming => _cmdlet.CurrentSession.Streaming;

        public int MaxRetries => _cmdlet.CallMaxRetries ?? _cmdlet.CurrentSession.MaxRetries;

        public T Await<T>(Func<CancellationToken, Task<T>> operation) => _cmdlet.Await(operation);

        public void WriteVerbose(string text) => _cmdlet.WriteVerbose(text);

        public void WriteHostText(string text) =>
            _cmdlet.WriteInformation(new HostInformationMessage { Message = text, NoNewLine = true }, s_hostTag);

        public void ShowProgress(OaiRun run, TimeSpan elapsed) => _progress.Show(run, elapsed);

        public void CompleteProgress() => _progress.Complete();
    }
}
