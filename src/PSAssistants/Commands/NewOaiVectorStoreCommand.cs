using System.Collections;
using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Creates a vector store, optionally with files, for the file_search tool.</summary>
[Cmdlet(VerbsCommon.New, "OaiVectorStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiVectorStore))]
public sealed class NewOaiVectorStoreCommand : OaiFileCmdlet
{
    /// <summary>The vector store's name.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Files to index in the store: ids or OaiFile objects (up to 500; use Add-OaiVectorStoreFile for more).</summary>
    [Parameter(ValueFromPipeline = true)]
    [Alias("File")]
    [ValidateNotNullOrEmpty]
    public object[]? FileId { get; set; }

    /// <summary>Up to 16 key-value pairs to store with the vector store.</summary>
    [Parameter]
    public Hashtable? Metadata { get; set; }

    private readonly List<string> _fileIds = new();

    /// <summary>Piped files are gathered, so that one store holds all of them.</summary>
    protected override void ProcessItem()
    {
        foreach (var item in FileId ?? Array.Empty<object>()) _fileIds.Add(FileIdOf(item));
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (_fileIds.Count > 500)
        {
            ThrowTerminatingError(new ErrorRecord(new OaiArgumentException($"A vector store is created with at most 500 files; {_fileIds.Count} were given. Add the rest with Add-OaiVectorStoreFile."),
                "OaiInvalidArgument", ErrorCategory.InvalidArgument, null));
        }
        var ids = _fileIds.Distinct(StringComparer.Ordinal).ToArray();
        Dictionary<string, string>? metadata;
        try
        {
            metadata = OaiMetadata.FromHashtable(Metadata);
        }
        catch (OaiArgumentException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "OaiInvalidArgument", ErrorCategory.InvalidArgument, Metadata));
            return;
        }
        if (!ShouldProcess(Name ?? "(unnamed)", ids.Length == 0 ? "Create vector store" : $"Create vector store with {ids.Length} file(s)")) return;
        var files = Files;
        try
        {
            Emit(Await(ct => files.CreateVectorStoreAsync(Name, ids, metadata, ct)));
        }
        catch (Client.OaiApiException ex)
        {
            WriteError(ToErrorRecord(ex, Name));
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }
}
