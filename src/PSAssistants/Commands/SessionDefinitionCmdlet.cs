using System.Management.Automation;
using System.Security;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// The parameters that define a session, shared by Connect-OaiService (which makes it this runspace's default)
/// and New-OaiSession (which only returns it), so the two can never drift apart.
/// </summary>
public abstract class SessionDefinitionCmdlet : OaiCmdlet
{
    private protected const string OpenAISet = "OpenAI";
    private protected const string AzureSet = "Azure";

    /// <summary>The API key as a SecureString or a string. Default: $env:OPENAI_API_KEY.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNull]
    public object? ApiKey { get; set; }

    /// <summary>The name of a SecretManagement secret that holds the key (needs Microsoft.PowerShell.SecretManagement).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ApiKeySecretName { get; set; }

    /// <summary>The SecretManagement vault of -ApiKeySecretName; default: the default vault.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Vault { get; set; }

    /// <summary>The API root. Default: $env:OPENAI_BASE_URL, else https://api.openai.com/v1.</summary>
    [Parameter(ParameterSetName = OpenAISet)]
    [ValidateNotNull]
    public Uri? BaseUri { get; set; }

    /// <summary>An Azure OpenAI resource, https://NAME.openai.azure.com; its v1 API is used.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AzureSet)]
    [ValidateNotNull]
    public Uri? AzureEndpoint { get; set; }

    /// <summary>An Entra ID access token (string or SecureString), or a scriptblock that returns one.</summary>
    [Parameter(ParameterSetName = AzureSet)]
    [ValidateNotNull]
    public object? AccessToken { get; set; }

    /// <summary>The wire protocol: Assistants or Responses; chosen from the endpoint when not given.</summary>
    [Parameter]
    public OaiProtocol Protocol { get; set; }

    /// <summary>The OpenAI-Organization header to send.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Organization { get; set; }

    /// <summary>The OpenAI-Project header to send.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Project { get; set; }

    /// <summary>Timeout of each HTTP request in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = OaiSession.DefaultTimeoutSec;

    /// <summary>How often a failed request is retried (429, 5xx, timeouts), 0 to 10.</summary>
    [Parameter]
    [ValidateRange(0, 10)]
    public int MaxRetries { get; set; } = OaiSession.DefaultMaxRetries;

    /// <summary>The largest JSON answer (and server-sent event line) accepted, in MiB; downloads are not capped.</summary>
    [Parameter]
    [ValidateRange(1, 2047)]
    public int MaxResponseSizeMB { get; set; } = OaiSession.DefaultMaxResponseSizeMB;

    /// <summary>Allows plain http to a host other than this machine (the key then travels unencrypted).</summary>
    [Parameter]
    public SwitchParameter AllowInsecureHttp { get; set; }

    /// <summary>The file that keeps assistant definitions on the Responses protocol.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AssistantStorePath { get; set; }

    /// <summary>A proxy for this session's requests, instead of the system proxy.</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? Proxy { get; set; }

    /// <summary>The credential for -Proxy.</summary>
    [Parameter]
    [Credential]
    [ValidateNotNull]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>Waits poll instead of following the server's event stream (for proxies that buffer server-sent events).</summary>
    [Parameter]
    public SwitchParameter NoStreaming { get; set; }

