using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Security;
using PSAssistants.Client;
using PSAssistants.Protocols;

namespace PSAssistants;

/// <summary>
/// A connection's settings: where to send requests, how to authenticate and which protocol to speak.
/// It holds no connection of its own (sessions share one HttpClient per proxy setting) and never shows its
/// secret: only <see cref="HasApiKey"/>, <see cref="ApiKeySource"/> and <see cref="Authentication"/> are public.
/// </summary>
public sealed class OaiSession
{
    public const string DefaultBaseUri = "https://api.openai.com/v1";
    public const int DefaultTimeoutSec = 600;
    public const int DefaultMaxRetries = 2;
    public const int DefaultMaxResponseSizeMB = 64;

    /// <summary>Access tokens are renewed this long before they expire.</summary>
    private static readonly TimeSpan s_tokenSkew = TimeSpan.FromMinutes(5);

    private readonly SecureString? _apiKey;
    private readonly IAccessTokenProvider? _tokenProvider;
    private readonly NetworkCredential? _proxyCredential;
    private string? _plainSecret;
    private AccessToken? _token;
    private IProtocolAdapter? _adapter;
    private readonly object _gate = new();
    private readonly object _tokenGate = new();

    /// <summary>Made by OaiSessions.Create from settings it has resolved: every value is filled in.</summary>
    internal OaiSession(OaiSessionSettings s, OaiAuthentication authentication)
    {
        BaseUri = s.BaseUri ?? throw new ArgumentException("A session needs a base URI.", nameof(s));
        Protocol = s.Protocol ?? OaiProtocol.Assistants;
        Authentication = authentication;
        _apiKey = s.ApiKey;
        _apiKey?.MakeReadOnly();
        _tokenProvider = s.TokenProvider;
        ApiKeySource = s.ApiKeySource ?? "None";
        Organization = s.Organization;
        Project = s.Project;
        TimeoutSec = s.TimeoutSec ?? DefaultTimeoutSec;
        MaxRetries = s.MaxRetries ?? DefaultMaxRetries;
        MaxResponseSizeMB = s.MaxResponseSizeMB ?? DefaultMaxResponseSizeMB;
        AssistantStorePath = s.AssistantStorePath ?? "";
        Proxy = s.Proxy;
        Streaming = s.Streaming ?? true;
        _proxyCredential = s.ProxyCredential;
        ConnectedAt = DateTimeOffset.Now;
        OaiHeaderValues.Check(PlainKey(), "The API key");
        // Known to the redaction from now on, so a server that echoes the key (in a reply, an error, a run's
        // last_error) shows it to no one, in any runspace.
        if (PlainKey() is { } key) OaiSecrets.Register(key);
        OaiHeaderValues.Check(Organization, "-Organization");
        OaiHeaderValues.Check(Project, "-Project");
    }

    /// <summary>The API root, such as https://api.openai.com/v1.</summary>
    public Uri BaseUri { get; }

    public OaiProtocol Protocol { get; }

    /// <summary>How requests authenticate: ApiKey (Authorization: Bearer), AzureApiKey (api-key header) or AccessToken (Entra ID).</summary>
    public OaiAuthentication Authentication { get; }

    public string? Organization { get; }

    public string? Project { get; }

    /// <summary>Timeout of one HTTP request, in seconds (not of a whole -Wait).</summary>
    public int TimeoutSec { get; }

    /// <summary>How often a failed request is retried on 408, 409, 429, 5xx and connection errors.</summary>
    public int MaxRetries { get; }

    /// <summary>
    /// The largest JSON answer (and the longest server-sent event line) read, in MiB; past it the call fails
    /// with OaiProtocolError instead of filling memory. Downloads are not capped.
    /// </summary>
    public int MaxResponseSizeMB { get; }

    internal long MaxResponseBytes => MaxResponseSizeMB * 1024L * 1024L;

    /// <summary>True when the session has a key or a way to get an access token.</summary>
    public bool HasApiKey => (_apiKey is not null && _apiKey.Length > 0) || _tokenProvider is not null;

    /// <summary>Where the secret came from: Parameter, Environment, SecretVault, TokenProvider or None. Never the secret itself.</summary>
    public string ApiKeySource { get; }

    /// <summary>Where assistant definitions are kept on the Responses protocol (a JSON file).</summary>
    public string AssistantStorePath { get; }

    /// <summary>The proxy of this session; null means the system proxy (if any).</summary>
    public Uri? Proxy { get; }

    /// <summary>
    /// Whether waits follow the server's event stream (the default) or poll. Off for proxies that buffer
    /// server-sent events, and for validators that cannot read them.
    /// </summary>
    public bool Streaming { get; }

    public DateTimeOffset ConnectedAt { get; }

    public override string ToString() => $"{Protocol} at {BaseUri}";

