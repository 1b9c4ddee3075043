using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>
/// Gets a run (fresh from the server), or lists the runs of a thread. Not on IdOrListCmdlet: its -First, -After,
/// -All and -Order apply in its only parameter set, so it declares them; the listing rule is the shared
/// ListRequest and WriteList.
/// </summary>
[Cmdlet(VerbsCommon.Get, "OaiRun")]
[OutputType(typeof(OaiRun))]
public sealed class GetOaiRunCommand : OaiApiCmdlet
{
    /// <summary>A thread id or an object that carries one; a run object gets that run.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("ThreadId", "Run")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    /// <summary>The id of one run to get.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [Alias("RunId")]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    /// <summary>At most this many runs.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Starts the list after this run id.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? After { get; set; }

    /// <summary>Compatibility only: every page is listed without it too (-First still caps the list); kept so scripts that pass it keep working.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>desc (newest first, the default) or asc.</summary>
    [Parameter]
    [ValidateSet("asc", "desc")]
    public string Order { get; set; } = "desc";

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var threadId = InputResolver.ThreadId(Thread);
        var runId = Id ?? InputResolver.AsRun(Thread)?.Id;
        var adapter = Adapter;
        if (runId is not null)
        {
            Emit(Await(ct => adapter.GetRunAsync(threadId, runId, ct)));
            return;
        }
        WriteList(new ListRequest(First, After, Order), (options, ct) => adapter.ListRunsAsync(threadId, options, ct));
    }
}
