using System.Management.Automation;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>
/// Lists a thread's messages, oldest first across pages, or only those a run produced when a run is
/// piped in or -RunId is given. -Id gets one message.
/// </summary>
[Cmdlet(VerbsCommon.Get, "OaiMessage", DefaultParameterSetName = ListSet)]
[OutputType(typeof(OaiMessage))]
public sealed class GetOaiMessageCommand : OaiApiCmdlet
{
    private const string ListSet = "List";
    private const string IdSet = "Id";

    /// <summary>A thread id, or an object that carries one; a run object narrows the list to that run.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("ThreadId", "Run")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    /// <summary>The id of one message to get.</summary>
    [Parameter(ParameterSetName = IdSet, Mandatory = true)]
    [Alias("MessageId")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>Only the messages this run wrote.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? RunId { get; set; }

    /// <summary>At most this many messages.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Starts the list after this id (the cursor of the previous page's last item).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? After { get; set; }

    /// <summary>Compatibility only: every page is listed without it too (-First still caps the list); kept so scripts that pass it keep working.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter All { get; set; }

    /// <summary>asc (oldest first, the default) or desc (newest first).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("asc", "desc")]
    public string Order { get; set; } = "asc";

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var threadId = InputResolver.ThreadId(Thread);
        var adapter = Adapter;
        if (ParameterSetName == IdSet)
        {
            Emit(Await(ct => adapter.GetMessageAsync(threadId, Id, ct)));
            return;
        }
        var runId = RunId ?? InputResolver.AsRun(Thread)?.Id;
        WriteEach(adapter.ListMessagesAsync(threadId, runId, new ListOptions { Order = Order.ToLowerInvariant(), First = First, After = After }, StopToken));
    }
}
