using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Base of the cmdlets that act on one message: a message object from the pipeline, or -Thread and -Id.</summary>
public abstract class MessageTargetCmdlet : OaiApiCmdlet
{
    protected const string ObjectSet = "Message";
    protected const string IdSet = "Id";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ValidateNotNull]
    public OaiMessage Message { get; set; } = null!;

    /// <summary>A thread id, or an object that carries one.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("ThreadId")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [Alias("MessageId")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    protected (string ThreadId, string MessageId) Target =>
        ParameterSetName == ObjectSet ? (Message.ThreadId, Message.Id) : (InputResolver.ThreadId(Thread), Id);
}
