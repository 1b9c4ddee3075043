using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Sets this runspace's default session: where to send requests, the key and the protocol. Other runspaces
/// (ForEach-Object -Parallel, Start-ThreadJob) keep their own default.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "OaiService", DefaultParameterSetName = OpenAISet)]
[OutputType(typeof(OaiSession))]
public sealed class ConnectOaiServiceCommand : SessionDefinitionCmdlet
{
    /// <summary>Writes the new session to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var session = BuildSession();
        DefaultSessions.SetDefault(session);
        WriteVerbose($"Connected: {session.Protocol} at {session.BaseUri}, {session.Authentication} from {session.ApiKeySource}.");
        if (PassThru) Emit(session);
    }
}
