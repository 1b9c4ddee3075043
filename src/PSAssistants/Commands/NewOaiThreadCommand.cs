using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Creates a thread (a conversation on Responses).</summary>
[Cmdlet(VerbsCommon.New, "OaiThread", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiThread))]
public sealed class NewOaiThreadCommand : OaiApiCmdlet
{
    [Parameter]
    public Hashtable? Metadata { get; set; }

    /// <summary>User messages the thread starts with, created in the same request.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[]? Message { get; set; }

    protected override void ProcessItem()
    {
        var options = new ThreadCreateOptions
        {
            Metadata = OaiMetadata.FromHashtable(Metadata),
            Messages = (Message ?? Array.Empty<string>()).Select(m => string.IsNullOrWhiteSpace(m)
                ? throw new OaiArgumentException("-Message holds an empty message.")
                : new MessageCreateOptions { Content = m }).ToList(),
        };
        if (!ShouldProcess("new thread", "Create thread")) return;
        var adapter = Adapter;
        Emit(Await(ct => adapter.CreateThreadAsync(options, ct)));
    }
}
