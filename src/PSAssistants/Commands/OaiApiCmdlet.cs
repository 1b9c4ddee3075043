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

    /// <summary>The session in effect: -Session, else the default one (built from the environment if needed).</summary>
    protected OaiSession CurrentSession
    {
        get
        {
            var session = Session ?? OaiSessions.GetOrCreateDefault();
            if (!session.HasApiKey && !OaiSession.IsLoopback(session.BaseUri))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("No API key: set $env:OPENAI_API_KEY or run Connect-OaiService -ApiKey."),
                    "OaiApiKeyMissing", ErrorCategory.AuthenticationError, session.BaseUri));
            }
            return session;
        }
    }

    private protected IProtocolAdapter Adapter => CurrentSession.Adapter;
}
