using System.Management.Automation;
using PSAssistants.Client;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

// Assistants by name: wherever an assistant is taken, a string that is not an assistant id (asst_...) is a
// name, resolved against the session's assistants (the local store on Responses, the server's list on
// Assistants v2). Exactly one must match; none or several is an error before any other request.
public abstract partial class OaiApiCmdlet
{
    /// <summary>Names resolved in this invocation, so piping many items lists the assistants once.</summary>
    private Dictionary<string, OaiAssistant>? _assistantsByName;

    /// <summary>An assistant id from an assistant object, an object that names one, an id, or a name.</summary>
    private protected string AssistantIdOf(object? input) => ResolveAssistant(input).Id;

    /// <summary>
    /// The assistant's id, and the assistant itself when it is in hand (an object, or found by its name),
    /// so a caller need not read it again.
    /// </summary>
    private protected (string Id, OaiAssistant? Assistant) ResolveAssistant(object? input)
    {
        var value = InputResolver.Unwrap(input);
        if (value is OaiAssistant a) return (a.Id, a);
        if (value is string s && !IsAssistantId(s))
        {
            var found = FindByName(s);
            return (found.Id, found);
        }
        return (InputResolver.AssistantId(input), null);
    }

    /// <summary>Ids of both protocols start with asst_ (asst_local_ for the local store); anything else is a name.</summary>
    internal static bool IsAssistantId(string text) => text.StartsWith("asst_", StringComparison.Ordinal);

    private OaiAssistant FindByName(string name)
    {
        name = name.Trim();
        if (name.Length == 0) throw new OaiArgumentException("An assistant name or id cannot be empty.");
        _assistantsByName ??= new Dictionary<string, OaiAssistant>(StringComparer.Ordinal);
        if (_assistantsByName.TryGetValue(name, out var known)) return known;

        var adapter = Adapter;
        var all = Await(async ct =>
        {
            var list = new List<OaiAssistant>();
            await foreach (var a in adapter.ListAssistantsAsync(new ListOptions { Order = "desc" }, ct).ConfigureAwait(false)) list.Add(a);
            return list;
        });
        // The exact spelling wins; otherwise case does not matter, as elsewhere in PowerShell.
        var matches = all.Where(a => string.Equals(a.Name, name, StringComparison.Ordinal)).ToList();
        if (matches.Count == 0) matches = all.Where(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        var where = adapter.AssistantsAreLocal ? "in the local assistant store" : "on the server";
        if (matches.Count == 0)
        {
            throw new OaiApiException(OaiErrorKind.AssistantNameNotFound,
                $"No assistant is named '{name}' {where} ({all.Count} assistant(s) looked at). Pass an assistant object, its id (asst_...), or the name of exactly one assistant; Get-OaiAssistant lists them.");
        }
        if (matches.Count > 1)
        {
            throw new OaiApiException(OaiErrorKind.AssistantNameAmbiguous,
                $"{matches.Count} assistants are named '{name}' {where}: {string.Join(", ", matches.Select(m => m.Id))}. Pass the id of the one you mean, or rename the others (Set-OaiAssistant -Name).");
        }
        RecentIds.Seen(matches[0]);
        return _assistantsByName[name] = matches[0];
    }
}
