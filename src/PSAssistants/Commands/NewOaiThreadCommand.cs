using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Creates a thread (a conversation on Responses).</summary>
[Cmdlet(VerbsCommon.New, "OaiThread", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiThread))]
public sealed class NewOaiThreadCommand : MessageInputCmdlet
{
    /// <summary>Up to 16 key-value pairs to store with the thread.</summary>
    [Parameter]
    public Hashtable? Metadata { get; set; }

    /// <summary>User messages the thread starts with, created in the same request; -ImagePath, -ImageUrl and -FilePath go with the last.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[]? Message { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var options = new ThreadCreateOptions
        {
            Metadata = OaiMetadata.FromHashtable(Metadata),
            Messages = (Message ?? Array.Empty<string>()).Select(m => string.IsNullOrWhiteSpace(m)
                ? throw new OaiArgumentException("-Message holds an empty message.")
                : new MessageCreateOptions { Content = m }).ToList(),
        };
        if (HasMessageInputs && options.Messages.Count == 0) throw new OaiArgumentException("-ImagePath, -ImageUrl and -FilePath go with a message: give -Message too.");
        var inputs = ResolveMessageInputs();
        if (!ShouldProcess("new thread", "Create thread")) return;
        var adapter = Adapter;
        Emit(WithUploads(uploaded =>
        {
            var thread = HasMessageInputs ? WithLastMessage(options, WithInputs(options.Messages[^1], inputs, uploaded)) : options;
            return Await(ct => adapter.CreateThreadAsync(thread, ct));
        }));
    }

    internal static ThreadCreateOptions WithLastMessage(ThreadCreateOptions thread, MessageCreateOptions last) => new()
    {
        Metadata = thread.Metadata,
        Messages = thread.Messages.Take(thread.Messages.Count - 1).Append(last).ToList(),
    };
}
