using System.Management.Automation;
using PSAssistants.Protocols.Common;

namespace PSAssistants.Commands;

/// <summary>Lists the models the account can use, or gets models by id.</summary>
[Cmdlet(VerbsCommon.Get, "OaiModel")]
[OutputType(typeof(OaiModel))]
public sealed class GetOaiModelCommand : OaiApiCmdlet
{
    /// <summary>Model ids; a wildcard pattern filters the list instead of asking for one model.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ModelIdCompleter))]
    [Alias("Model")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var api = new ModelsApi(CurrentSession);
        var patterns = Id?.Where(WildcardPattern.ContainsWildcardCharacters).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        if (Id is null || patterns!.Count > 0)
        {
            var models = Await(ct => api.ListAsync(ct));
            ModelIdCompleter.Remember(CurrentSession, models);
            foreach (var m in models)
                if (patterns is null || patterns.Any(p => p.IsMatch(m.Id))) Emit(m);
        }
        foreach (var id in Id?.Where(i => !WildcardPattern.ContainsWildcardCharacters(i)) ?? Enumerable.Empty<string>())
        {
            // One id that fails is an error of that id; the others are still asked for.
            try
            {
                Emit(Await(ct => api.GetAsync(id, ct)));
            }
            catch (Client.OaiApiException ex)
            {
                WriteError(ToErrorRecord(ex, id));
            }
        }
    }
}
