using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Gets vector stores by id, or lists them (newest first).</summary>
[Cmdlet(VerbsCommon.Get, "OaiVectorStore", DefaultParameterSetName = ListSet)]
[OutputType(typeof(OaiVectorStore))]
public sealed class GetOaiVectorStoreCommand : IdOrListCmdlet
{
    /// <summary>Lists newest first unless -Order says otherwise.</summary>
    public GetOaiVectorStoreCommand() : base(defaultOrder: "desc")
    {
    }

    /// <summary>Vector store ids, or OaiVectorStore objects.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true)]
    [Alias("VectorStoreId", "VectorStore")]
    [ValidateNotNullOrEmpty]
    public object[] Id { get; set; } = Array.Empty<object>();

    /// <summary>Only stores whose name matches this wildcard pattern.</summary>
    [Parameter(ParameterSetName = ListSet, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    private protected override void GetById()
    {
        var files = Adapter.Files;
        GetEach(Id, OaiFileCmdlet.VectorStoreIdOf, files.GetVectorStoreAsync);
    }

    private protected override void List(ListRequest request)
    {
        var files = Adapter.Files;
        WriteList(request, files.ListVectorStoresAsync, NameMatch<OaiVectorStore>(Name, v => v.Name));
    }
}
