using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Deletes a message from its thread.</summary>
[Cmdlet(VerbsCommon.Remove, "OaiMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(void))]
public sealed class RemoveOaiMessageCommand : MessageTargetCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var (threadId, messageId) = Target;
        if (!ShouldProcess(messageId, "Delete message")) return;
        var adapter = Adapter;
        Await(ct => adapter.DeleteMessageAsync(threadId, messageId, ct));
    }
}
