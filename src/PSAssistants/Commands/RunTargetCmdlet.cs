using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Base of the cmdlets that act on one run: a run object from the pipeline, or -ThreadId and -RunId.</summary>
public abstract class RunTargetCmdlet : OaiApiCmdlet
{
    protected const string ObjectSet = "Run";
    protected const string IdSet = "Id";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ValidateNotNull]
    public OaiRun Run { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string ThreadId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string RunId { get; set; } = "";

    protected (string ThreadId, string RunId) Target =>
        ParameterSetName == ObjectSet ? (Run.ThreadId, Run.Id) : (ThreadId, RunId);
}
