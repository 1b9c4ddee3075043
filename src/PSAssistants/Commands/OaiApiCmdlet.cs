using System.Diagnostics;
using System.Management.Automation;
using PSAssistants.Client;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Base of the cmdlets that talk to the API: the -Session parameter and waiting for runs.</summary>
public abstract partial class OaiApiCmdlet : OaiCmdlet
{
    /// <summary>
    /// <para type="description">The session to use instead of the default one (see Connect-OaiService).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public OaiSession? Session { get; set; }

    /// <summary>
    /// <para type="description">How often to retry a failed request in this call, instead of the session's -MaxRetries.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(0, 10)]
    public int? MaxRetries { get; set; }

    private protected override int? CallMaxRetries => MaxRetries;

    /// <summary>An Entra token from a scriptblock can only be fetched here, on the pipeline thread.</summary>
    private protected override void BeforeOperation() => CurrentSession.RefreshAccessToken();

    /// <summary>The session this pipeline input resolved to; forgotten when the next input arrives.</summary>
    private OaiSession? _resolved;

    private protected override void BeginItem() => _resolved = null;

    private protected override OaiSession? MakingSession => _resolved;

    /// <summary>
    /// The session in effect: -Session; else the one the objects given to this cmdlet remember (a thread piped to
    /// Add-OaiMessage goes back to the server that made it); else this runspace's default, built from the
    /// environment if needed.
    /// </summary>
    protected OaiSession CurrentSession
    {
        get
        {
            if (_resolved is { } known) return known;
            var session = Session ?? RememberedSession() ?? DefaultSessions.GetOrCreateDefault();
            if (!session.HasApiKey && !OaiSession.IsLoopback(session.BaseUri))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("No API key: set $env:OPENAI_API_KEY or run Connect-OaiService -ApiKey."),
                    "OaiApiKeyMissing", ErrorCategory.AuthenticationError, session.BaseUri));
            }
            return _resolved = session;
        }
    }

    /// <summary>
    /// The session remembered by the module's objects among this call's parameters (pipeline input included, and
    /// one level into arrays). Objects of two sessions on different servers cannot both be right: that is refused
    /// rather than guessed; two sessions of one server (a reconnect in between) go to the first one found.
    /// </summary>
    private OaiSession? RememberedSession()
    {
        OaiSession? found = null;
        foreach (var value in MyInvocation.BoundParameters.Values)
        {
            switch (InputResolver.Unwrap(value))
            {
                case OaiObject o:
                    Consider(o.Session, ref found);
                    break;
                case object[] list:
                    foreach (var item in list)
                        if (InputResolver.Unwrap(item) is OaiObject element) Consider(element.Session, ref found);
                    break;
            }
        }
        return found;

        static void Consider(OaiSession? session, ref OaiSession? found)
        {
            if (session is null || ReferenceEquals(session, found)) return;
            if (found is null) { found = session; return; }
            if (found.BaseUri != session.BaseUri || found.Protocol != session.Protocol)
                throw new OaiArgumentException(
                    $"The objects given come from two sessions ({found} and {session}): give -Session to say which to use.");
        }
    }

    private protected IProtocolAdapter Adapter => CurrentSession.Adapter;

    /// <summary>
    /// Writes a list the way every Get-* list cmdlet does: <paramref name="list"/> is asked with the request's
    /// options and each item is written as its page arrives. With <paramref name="match"/> (a -Name filter) only
    /// matches are written and -First counts them (see <see cref="ListRequest.Options"/>).
    /// </summary>
    private protected void WriteList<T>(ListRequest request, Func<ListOptions, CancellationToken, IAsyncEnumerable<T>> list, Func<T, bool>? match = null) =>
        WriteEach(list(request.Options(filtered: match is not null), StopToken), match, match is null ? null : request.First);
}
