using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>
/// Lists a thread's messages, oldest first across pages, or only those a run produced when a run is
/// piped in or -RunId is given. -Id gets one message.
/// </summary>
[Cmdlet(VerbsCommon.Get, "OaiMessage", DefaultParameterSetName = ListSet)]
[OutputType(typeof(OaiMessage))]
public sealed class GetOaiMessageCommand : IdOrListCmdlet
{
    /// <summary>Lists oldest first unless -Order says otherwise: a conversation reads top down.</summary>
    public GetOaiMessageCommand() : base(defaultOrder: "asc")
    {
    }

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

    private protected override void GetById()
    {
        var threadId = InputResolver.ThreadId(Thread);
        var adapter = Adapter;
        Emit(Await(ct => adapter.GetMessageAsync(threadId, Id, ct)));
    }

    private protected override void List(ListRequest request)
    {
        var threadId = InputResolver.ThreadId(Thread);
        var runId = RunId ?? InputResolver.AsRun(Thread)?.Id;
        var adapter = Adapter;
        WriteList(request, (options, ct) => adapter.ListMessagesAsync(threadId, runId, options, ct));
    }
}
