using System.Collections.Concurrent;
using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Base of every cmdlet: owns the cancellation token (cancelled by Ctrl+C through StopProcessing),
/// runs async client calls while relaying their Verbose/Debug text on the pipeline thread, and turns
/// client failures into ErrorRecords with stable ids.
/// </summary>
public abstract class OaiCmdlet : PSCmdlet, IOaiLogSink, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(bool Verbose, string Text)> _log = new();
    private ManualResetEventSlim? _signal;
    private bool? _verbose;
    private bool? _debug;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken StopToken => _stop.Token;

    /// <summary>
    /// Wakes the pipeline thread; made on first need, since most calls finish without waiting. A slim event spins
    /// briefly before it sleeps, as Task.Wait does: an answer that arrives within microseconds costs no thread switch.
    /// </summary>
    private ManualResetEventSlim Signal => _signal ??= new ManualResetEventSlim(false);

    /// <summary>Ctrl+C: cancels what the cmdlet is waiting for.</summary>
    protected override void StopProcessing()
    {
        _stop.Cancel();
        _signal?.Set();
    }

    /// <summary>Releases the cancellation source and the wake-up event.</summary>
    public void Dispose()
    {
        _signal?.Dispose();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    bool IOaiLogSink.VerboseEnabled => _verbose ??= StreamEnabled("Verbose", "VerbosePreference");

    bool IOaiLogSink.DebugEnabled => _debug ??= StreamEnabled("Debug", "DebugPreference");

    /// <summary>-Verbose/-Debug when given, else the preference variable in scope.</summary>
    private bool StreamEnabled(string parameter, string preference)
    {
        if (MyInvocation.BoundParameters.TryGetValue(parameter, out var value))
            return LanguagePrimitives.IsTrue(value);
        return GetVariableValue(preference) is { } p && LanguagePrimitives.ConvertTo<ActionPreference>(p) is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
    }

    /// <summary>
    /// Whether progress is worth writing: not when the console host's output is redirected (a runbook's log,
    /// where each update would be noise). Hosted runspaces keep their progress stream as it is.
    /// </summary>
    private protected bool ProgressWanted => !(Host.Name == "ConsoleHost" && Console.IsOutputRedirected);

    /// <summary>Runs on the pipeline thread before each operation (the API cmdlets renew access tokens here).</summary>
    private protected virtual void BeforeOperation()
    {
    }

    /// <summary>Runs on the pipeline thread when a new pipeline input arrives, before ProcessItem.</summary>
    private protected virtual void BeginItem()
    {
    }

    /// <summary>The session the objects this cmdlet writes were made with, if any (see OaiObject).</summary>
    private protected virtual OaiSession? MakingSession => null;

    /// <summary>How often this cmdlet's requests are retried, when it overrides the session's setting.</summary>
    private protected virtual int? CallMaxRetries => null;

    /// <summary>What the client layer hears of this call: its log relay and its -MaxRetries (bound once per call).</summary>
    private OaiCallContext CallContext => _callContext ??= new OaiCallContext(this, CallMaxRetries);

    private OaiCallContext? _callContext;

    /// <summary>The cmdlet's work for one pipeline input; failures of this item become ErrorRecords.</summary>
    protected abstract void ProcessItem();

    /// <summary>Runs ProcessItem for one pipeline input and turns its failures into ErrorRecords.</summary>
    protected sealed override void ProcessRecord()
    {
        try
        {
            BeginItem();
            ProcessItem();
        }
        catch (OaiApiException ex)
        {
            WriteError(ToErrorRecord(ex, null));
        }
        catch (OaiArgumentException ex)
        {
            // Only the module's own refusals: any other ArgumentException is a bug here, not the caller's mistake.
            WriteError(new ErrorRecord(ex, "OaiInvalidArgument", ErrorCategory.InvalidArgument, null));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Runs an async operation to completion on the pipeline thread, relaying its log as it goes.</summary>
    protected T Await<T>(Func<CancellationToken, Task<T>> operation)
    {
        BeforeOperation();
        Task<T> task;
        using (OaiCallContext.Enter(CallContext))
        {
            task = operation(_stop.Token);
        }

        if (!task.IsCompleted)
        {
            var signal = Signal;
            task.ContinueWith(static (_, s) => ((ManualResetEventSlim)s!).Set(), signal, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            while (true)
            {
                // Reset before looking, so a log line or the completion that comes after the look still wakes the Wait.
                signal.Reset();
                DrainLog();
                if (task.IsCompleted) break;
                signal.Wait();
            }
        }
        DrainLog();
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Runs an async operation without a result to completion on the pipeline thread, relaying its log.</summary>
    protected void Await(Func<CancellationToken, Task> operation) =>
        Await<bool>(async ct => { await operation(ct).ConfigureAwait(false); return true; });

    /// <summary>
    /// Writes an object, remembers its ids for tab completion and, for the module's own objects, the session that
    /// made them. Every cmdlet writes through here rather than WriteObject, so a new OaiObject type needs nothing more.
    /// </summary>
    protected void Emit(object? item)
    {
        if (item is OaiObject o && MakingSession is { } session) o.Remember(session);
        RecentIds.Seen(item);
        WriteObject(item);
    }

    /// <summary>Runs <paramref name="action"/> for each item; a failure of one item is written as its error and the next goes on.</summary>
    private protected void ForEachItem(IEnumerable<object> items, Action<object> action)
    {
        foreach (var item in items)
        {
            try
            {
                action(item);
            }
            catch (OaiApiException ex)
            {
                WriteError(ToErrorRecord(ex, item));
            }
            catch (OaiArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "OaiInvalidArgument", ErrorCategory.InvalidArgument, item));
            }
        }
    }

    /// <summary>Writes each item of a paged list as it arrives, so the pipeline sees objects page by page.</summary>
    protected void WriteEach<T>(IAsyncEnumerable<T> source, Func<T, bool>? filter = null, int? first = null)
    {
        // Most items are already in memory (the rest of a page): only a step that must wait goes through Await.
        var scope = OaiCallContext.Enter(CallContext);
        var e = source.GetAsyncEnumerator(_stop.Token);
        var left = first ?? int.MaxValue;
        try
        {
            while (left > 0)
            {
                BeforeOperation();
                var step = e.MoveNextAsync();
                var more = step.IsCompletedSuccessfully ? step.Result : Await(_ => step.AsTask());
                if (!more) break;
                if (filter is not null && !filter(e.Current)) continue;
                Emit(e.Current);
                left--;
            }
        }
        finally
        {
            Await(_ => e.DisposeAsync().AsTask());
            scope.Dispose();
        }
    }

    void IOaiLogSink.Verbose(string message)
    {
        _log.Enqueue((true, message));
        _signal?.Set();
    }

    void IOaiLogSink.Debug(string message)
    {
        _log.Enqueue((false, message));
        _signal?.Set();
    }

    private void DrainLog()
    {
        while (_log.TryDequeue(out var entry))
        {
            // Request bodies and server answers may hold secrets (MCP header values): masked on the way out.
            var text = OaiSecrets.Redact(entry.Text);
            if (entry.Verbose) WriteVerbose(text);
            else WriteDebug(text);
        }
    }

    /// <summary>Stable ErrorIds and categories per kind of failure, so runbooks can branch on them.</summary>
    internal static ErrorRecord ToErrorRecord(OaiApiException ex, object? target)
    {
        ex = Redacted(ex);
        var (id, category) = ex.Kind switch
        {
            OaiErrorKind.InvalidId => ("OaiInvalidId", ErrorCategory.InvalidArgument),
            OaiErrorKind.AssistantStoreInvalid => ("OaiAssistantStoreInvalid", ErrorCategory.InvalidData),
            OaiErrorKind.AssistantNameNotFound => ("OaiAssistantNameNotFound", ErrorCategory.ObjectNotFound),
            OaiErrorKind.AssistantNameAmbiguous => ("OaiAssistantNameAmbiguous", ErrorCategory.InvalidArgument),
            OaiErrorKind.InvalidRequest => ("OaiInvalidRequest", ErrorCategory.InvalidArgument),
            OaiErrorKind.Authentication => ("OaiAuthenticationFailed", ErrorCategory.AuthenticationError),
            OaiErrorKind.PermissionDenied => ("OaiPermissionDenied", ErrorCategory.PermissionDenied),
            OaiErrorKind.NotFound => ("OaiNotFound", ErrorCategory.ObjectNotFound),
            OaiErrorKind.Conflict => ("OaiConflict", ErrorCategory.ResourceExists),
            OaiErrorKind.RateLimit => ("OaiRateLimited", ErrorCategory.LimitsExceeded),
            OaiErrorKind.Server => ("OaiServerError", ErrorCategory.ConnectionError),
            OaiErrorKind.Timeout => ("OaiTimeout", ErrorCategory.OperationTimeout),
            OaiErrorKind.Connection => ("OaiConnectionFailed", ErrorCategory.ConnectionError),
            OaiErrorKind.Protocol => ("OaiProtocolError", ErrorCategory.ProtocolError),
            OaiErrorKind.NotSupported => ("OaiNotSupported", ErrorCategory.NotImplemented),
            OaiErrorKind.RedirectRefused => ("OaiRedirectRefused", ErrorCategory.SecurityError),
            _ => ("OaiError", ErrorCategory.NotSpecified),
        };
        var record = new ErrorRecord(ex, id, category, target);
        var advice = ex.Kind switch
        {
            OaiErrorKind.Authentication => "Check the API key: set $env:OPENAI_API_KEY or run Connect-OaiService -ApiKey.",
            OaiErrorKind.RateLimit => "Wait and try again, or raise the session's -MaxRetries.",
            OaiErrorKind.Connection or OaiErrorKind.Server => "Try again later; the request was retried as the session allows.",
            _ => null,
        };
        if (advice is not null) record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = advice };
        return record;
    }

    /// <summary>
    /// The error as a user may see it: a server that quotes a request's secrets back (an MCP header value in its
    /// message) gets them masked. The same exception when it holds none, the common case.
    /// </summary>
    internal static OaiApiException Redacted(OaiApiException ex)
    {
        if (!OaiSecrets.Contains(ex.Message) && (ex.ApiMessage is null || !OaiSecrets.Contains(ex.ApiMessage))) return ex;
        return new OaiApiException(ex.Kind, OaiSecrets.Redact(ex.Message))
        {
            StatusCode = ex.StatusCode,
            ErrorType = ex.ErrorType,
            ErrorCode = ex.ErrorCode,
            Param = ex.Param,
            ApiMessage = ex.ApiMessage is null ? null : OaiSecrets.Redact(ex.ApiMessage),
            RequestId = ex.RequestId,
            Request = ex.Request,
        };
    }
}
