using System.Runtime.CompilerServices;

namespace PSAssistants.Client;

/// <summary>
/// Walks a cursor-paged list (after / has_more), yielding each item as its page arrives so the pipeline
/// sees the first object after the first page and memory stays flat in the list's length.
/// </summary>
internal static class OaiPager
{
    /// <summary>
    /// Yields the items of <c>path</c> from the first page on; <c>getPage</c> fetches one page by its path and
    /// query (the client's GET with retries); <c>first</c> stops after that many items (null: all).
    /// </summary>
    public static async IAsyncEnumerable<TItem> WalkAsync<TPage, TItem>(Func<string, CancellationToken, Task<TPage>> getPage,
        string path, OaiQuery query, Func<TPage, IReadOnlyList<TItem>?> items, Func<TPage, bool> hasMore, Func<TPage, string?> lastId,
        int? first, [EnumeratorCancellation] CancellationToken ct)
    {
        var remaining = first ?? int.MaxValue;
        if (remaining <= 0) yield break;
        query = query.Clone(); // each enumeration walks from the first page
        while (true)
        {
            var page = await getPage(path + query.ToString(), ct).ConfigureAwait(false);
            var list = items(page) ?? Array.Empty<TItem>();
            foreach (var item in list)
            {
                yield return item;
                if (--remaining == 0) yield break;
            }
            // An empty page or one without a cursor ends the walk even if has_more says otherwise: asking
            // again would fetch the same page for ever.
            var next = lastId(page);
            if (!hasMore(page) || list.Count == 0 || string.IsNullOrEmpty(next)) yield break;
            query.Set("after", next);
        }
    }
}
