using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Shows this runspace's default session, or the session an object remembers (never a key).
/// </summary>
[Cmdlet(VerbsCommon.Get, "OaiSession")]
[OutputType(typeof(OaiSession))]
public sealed class GetOaiSessionCommand : OaiCmdlet
{
    /// <summary>An object of this module (thread, message, run, ...): its session is returned instead of the default.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object? InputObject { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        if (InputObject is null)
        {
            Emit(DefaultSessions.GetOrCreateDefault());
            return;
        }
        // An object made by hand or read back from a file remembers no session: it goes to the default one.
        Emit(InputResolver.Unwrap(InputObject) is OaiObject { Session: { } remembered } ? remembered : DefaultSessions.GetOrCreateDefault());
    }
}
