using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Shows the default session (never its key).</summary>
[Cmdlet(VerbsCommon.Get, "OaiSession")]
[OutputType(typeof(OaiSession))]
public sealed class GetOaiSessionCommand : OaiCmdlet
{
    protected override void ProcessItem() => Emit(OaiSessions.GetOrCreateDefault());
}
