using PSAssistants.Protocols;

namespace PSAssistants.Commands.Waiting;

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
    public IToolAnswerer? Tools { get; init; }

    /// <summary>
    /// MCP tools whose calls the wait approves (Start-OaiRun -ApproveMcpTool): a tool name, or server_label/name.
    /// An approval request for any other tool returns the run at requires_action: nothing is approved unasked.
    /// </summary>
    public IReadOnlyCollection<string>? ApproveMcpTools { get; init; }

    /// <summary>
    /// Collects the text the run's stream writes (since it last asked for tool outputs), so a streamed run's reply
    /// needs no further request (Start-OaiRun's OutputText); null collects nothing.
    /// </summary>
    public System.Text.StringBuilder? Text { get; init; }

    /// <summary>Whether the wait can answer anything at requires_action, or returns the run there at once.</summary>
    public bool AnswersAnything => Tools is not null || ApproveMcpTools is { Count: > 0 };
}

/// <summary>Answers the function calls of a run in requires_action (ToolAnswerer runs PowerShell commands).</summary>
internal interface IToolAnswerer
{
    IReadOnlyList<ToolOutput> Answer(OaiRun run, IEnumerable<OaiToolCall> calls);
}

/// <summary>The timings of a wait, named so that they are read and tuned in one place (tests make them zero).</summary>
internal sealed record WaitTimings
{
    public static readonly WaitTimings Default = new();

    /// <summary>The first poll's delay; short, since many runs end within a second.</summary>
    public TimeSpan FirstPoll { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Each poll waits this much longer than the one before...</summary>
    public double PollGrowth { get; init; } = 1.5;

    /// <summary>...up to this, so a long run's end is seen at most this late.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Failed polls in a row (each already retried by the client) after which a wait gives up.</summary>
    public int MaxFailedPolls { get; init; } = 10;

    /// <summary>How long Ctrl+C may spend cancelling the run on the server before the cmdlet ends anyway.</summary>
    public TimeSpan CancelOnStopTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>Where a wait ended: the run as last seen, and whether time ran out before it settled.</summary>
internal readonly record struct WaitResult(OaiRun Run, bool TimedOut);

/// <summary>
/// What a wait needs from the cmdlet that runs it: awaiting on the pipeline thread (which relays the log and
/// honours Ctrl+C) and its output streams. Tests give a fake; OaiApiCmdlet gives itself.
/// </summary>
internal interface IWaitHost
{
    /// <summary>Cancelled by Ctrl+C.</summary>
    CancellationToken StopToken { get; }

    /// <summary>Whether the session asks servers to stream.</summary>
    bool Streaming { get; }

    /// <summary>The call's -MaxRetries, else the session's: also how often a stream that named no run is sent again.</summary>
    int MaxRetries { get; }

    T Await<T>(Func<CancellationToken, Task<T>> operation);

    void WriteVerbose(string text);

    /// <summary>Text for the host, without a line break (Write-Host -NoNewline).</summary>
    void WriteHostText(string text);

    void ShowProgress(OaiRun run, TimeSpan elapsed);

    void CompleteProgress();
}

/// <summary>The state of one wait, instead of values passed by ref between its steps.</summary>
internal sealed class WaitState
{
    /// <summary>Since the wait began (TimeoutSec counts from here).</summary>
    public System.Diagnostics.Stopwatch Watch { get; } = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>The run as the wait now knows it; null while a stream has not named it yet.</summary>
    public OaiRun? Run { get; set; }

    /// <summary>The run as last seen anywhere in the wait, so Ctrl+C can cancel it whatever the wait was doing.</summary>
    public OaiRun? LastSeen { get; set; }

    /// <summary>The last event sequence number seen in this round, where to attach again after a break.</summary>
    public long? Sequence { get; set; }

    /// <summary>A stream of this round broke off (so the server's own record is read at the end).</summary>
    public bool Interrupted { get; set; }

    /// <summary>
    /// The -TimeoutSec deadline ended a stream read. Its timer can fire a moment before <see cref="Watch"/> says the
    /// time is up, so the wait goes by this rather than asking the clock again.
    /// </summary>
    public bool OutOfTime { get; set; }

    /// <summary>How often this round's starting request was sent again because its stream named no run.</summary>
    public int Reopened { get; set; }

    /// <summary>The tool calls (and approval requests) answered in this wait: none is ever answered twice.</summary>
    public HashSet<string> Answered { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A run that still shows calls already answered is an old state (read before the server took the answers),
    /// not one to settle on.
    /// </summary>
    public bool IsAnsweredAlready(OaiRun run) =>
        run.Status == OaiRunStatus.RequiresAction && run.RequiredAction?.ToolCalls.Any(c => Answered.Contains(c.Id)) == true;

    /// <summary>A round lasts until the run settles once (requires_action or an end); answering tools starts another.</summary>
    public void NewRound()
    {
        Sequence = null;
        Interrupted = false;
        Reopened = 0;
    }

    public void Saw(OaiRun run) => Run = LastSeen = run;
}
