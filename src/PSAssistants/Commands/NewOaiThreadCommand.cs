using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Creates a thread (a conversation on Responses).</summary>
[Cmdlet(VerbsCommon.New, "OaiThread", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiThread))]
public sealed class NewOaiThreadCommand : OaiApiCmdlet
{
    [Parameter]
    public Hashtable? Metadata { get; set; }

    protected override void ProcessItem()
    {
        var options = new ThreadCreateOptions { Metadata = OaiMetadata.FromHashtable(Metadata) };
        if (!ShouldProcess("new thread", "Create thread")) return;
        var adapter = Adapter;
        WriteObject(Await(ct => adapter.CreateThreadAsync(options, ct)));
    }
}
