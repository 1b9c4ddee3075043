using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Gets a thread by id, or the thread of a message or run.</summary>
[Cmdlet(VerbsCommon.Get, "OaiThread")]
[OutputType(typeof(OaiThread))]
public sealed class GetOaiThreadCommand : OaiApiCmdlet
{
    /// <summary>A thread id, or an object that carries one (thread, message, run).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("Thread", "ThreadId")]
    [ValidateNotNull]
    public object Id { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var threadId = InputResolver.ThreadId(Id);
        var adapter = Adapter;
        Emit(Await(ct => adapter.GetThreadAsync(threadId, ct)));
    }
}
