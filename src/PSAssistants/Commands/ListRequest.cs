using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>
/// What a Get-* list cmdlet's -First, -After and -Order ask for, and the one rule that turns them into a listing.
/// All six list cmdlets build one from their parameters and write through <see cref="OaiApiCmdlet.WriteList"/>;
/// the paging itself (limit, the after cursor of each page, stopping at -First) is the client's OaiPager.
/// -All is not here: it is a compatibility switch that changes nothing (every page is listed without it).
/// </summary>
internal readonly record struct ListRequest(int? First, string? After, string Order)
{
    /// <summary>
    /// What to ask the server for: the order as the API spells it (-Order takes any case), the cursor, and -First.
    /// With a client-side filter (-Name, -FileName) -First counts matches, not items, so the server's list is not
    /// capped and the writer stops at the last match instead.
    /// </summary>
    public ListOptions Options(bool filtered) =>
        new() { Order = Order.ToLowerInvariant(), After = After, First = filtered ? null : First };
}