    /// <summary>
    /// Builds the session. A bad definition stops the cmdlet: a runbook must not go on with another session
    /// than the one it asked for.
    /// </summary>
    private protected OaiSession BuildSession()
    {
        try
        {
            return NewSession();
        }
        catch (OaiArgumentException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "OaiInvalidArgument", ErrorCategory.InvalidArgument, null));
            throw; // not reached
        }
    }

    private OaiSession NewSession()
    {
        if (ApiKey is not null && ApiKeySecretName is not null)
            throw new OaiArgumentException("Give -ApiKey or -ApiKeySecretName, not both.");
        if (AccessToken is not null && (ApiKey is not null || ApiKeySecretName is not null))
            throw new OaiArgumentException("Give an API key or -AccessToken, not both.");
        if (Vault is not null && ApiKeySecretName is null)
            throw new OaiArgumentException("-Vault needs -ApiKeySecretName.");
        if (ProxyCredential is not null && Proxy is null)
            throw new OaiArgumentException("-ProxyCredential needs -Proxy.");

        var source = "Parameter";
        var key = ToSecureString(ApiKey, "-ApiKey");
        if (ApiKeySecretName is not null)
        {
            key = GetSecretFromVault(ApiKeySecretName, Vault);
            source = "SecretVault";
        }

        var bound = MyInvocation.BoundParameters;
        return OaiSessions.Create(new OaiSessionSettings
        {
            ApiKey = key,
            ApiKeySource = source,
            TokenProvider = TokenProvider(AccessToken),
            BaseUri = BaseUri,
            AzureEndpoint = AzureEndpoint,
            Protocol = bound.ContainsKey(nameof(Protocol)) ? Protocol : null,
            Organization = Organization,
            Project = Project,
            TimeoutSec = TimeoutSec,
            MaxRetries = MaxRetries,
            MaxResponseSizeMB = MaxResponseSizeMB,
            AllowInsecureHttp = AllowInsecureHttp.IsPresent,
            AssistantStorePath = AssistantStorePath is null ? null : GetUnresolvedProviderPathFromPSPath(AssistantStorePath),
            Proxy = Proxy,
            ProxyCredential = ProxyCredential?.GetNetworkCredential(),
            Streaming = NoStreaming ? false : null,
        });
    }

    private static SecureString? ToSecureString(object? value, string what) => InputResolver.Unwrap(value) switch
    {
        null => null,
        SecureString s => s.Copy(),
        string s when s.Length > 0 => OaiSessions.ToSecureString(s),
        _ => throw new OaiArgumentException($"{what} takes a SecureString or a non-empty string."),
    };

    private static IAccessTokenProvider? TokenProvider(object? value) => InputResolver.Unwrap(value) switch
    {
        null => null,
        ScriptBlock sb => new ScriptBlockTokenProvider(sb),
        SecureString s => new StaticTokenProvider(TokenText.Plain(s)),
        string s when s.Length > 0 => new StaticTokenProvider(s),
        _ => throw new OaiArgumentException("-AccessToken takes a string, a SecureString or a scriptblock that returns one."),
    };

    /// <summary>Reads the key with SecretManagement's Get-Secret, so it never passes through a variable in clear.</summary>
    private SecureString GetSecretFromVault(string name, string? vault)
    {
        var getSecret = InvokeCommand.GetCommand("Microsoft.PowerShell.SecretManagement\\Get-Secret", CommandTypes.Cmdlet | CommandTypes.Function);
        if (getSecret is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException("-ApiKeySecretName needs the Microsoft.PowerShell.SecretManagement module (Install-Module Microsoft.PowerShell.SecretManagement)."),
                "OaiSecretManagementMissing", ErrorCategory.NotInstalled, name));
        }
        var script = ScriptBlock.Create(
            "param($c, $n, $v) if ($v) { & $c -Name $n -Vault $v -ErrorAction Stop } else { & $c -Name $n -ErrorAction Stop }");
        object? secret;
        try
        {
            secret = InvokeCommand.InvokeScript(false, script, null, getSecret, name, vault).FirstOrDefault()?.BaseObject;
        }
        catch (RuntimeException ex)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException($"Cannot read the secret '{name}'{(vault is null ? "" : $" from vault '{vault}'")}: {ex.Message}", ex),
                "OaiSecretNotFound", ErrorCategory.ObjectNotFound, name));
            throw; // not reached
        }
        return secret switch
        {
            SecureString s => s.Copy(),
            string s when s.Length > 0 => OaiSessions.ToSecureString(s),
            _ => throw new OaiArgumentException($"The secret '{name}' is not a string or SecureString."),
        };
    }
}
