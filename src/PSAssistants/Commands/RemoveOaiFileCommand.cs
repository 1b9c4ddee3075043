using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Deletes files; the server also removes them from every vector store.</summary>
[Cmdlet(VerbsCommon.Remove, "OaiFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveOaiFileCommand : OaiFileCmdlet
{
    /// <summary>File ids or OaiFile objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Id", "FileId")]
    [ValidateNotNullOrEmpty]
    public object[] File { get; set; } = Array.Empty<object>();

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var files = Files;
        ForEachItem(File, item =>
        {
            var id = FileIdOf(item);
            var label = InputResolver.Unwrap(item) is OaiFile f && f.FileName.Length > 0 ? $"{id} ({f.FileName})" : id;
            if (!ShouldProcess(label, "Delete file")) return;
            Await(ct => files.DeleteFileAsync(id, ct));
        });
    }
}
