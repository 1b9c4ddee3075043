using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>
/// Base of the Get-* cmdlets that either get objects by -Id or list them (Get-OaiAssistant, Get-OaiFile,
/// Get-OaiVectorStore, Get-OaiMessage): -First, -After, -All and -Order are declared once here, in the List
/// parameter set, and ProcessItem goes to GetById or List by the set bound. Each cmdlet keeps its own -Id (their
/// types and pipeline binding differ) and names its default order.
/// Get-OaiRun and Get-OaiRunStep list in every parameter set, so they cannot take these declarations (a
/// parameter's set is fixed in its attribute, and Get-OaiRunStep's base is RunTargetCmdlet): they declare the four
/// themselves and share the rest, <see cref="ListRequest"/> and <see cref="OaiApiCmdlet.WriteList"/>.
/// </summary>
public abstract class IdOrListCmdlet : OaiApiCmdlet
{
    /// <summary>The parameter set that lists (the default of every cmdlet on this base).</summary>
    protected const string ListSet = "List";
    /// <summary>The parameter set that gets objects by id.</summary>
    protected const string IdSet = "Id";

    /// <summary>Sets the order a list has when -Order is not given: asc (oldest first) or desc (newest first).</summary>
    private protected IdOrListCmdlet(string defaultOrder) => Order = defaultOrder;

    /// <summary>At most this many objects (matches, when a name filter is given).</summary>
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

    /// <summary>asc (oldest first) or desc (newest first); the default is the cmdlet's (see its help).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("asc", "desc")]
    public string Order { get; set; }

    /// <inheritdoc/>
    protected sealed override void ProcessItem()
    {
        if (ParameterSetName == IdSet) GetById();
        else List(new ListRequest(First, After, Order));
    }

    /// <summary>Gets and writes the objects -Id names.</summary>
    private protected abstract void GetById();

    /// <summary>Lists the objects, through <see cref="OaiApiCmdlet.WriteList"/>.</summary>
    private protected abstract void List(ListRequest request);

    /// <summary>
    /// Gets each of <paramref name="items"/> (ids, or objects that carry one) on its own, so one missing object does
    /// not hide the others: each failure is written as that item's error and the next goes on.
    /// </summary>
    private protected void GetEach<T>(object[] items, Func<object, string> idOf, Func<string, CancellationToken, Task<T>> get) =>
        ForEachItem(items, item =>
        {
            var id = idOf(item);
            Emit(Await(ct => get(id, ct)));
        });

    /// <summary>A filter by a -Name wildcard (case-insensitive; a missing name matches as ""), or null without one.</summary>
    private protected static Func<T, bool>? NameMatch<T>(string? pattern, Func<T, string?> nameOf)
    {
        if (pattern is null) return null;
        var wildcard = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
        return item => wildcard.IsMatch(nameOf(item) ?? "");
    }
}
