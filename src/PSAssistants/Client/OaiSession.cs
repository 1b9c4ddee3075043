using System.Net;
using System.Runtime.InteropServices;
using System.Security;
using PSAssistants.Protocols;

namespace PSAssistants;

/// <summary>
/// A connection's settings: where to send requests, how to authenticate and which protocol to speak.
/// It holds no connection of its own (all sessions share one HttpClient) and never shows its key:
/// only <see cref="HasApiKey"/> and <see cref="ApiKeySource"/> are public.
/// </summary>
public sealed class OaiSession
{
    public const string DefaultBaseUri = "https://api.openai.com/v1";
    public const int DefaultTimeoutSec = 600;
    public const int DefaultMaxRetries = 2;

    private readonly SecureString? _apiKey;
    private string? _authorization;
    private IProtocolAdapter? _adapter;
    private readonly object _gate = new();

    internal OaiSession(Uri baseUri, OaiProtocol protocol, SecureString? apiKey, string apiKeySource,
        string? organization, string? project, int timeoutSec, int maxRetries, string assistantStorePath)
    {
        AssistantStorePath = assistantStorePath;
        BaseUri = baseUri;
        Protocol = protocol;
        _apiKey = apiKey;
        _apiKey?.MakeReadOnly();
        ApiKeySource = apiKeySource;
        Organization = organization;
        Project = project;
        TimeoutSec = timeoutSec;
        MaxRetries = maxRetries;
        ConnectedAt = DateTimeOffset.Now;
    }

    /// <summary>The API root, such as https://api.openai.com/v1.</summary>
    public Uri BaseUri { get; }

    public OaiProtocol Protocol { get; }

    public string? Organization { get; }

    public string? Project { get; }

    /// <summary>Timeout of one HTTP request, in seconds (not of a whole -Wait).</summary>
    public int TimeoutSec { get; }

    /// <summary>How often a failed request is retried on 408, 409, 429, 5xx and connection errors.</summary>
    public int MaxRetries { get; }

    public bool HasApiKey => _apiKey is not null && _apiKey.Length > 0;

    /// <summary>Where the key came from: Parameter, Environment or None. Never the key itself.</summary>
    public string ApiKeySource { get; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Where assistant definitions are kept on the Responses protocol (a JSON file).</summary>
    public string AssistantStorePath { get; }

    public override string ToString() => $"{Protocol} at {BaseUri}";

    /// <summary>The Authorization header value, unwrapped once from the SecureString and kept private.</summary>
    internal string? AuthorizationHeader
    {
        get
        {
            if (_apiKey is null || _apiKey.Length == 0) return null;
            if (_authorization is not null) return _authorization;
            var ptr = Marshal.SecureStringToGlobalAllocUnicode(_apiKey);
            try { _authorization = "Bearer " + Marshal.PtrToStringUni(ptr); }
            finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
            return _authorization;
        }
    }

    /// <summary>The protocol adapter, made on first use so that Connect-OaiService does no I/O.</summary>
    internal IProtocolAdapter Adapter
    {
        get
        {
            if (_adapter is not null) return _adapter;
            lock (_gate)
            {
                return _adapter ??= ProtocolAdapters.Create(this, Client.OaiHttp.Shared);
            }
        }
    }

    /// <summary>Lets tests put an adapter over an in-memory transport.</summary>
    internal void SetAdapter(IProtocolAdapter adapter) => _adapter = adapter;

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
