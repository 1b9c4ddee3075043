using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>
/// Makes a session and returns it, leaving the default as it was: a second server, key or protocol for
/// -Session, beside the default one. Objects made with it remember it.
/// </summary>
[Cmdlet(VerbsCommon.New, "OaiSession", DefaultParameterSetName = OpenAISet)]
[OutputType(typeof(OaiSession))]
public sealed class NewOaiSessionCommand : SessionDefinitionCmdlet
{
    /// <inheritdoc/>
    protected override void ProcessItem() => Emit(BuildSession());
}