    /// <summary>The Authorization header value of a key sent as a bearer token (null in the other modes).</summary>
    internal string? AuthorizationHeader =>
        Authentication == OaiAuthentication.ApiKey && PlainKey() is { } key ? "Bearer " + key : null;

    /// <summary>The header that authenticates a request, or null when the session has no secret.</summary>
    internal KeyValuePair<string, string>? AuthHeader => Authentication switch
    {
        OaiAuthentication.ApiKey => AuthorizationHeader is { } a ? new("Authorization", a) : null,
        OaiAuthentication.AzureApiKey => PlainKey() is { } k ? new("api-key", k) : null,
        _ => _token is { } t ? new("Authorization", "Bearer " + t.Token) : null,
    };

    /// <summary>The secret as text, so that error text quoting it can be redacted.</summary>
    internal string? SecretText => Authentication == OaiAuthentication.AccessToken ? _token?.Token : PlainKey();

    /// <summary>
    /// Gets a new access token when there is none or it expires within five minutes. Called on the pipeline
    /// thread before each operation, because a token scriptblock can only run there.
    /// </summary>
    internal void RefreshAccessToken()
    {
        if (_tokenProvider is null || !TokenDue()) return;
        // One renewal at a time: a session shared by parallel runspaces asks its provider once, and the others
        // use the token it got.
        lock (_tokenGate)
        {
            if (!TokenDue()) return;
            var token = _tokenProvider.GetToken();
            OaiHeaderValues.Check(token.Token, "The access token");
            OaiSecrets.Register(token.Token);
            _token = token;
        }
    }

    private bool TokenDue() =>
        _token is not { } current || (current.ExpiresOn is { } expires && expires - DateTimeOffset.UtcNow <= s_tokenSkew);

    /// <summary>The shared invoker for this session's proxy setting.</summary>
    internal HttpMessageInvoker Http => OaiHttp.For(Proxy, _proxyCredential);

    /// <summary>The protocol adapter, made on first use so that Connect-OaiService does no I/O.</summary>
    internal IProtocolAdapter Adapter
    {
        get
        {
            if (_adapter is not null) return _adapter;
            lock (_gate)
            {
                return _adapter ??= ProtocolAdapters.Create(this, Http);
            }
        }
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Unwrapped once from the SecureString and kept private: every request needs it.</summary>
    private string? PlainKey()
    {
        if (_apiKey is null || _apiKey.Length == 0) return null;
        if (_plainSecret is not null) return _plainSecret;
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(_apiKey);
        // With its length: a NUL inside the key must be seen (and refused), not end the string early.
        try { _plainSecret = Marshal.PtrToStringUni(ptr, _apiKey.Length); }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
        return _plainSecret;
    }
}

/// <summary>How a session authenticates its requests.</summary>
public enum OaiAuthentication
{
    /// <summary>Authorization: Bearer with an API key (OpenAI and compatible servers).</summary>
    ApiKey,

    /// <summary>The api-key header (Azure OpenAI with a resource key).</summary>
    AzureApiKey,

    /// <summary>Authorization: Bearer with an access token from Entra ID, renewed before it expires.</summary>
    AccessToken,
}

/// <summary>An access token and, when known, when it expires.</summary>
internal sealed record AccessToken(string Token, DateTimeOffset? ExpiresOn);

/// <summary>Gets access tokens; the cmdlet layer implements it over a string or a scriptblock.</summary>
internal interface IAccessTokenProvider
{
    AccessToken GetToken();
}

/// <summary>
/// The one description of a session's settings: what Connect-OaiService or New-OaiSession was given (null means
/// "not given", filled from the environment by OaiSessions.Create), and, resolved, what OaiSession is built from.
/// Tests name what they set: <c>OaiSessions.Create(new() { ApiKey = k, BaseUri = u })</c>.
/// </summary>
internal sealed record OaiSessionSettings
{
    public SecureString? ApiKey { get; init; }

    /// <summary>Parameter, Environment, SecretVault or TokenProvider; the default depends on where the key came from.</summary>
    public string? ApiKeySource { get; init; }

    public IAccessTokenProvider? TokenProvider { get; init; }
    public Uri? BaseUri { get; init; }
    public Uri? AzureEndpoint { get; init; }
    public OaiProtocol? Protocol { get; init; }
    public string? Organization { get; init; }
    public string? Project { get; init; }
    public int? TimeoutSec { get; init; }
    public int? MaxRetries { get; init; }
    public int? MaxResponseSizeMB { get; init; }
    public bool AllowInsecureHttp { get; init; }
    public string? AssistantStorePath { get; init; }
    public Uri? Proxy { get; init; }
    public NetworkCredential? ProxyCredential { get; init; }
    public bool? Streaming { get; init; }
}
