using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace PSAssistants.Commands;

/// <summary>
/// Ids of the objects this session has seen (written to the pipeline), newest first, for tab completion
/// of -Id, -Assistant and -Thread. Bounded, so a long runbook does not grow it without end.
/// </summary>
internal static class RecentIds
{
    private const int Capacity = 200;
    private static readonly ConcurrentDictionary<string, LinkedList<(string Id, string Label)>> s_byKind = new();

    public static void Seen(object? item)
    {
        switch (item)
        {
            case OaiAssistant a: Add("assistant", a.Id, a.Name ?? ""); break;
            case OaiThread t: Add("thread", t.Id, t.CreatedAt.ToString("u")); break;
            case OaiRun r: Add("run", r.Id, r.Status); Add("thread", r.ThreadId, "thread of run"); break;
        }
    }

    public static IEnumerable<(string Id, string Label)> Of(string kind)
    {
        if (!s_byKind.TryGetValue(kind, out var list)) return Array.Empty<(string, string)>();
        lock (list) return list.ToArray();
    }

    private static void Add(string kind, string id, string label)
    {
        if (string.IsNullOrEmpty(id)) return;
        var list = s_byKind.GetOrAdd(kind, _ => new LinkedList<(string, string)>());
        lock (list)
        {
            if (list.First is { } head && head.Value.Id == id) return; // the common case: seen again at once
            for (var node = list.First; node is not null; node = node.Next)
            {
                if (node.Value.Id == id)
                {
                    list.Remove(node);
                    break;
                }
            }
            list.AddFirst((id, label));
            if (list.Count > Capacity) list.RemoveLast();
        }
    }
}

/// <summary>Completes ids of one kind from <see cref="RecentIds"/>.</summary>
public abstract class RecentIdCompleter : IArgumentCompleter
{
    private readonly string _kind;

    /// <summary>Completes ids of the given kind (assistant, thread, run) seen in this session.</summary>
    protected RecentIdCompleter(string kind) => _kind = kind;

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        RecentIds.Of(_kind)
            .Where(e => e.Id.StartsWith((wordToComplete ?? "").Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(e => new CompletionResult(e.Id, e.Id, CompletionResultType.ParameterValue, string.IsNullOrEmpty(e.Label) ? e.Id : e.Label));
}

/// <summary>
/// Completes assistants by id or by name: those seen in the session, and where the protocol keeps assistants on
/// the client (Responses) every assistant of the local store (a file read; a server's list is not fetched while typing).
/// A name completes to itself, quoted when needed, since -Assistant takes names too.
/// </summary>
public sealed class AssistantIdCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, label) in RecentIds.Of("assistant")) known.TryAdd(id, label);
        foreach (var a in StoredAssistants(fakeBoundParameters)) known.TryAdd(a.Id, a.Name ?? "");

        var results = new List<CompletionResult>();
        foreach (var (id, name) in known)
        {
            if (id.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                results.Add(new CompletionResult(id, id, CompletionResultType.ParameterValue, string.IsNullOrEmpty(name) ? id : $"{name} ({id})"));
        }
        foreach (var (id, name) in known)
        {
            if (string.IsNullOrEmpty(name) || !name.StartsWith(word, StringComparison.OrdinalIgnoreCase) || OaiApiCmdlet.IsAssistantId(name)) continue;
            var text = "'" + CodeGeneration.EscapeSingleQuotedStringContent(name) + "'";
            if (results.Any(r => r.CompletionText == text)) continue;
            results.Add(new CompletionResult(text, name, CompletionResultType.ParameterValue, $"{name} ({id})"));
        }
        return results;
    }

    private static IEnumerable<OaiAssistant> StoredAssistants(IDictionary fakeBoundParameters)
    {
        try
        {
            var session = InputResolver.Unwrap(fakeBoundParameters?["Session"]) as OaiSession ?? DefaultSessions.GetOrCreateDefault();
            // Only where listing is a file read: a server's list is not fetched while the user types.
            if (!session.Adapter.AssistantsAreLocal) return Array.Empty<OaiAssistant>();
            var list = new List<OaiAssistant>();
            var e = session.Adapter.ListAssistantsAsync(new Protocols.ListOptions { Order = "desc" }, CancellationToken.None).GetAsyncEnumerator();
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult()) list.Add(e.Current);
            return list;
        }
        catch (Exception ex) when (ex is Client.OaiApiException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Array.Empty<OaiAssistant>(); // completion must never fail the prompt
        }
    }
}

/// <summary>Completes thread ids seen in this session.</summary>
public sealed class ThreadIdCompleter : RecentIdCompleter
{
    /// <summary>A completer of thread ids.</summary>
    public ThreadIdCompleter() : base("thread") { }
}

/// <summary>Completes run ids seen in this session.</summary>
public sealed class RunIdCompleter : RecentIdCompleter
{
    /// <summary>A completer of run ids.</summary>
    public RunIdCompleter() : base("run") { }
}
