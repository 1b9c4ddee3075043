using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Adds a message to a thread.</summary>
[Cmdlet(VerbsCommon.Add, "OaiMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiMessage))]
public sealed class AddOaiMessageCommand : OaiApiCmdlet
{
    /// <summary>A thread id, or an object that carries one (thread, message, run).</summary>
    // Not positional, so that `$thread | Add-OaiMessage 'text'` binds the text to -Content.
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("ThreadId")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Content { get; set; } = "";

    [Parameter]
    [ValidateSet("user", "assistant")]
    public string Role { get; set; } = "user";

    [Parameter]
    public Hashtable? Metadata { get; set; }

    protected override void ProcessItem()
    {
        if (string.IsNullOrWhiteSpace(Content)) throw new ArgumentException("-Content is empty: a message needs text.");
        var threadId = InputResolver.ThreadId(Thread);
        var options = new MessageCreateOptions
        {
            Content = Content,
            Role = Role.ToLowerInvariant(),
            Metadata = OaiMetadata.FromHashtable(Metadata),
        };
        if (!ShouldProcess(threadId, "Add message")) return;
        var adapter = Adapter;
        WriteObject(Await(ct => adapter.AddMessageAsync(threadId, options, ct)));
    }
}
