using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Forgets the default session; the next cmdlet builds a new one from the environment.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "OaiService")]
[OutputType(typeof(void))]
public sealed class DisconnectOaiServiceCommand : OaiCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessItem() => DefaultSessions.SetDefault(null);
}
