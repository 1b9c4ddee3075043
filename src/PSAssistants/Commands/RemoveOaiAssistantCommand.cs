using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Deletes an assistant.</summary>
[Cmdlet(VerbsCommon.Remove, "OaiAssistant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveOaiAssistantCommand : OaiApiCmdlet
{
    /// <summary>An assistant object, id, or name (of exactly one assistant of the session).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(AssistantIdCompleter))]
    [Alias("Id", "AssistantId")]
    [ValidateNotNull]
    public object Assistant { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var id = AssistantIdOf(Assistant);
        if (!ShouldProcess(id, "Delete assistant")) return;
        var adapter = Adapter;
        Await(ct => adapter.DeleteAssistantAsync(id, ct));
    }
}
