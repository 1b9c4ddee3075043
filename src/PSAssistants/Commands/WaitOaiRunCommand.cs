using System.Collections;
using System.Management.Automation;
using PSAssistants.Commands.Waiting;

namespace PSAssistants.Commands;

/// <summary>Waits for a run to end (or to require action) and returns it.</summary>
[Cmdlet(VerbsLifecycle.Wait, "OaiRun", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(OaiRun))]
public sealed class WaitOaiRunCommand : RunTargetCmdlet
{
    /// <summary>The longest to wait, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    /// <summary>Leaves the run going on the server when the wait is stopped with Ctrl+C (by default it is cancelled).</summary>
    [Parameter]
    public SwitchParameter NoCancelOnStop { get; set; }

    /// <summary>Answers for tool calls by function name, overriding the assistant's: @{ name = { param($arguments) ... } }.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? ToolHandler { get; set; }

    /// <summary>Returns the run at requires_action instead of answering its tool calls.</summary>
    [Parameter]
    public SwitchParameter NoAutoTool { get; set; }

    /// <summary>
    /// MCP tools whose calls the wait approves: a tool name, or server_label/name. Any other approval request
    /// returns the run at requires_action; nothing is approved unless named here.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ApproveMcpTool { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var (threadId, runId) = Target;
        var adapter = Adapter;
        // Where the stream a wait attaches to replays the run from its start, a piped run needs no fresh read
        // first; elsewhere the read is the first poll.
        var attaches = adapter.ReplaysRunStream && CurrentSession.Streaming
            && RunObject is { IsTerminal: false } piped && piped.Status != OaiRunStatus.RequiresAction;
        var run = attaches ? RunObject! : Await(ct => adapter.GetRunAsync(threadId, runId, ct));
        Emit(Follow(run, new WaitOptions
        {
            TimeoutSec = TimeoutSec,
            CancelOnStop = !NoCancelOnStop,
            Tools = NoAutoTool ? null : NewToolAnswerer(ToolHandler, null),
            ApproveMcpTools = ApproveMcpTool,
        }));
    }
}
