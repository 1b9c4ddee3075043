using System.Collections;
using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Replaces a message's metadata (Assistants v2; conversation items on Responses have none).</summary>
[Cmdlet(VerbsCommon.Set, "OaiMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(OaiMessage))]
public sealed class SetOaiMessageCommand : MessageTargetCmdlet
{
    /// <summary>The message's new metadata, up to 16 key-value pairs.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Hashtable Metadata { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var (threadId, messageId) = Target;
        var metadata = OaiMetadata.FromHashtable(Metadata)!;
        if (!ShouldProcess(messageId, "Update message metadata")) return;
        var adapter = Adapter;
        Emit(Await(ct => adapter.UpdateMessageAsync(threadId, messageId, metadata, ct)));
    }
}
