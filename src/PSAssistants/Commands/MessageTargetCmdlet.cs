using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Base of the cmdlets that act on one message: a message object from the pipeline, or -Thread and -Id.</summary>
public abstract class MessageTargetCmdlet : OaiApiCmdlet
{
    /// <summary>The parameter set that takes a message object.</summary>
    protected const string ObjectSet = "Message";
    /// <summary>The parameter set that takes ids.</summary>
    protected const string IdSet = "Id";

    /// <summary>The message, as an object from Get-OaiMessage or Add-OaiMessage.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
    [ValidateNotNull]
    public OaiMessage Message { get; set; } = null!;

    /// <summary>A thread id, or an object that carries one.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("ThreadId")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    /// <summary>The message's id, with -Thread.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [Alias("MessageId")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>The thread and message ids, from whichever parameter set was used.</summary>
    protected (string ThreadId, string MessageId) Target =>
        ParameterSetName == ObjectSet ? (Message.ThreadId, Message.Id) : (InputResolver.ThreadId(Thread), Id);
}
