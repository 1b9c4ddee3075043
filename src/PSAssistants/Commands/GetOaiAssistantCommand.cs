using System.Management.Automation;
using PSAssistants.Protocols;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Gets one assistant by id, or lists assistants.</summary>
[Cmdlet(VerbsCommon.Get, "OaiAssistant", DefaultParameterSetName = ListSet)]
[OutputType(typeof(OaiAssistant))]
public sealed class GetOaiAssistantCommand : OaiApiCmdlet
{
    private const string ListSet = "List";
    private const string IdSet = "Id";

    /// <summary>Assistant ids, or objects that name an assistant (an assistant, or a run by its AssistantId).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(AssistantIdCompleter))]
    [Alias("AssistantId", "Assistant")]
    [ValidateNotNullOrEmpty]
    public object[] Id { get; set; } = Array.Empty<object>();

    /// <summary>Only assistants whose name matches this wildcard pattern.</summary>
    [Parameter(ParameterSetName = ListSet, Position = 0)]
    [SupportsWildcards]
    public string? Name { get; set; }

    /// <summary>At most this many assistants (matches, with -Name).</summary>
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
        var adapter = Adapter;
        if (ParameterSetName == IdSet)
        {
            // One missing assistant must not hide the others: each id fails on its own.
            ForEachItem(Id, item =>
            {
                var id = AssistantIdOf(item);
                Emit(Await(ct => adapter.GetAssistantAsync(id, ct)));
            });
            return;
        }

        var pattern = Name is null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        // With a name filter, -First counts matches, so the listing itself is not capped but stops at the last match.
        var options = new ListOptions { Order = Order.ToLowerInvariant(), First = pattern is null ? First : null, After = After };
        WriteEach(adapter.ListAssistantsAsync(options, StopToken), pattern is null ? null : a => pattern.IsMatch(a.Name ?? ""),
            pattern is null ? null : First);
    }
}
