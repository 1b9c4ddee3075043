using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Deletes a thread and its messages.</summary>
[Cmdlet(VerbsCommon.Remove, "OaiThread", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveOaiThreadCommand : OaiApiCmdlet
{
    /// <summary>A thread id, or an object that carries one (thread, message, run).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("Id", "ThreadId")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var threadId = InputResolver.ThreadId(Thread);
        if (!ShouldProcess(threadId, "Delete thread")) return;
        var adapter = Adapter;
        Await(ct => adapter.DeleteThreadAsync(threadId, ct));
    }
}
