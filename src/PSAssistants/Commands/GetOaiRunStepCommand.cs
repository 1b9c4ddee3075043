using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>
/// Lists the steps of a run: the messages it wrote and the tool calls it made, with their outputs. Its base is
/// RunTargetCmdlet (the run by object or by ids), so it declares -First, -After, -All and -Order itself, in both of
/// those parameter sets; the listing rule is the shared ListRequest and WriteList.
/// </summary>
[Cmdlet(VerbsCommon.Get, "OaiRunStep", DefaultParameterSetName = ObjectSet)]
[OutputType(typeof(OaiRunStep))]
public sealed class GetOaiRunStepCommand : RunTargetCmdlet
{
    /// <summary>At most this many steps.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Starts the list after this step id.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? After { get; set; }

    /// <summary>Compatibility only: every page is listed without it too (-First still caps the list); kept so scripts that pass it keep working.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>asc (first step first, the default) or desc.</summary>
    [Parameter]
    [ValidateSet("asc", "desc")]
    public string Order { get; set; } = "asc";

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var (threadId, runId) = Target;
        var adapter = Adapter;
        WriteList(new ListRequest(First, After, Order), (options, ct) => adapter.ListRunStepsAsync(threadId, runId, options, ct));
    }
}
