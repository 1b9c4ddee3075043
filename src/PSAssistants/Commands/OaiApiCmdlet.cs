using System.Diagnostics;
using System.Management.Automation;
using PSAssistants.Client;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Base of the cmdlets that talk to the API: the -Session parameter and waiting for runs.</summary>
public abstract class OaiApiCmdlet : OaiCmdlet
{
    /// <summary>
    /// <para type="description">The session to use instead of the default one (see Connect-OaiService).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public OaiSession? Session { get; set; }

    /// <summary>
    /// <para type="description">How often to retry a failed request in this call, instead of the session's -MaxRetries.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 10)]
    public int? MaxRetries { get; set; }

    private protected override int? CallMaxRetries => MaxRetries;

    /// <summary>An Entra token from a scriptblock can only be fetched here, on the pipeline thread.</summary>
    private protected override void BeforeOperation() => CurrentSession.RefreshAccessToken();

    /// <summary>The session in effect: -Session, else the default one (built from the environment if needed).</summary>
    protected OaiSession CurrentSession
    {
        get
        {
            var session = Session ?? OaiSessions.GetOrCreateDefault();
            if (!session.HasApiKey && !OaiSession.IsLoopback(session.BaseUri))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("No API key: set $env:OPENAI_API_KEY or run Connect-OaiService -ApiKey."),
                    "OaiApiKeyMissing", ErrorCategory.AuthenticationError, session.BaseUri));
            }
            return session;
        }
    }

    private protected IProtocolAdapter Adapter => CurrentSession.Adapter;

    /// <summary>
    /// Polls a run until it is terminal or requires_action, with progress, a growing poll interval and an
    /// optional overall timeout. Transient failures of single polls do not end the wait. Failed and expired
    /// runs, and a wait that timed out, return the run as last seen and also write a non-terminating error,
    /// so a script can inspect the run and -ErrorAction Stop stops a runbook.
    /// </summary>
    protected OaiRun WaitForRun(OaiRun run, int? timeoutSec)
    {
        var adapter = Adapter;
        var watch = Stopwatch.StartNew();
        var deadline = timeoutSec is { } t ? TimeSpan.FromSeconds(t) : (TimeSpan?)null;
        var interval = TimeSpan.FromMilliseconds(100);
        var progress = new ProgressRecord(Math.Abs(run.Id.GetHashCode() % 100000) + 1, $"Waiting for run {run.Id}", "Status: " + run.Status);
        try
        {
            while (!run.IsTerminal && run.Status != "requires_action")
            {
                if (deadline is { } d && watch.Elapsed >= d)
                {
                    WriteError(new ErrorRecord(
                        new TimeoutException($"Run {run.Id} of thread {run.ThreadId} was still '{run.Status}' after {timeoutSec} s; it goes on at the server (Stop-OaiRun cancels it)."),
                        "OaiRunWaitTimeout", ErrorCategory.OperationTimeout, run));
                    return run;
                }
                progress.StatusDescription = $"Status: {run.Status} ({watch.Elapsed.TotalSeconds:0} s)";
                WriteProgress(progress);

                var sleep = deadline is { } dl && dl - watch.Elapsed < interval ? dl - watch.Elapsed : interval;
                if (sleep > TimeSpan.Zero) Await(ct => Task.Delay(sleep, ct));
                interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 1.5, 2000));

                var current = run;
                try
                {
                    run = Await(ct => adapter.GetRunAsync(current.ThreadId, current.Id, ct));
                }
                catch (OaiApiException ex) when (OaiClient.IsRetryable(ex))
                {
                    WriteVerbose($"Polling run {run.Id} failed ({ex.Message}); still waiting.");
                }
            }
        }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }

        if (run.Status is "failed" or "expired")
        {
            var why = run.LastError is { } e ? $": {e}" : ".";
            WriteError(new ErrorRecord(
                new InvalidOperationException($"Run {run.Id} of thread {run.ThreadId} ended '{run.Status}'{why}"),
                run.Status == "failed" ? "OaiRunFailed" : "OaiRunExpired",
                run.Status == "failed" ? ErrorCategory.InvalidResult : ErrorCategory.OperationTimeout, run));
        }
        return run;
    }
}
