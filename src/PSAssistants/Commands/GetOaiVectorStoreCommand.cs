using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Gets vector stores by id, or lists them (newest first).</summary>
[Cmdlet(VerbsCommon.Get, "OaiVectorStore", DefaultParameterSetName = ListSet)]
[OutputType(typeof(OaiVectorStore))]
public sealed class GetOaiVectorStoreCommand : OaiFileCmdlet
{
    private const string ListSet = "List";
    private const string IdSet = "Id";

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

    /// <summary>At most this many vector stores (matches, with -Name).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Starts the list after this id (the cursor of the previous page's last item).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? After { get; set; }

    /// <summary>Compatibility only: every page is listed without it too (-First still caps the list); kept so scripts that pass it keep working.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter All { get; set; }

    /// <summary>desc (newest first, the default) or asc.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("asc", "desc")]
    public string Order { get; set; } = "desc";

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var files = Files;
        if (ParameterSetName == IdSet)
        {
            ForEachItem(Id, item =>
            {
                var id = VectorStoreIdOf(item);
                Emit(Await(ct => files.GetVectorStoreAsync(id, ct)));
            });
            return;
        }
        var pattern = Name is null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        WriteEach(files.ListVectorStoresAsync(Order.ToLowerInvariant(), pattern is null ? First : null, StopToken, After),
            pattern is null ? null : v => pattern.IsMatch(v.Name ?? ""), pattern is null ? null : First);
    }
}
