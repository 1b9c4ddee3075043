using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Cancels a run and returns it (status cancelling, then cancelled).</summary>
[Cmdlet(VerbsLifecycle.Stop, "OaiRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(OaiRun))]
public sealed class StopOaiRunCommand : RunTargetCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var (threadId, runId) = Target;
        if (!ShouldProcess(runId, "Cancel run")) return;
        var adapter = Adapter;
        Emit(Await(ct => adapter.CancelRunAsync(threadId, runId, ct)));
    }
}
