using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Base of the cmdlets that act on one run: a run object from the pipeline, or -ThreadId and -RunId.</summary>
public abstract class RunTargetCmdlet : OaiApiCmdlet
{
    /// <summary>The parameter set that takes a run object.</summary>
    protected const string ObjectSet = "Run";
    /// <summary>The parameter set that takes ids.</summary>
    protected const string IdSet = "Id";

    /// <summary>A run object, or a run id together with -Thread.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [ValidateNotNull]
    public object Run { get; set; } = null!;

    /// <summary>The thread of a run given by id to -Run: a thread id, or an object that carries one.</summary>
    [Parameter(ParameterSetName = ObjectSet)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [ValidateNotNull]
    public object? Thread { get; set; }

    /// <summary>The thread of the run, with -RunId.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string ThreadId { get; set; } = "";

    /// <summary>The run's id, with -ThreadId.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string RunId { get; set; } = "";

    /// <summary>The run object given to -Run, or null when -Run was an id.</summary>
    protected OaiRun? RunObject => ParameterSetName == ObjectSet ? InputResolver.Unwrap(Run) as OaiRun : null;

    /// <summary>The thread and run ids, from whichever parameter set was used.</summary>
    protected (string ThreadId, string RunId) Target => ParameterSetName == ObjectSet ? ObjectTarget() : (ThreadId, RunId);

    private (string ThreadId, string RunId) ObjectTarget() => InputResolver.Unwrap(Run) switch
    {
        OaiRun r => (Thread is null ? r.ThreadId : InputResolver.ThreadId(Thread), r.Id),
        string id when id.Length > 0 && Thread is not null => (InputResolver.ThreadId(Thread), id),
        string id when id.Length > 0 => throw new Client.OaiArgumentException(
            $"-Run '{id}' is a run id: give its thread too (-Thread), or pass the run object."),
        var other => throw new Client.OaiArgumentException(
            $"Cannot tell a run from {(other is null ? "nothing" : $"a {other.GetType().Name}")}: pass a run object, or a run id with -Thread."),
    };
}
