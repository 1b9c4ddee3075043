using System.Management.Automation;
using System.Security;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Sets the module's default session: where to send requests, the key and the protocol.</summary>
[Cmdlet(VerbsCommunications.Connect, "OaiService")]
[OutputType(typeof(OaiSession))]
public sealed class ConnectOaiServiceCommand : OaiCmdlet
{
    /// <summary>The API key as a SecureString or a string. Default: $env:OPENAI_API_KEY.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNull]
    public object? ApiKey { get; set; }

    /// <summary>The API root. Default: $env:OPENAI_BASE_URL, else https://api.openai.com/v1.</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? BaseUri { get; set; }

    [Parameter]
    public OaiProtocol Protocol { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Organization { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Project { get; set; }

    /// <summary>Timeout of each HTTP request in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = OaiSession.DefaultTimeoutSec;

    [Parameter]
    [ValidateRange(0, 10)]
    public int MaxRetries { get; set; } = OaiSession.DefaultMaxRetries;

    /// <summary>Allows plain http to a host other than this machine (the key then travels unencrypted).</summary>
    [Parameter]
    public SwitchParameter AllowInsecureHttp { get; set; }

    /// <summary>The file that keeps assistant definitions on the Responses protocol.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AssistantStorePath { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        SecureString? key = InputResolver.Unwrap(ApiKey) switch
        {
            null => null,
            SecureString s => s.Copy(),
            string s when s.Length > 0 => OaiSessions.ToSecureString(s),
            _ => throw new ArgumentException("-ApiKey takes a SecureString or a non-empty string."),
        };
        var bound = MyInvocation.BoundParameters;
        var session = OaiSessions.Create(key, BaseUri, bound.ContainsKey(nameof(Protocol)) ? Protocol : null,
            Organization, Project, TimeoutSec, MaxRetries, AllowInsecureHttp.IsPresent,
            AssistantStorePath is null ? null : GetUnresolvedProviderPathFromPSPath(AssistantStorePath));
        OaiSessions.SetDefault(session);
        WriteVerbose($"Connected: {session.Protocol} at {session.BaseUri} (API key from {session.ApiKeySource}).");
        if (PassThru) WriteObject(session);
    }
}
