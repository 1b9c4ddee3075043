using System.Collections;
using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Replaces a thread's metadata.</summary>
[Cmdlet(VerbsCommon.Set, "OaiThread", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiThread))]
public sealed class SetOaiThreadCommand : OaiApiCmdlet
{
    /// <summary>A thread id, or an object that carries one (thread, message, run).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("Id", "ThreadId")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    /// <summary>The thread's new metadata, up to 16 key-value pairs.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Hashtable Metadata { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var threadId = InputResolver.ThreadId(Thread);
        var metadata = OaiMetadata.FromHashtable(Metadata)!;
        if (!ShouldProcess(threadId, "Update thread metadata")) return;
        var adapter = Adapter;
        Emit(Await(ct => adapter.UpdateThreadAsync(threadId, metadata, ct)));
    }
}
