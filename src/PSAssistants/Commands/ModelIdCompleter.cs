using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Runtime.CompilerServices;
using PSAssistants.Client;
using PSAssistants.Protocols.Common;

namespace PSAssistants.Commands;

/// <summary>
/// Completes -Model from the session's list of models. The list is fetched when completion is first asked for
/// in a session (never at import) and at most once per session; offline, without a key or on any failure it
/// completes nothing and says nothing, since a prompt is no place for an error.
/// </summary>
public sealed class ModelIdCompleter : IArgumentCompleter
{
    /// <summary>How long the first completion may wait for the list before it gives up, silently.</summary>
    internal static TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    private static readonly ConditionalWeakTable<OaiSession, Lazy<IReadOnlyList<string>>> s_lists = new();

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        OaiSession session;
        try
        {
            session = fakeBoundParameters?["Session"] is { } given && InputResolver.Unwrap(given) is OaiSession s ? s : DefaultSessions.GetOrCreateDefault();
        }
        catch (Exception)
        {
            return Array.Empty<CompletionResult>();
        }
        var word = (wordToComplete ?? "").Trim('\'', '"');
        return IdsOf(session)
            .Where(id => id.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(id => new CompletionResult(id, id, CompletionResultType.ParameterValue, id));
    }

    /// <summary>A list Get-OaiModel fetched anyway saves the completion its own request.</summary>
    internal static void Remember(OaiSession session, IReadOnlyList<OaiModel> models)
    {
        IReadOnlyList<string> ids = models.Select(m => m.Id).ToArray();
        s_lists.AddOrUpdate(session, new Lazy<IReadOnlyList<string>>(ids));
    }

    internal static IReadOnlyList<string> IdsOf(OaiSession session) =>
        s_lists.GetValue(session, s => new Lazy<IReadOnlyList<string>>(() => Fetch(s), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static IReadOnlyList<string> Fetch(OaiSession session)
    {
        if (!session.HasApiKey && !OaiSession.IsLoopback(session.BaseUri)) return Array.Empty<string>();
        try
        {
            using var cts = new CancellationTokenSource(FetchTimeout);
            // No retries: a completion that waits through backoff is worse than none.
            var api = new ModelsApi(session);
            api.Client.RetryDelay = (_, _) => TimeSpan.Zero;
            var task = Task.Run(() => api.ListAsync(cts.Token), cts.Token);
            return task.Wait(FetchTimeout) ? task.Result.Select(m => m.Id).ToArray() : Array.Empty<string>();
        }
        catch (Exception)
        {
            // Offline, refused, slow or malformed: the completion is simply empty.
            return Array.Empty<string>();
        }
    }
}
