using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Deletes vector stores. Their files stay (Remove-OaiFile deletes those).</summary>
[Cmdlet(VerbsCommon.Remove, "OaiVectorStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveOaiVectorStoreCommand : OaiFileCmdlet
{
    /// <summary>Vector store ids or OaiVectorStore objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Id", "VectorStoreId")]
    [ValidateNotNullOrEmpty]
    public object[] VectorStore { get; set; } = Array.Empty<object>();

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var files = Files;
        ForEachItem(VectorStore, item =>
        {
            var id = VectorStoreIdOf(item);
            var label = InputResolver.Unwrap(item) is OaiVectorStore { Name: { Length: > 0 } name } ? $"{id} ({name})" : id;
            if (!ShouldProcess(label, "Delete vector store")) return;
            Await(ct => files.DeleteVectorStoreAsync(id, ct));
        });
    }
}
