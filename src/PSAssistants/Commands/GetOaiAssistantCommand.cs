using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Gets one assistant by id, or lists assistants.</summary>
[Cmdlet(VerbsCommon.Get, "OaiAssistant", DefaultParameterSetName = ListSet)]
[OutputType(typeof(OaiAssistant))]
public sealed class GetOaiAssistantCommand : IdOrListCmdlet
{
    /// <summary>Lists newest first unless -Order says otherwise.</summary>
    public GetOaiAssistantCommand() : base(defaultOrder: "desc")
    {
    }

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

    private protected override void GetById()
    {
        var adapter = Adapter;
        GetEach(Id, AssistantIdOf, adapter.GetAssistantAsync);
    }

    private protected override void List(ListRequest request)
    {
        var adapter = Adapter;
        WriteList(request, adapter.ListAssistantsAsync, NameMatch<OaiAssistant>(Name, a => a.Name));
    }
}
