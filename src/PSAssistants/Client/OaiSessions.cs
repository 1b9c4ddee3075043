using System.Security;
using PSAssistants.Protocols.Responses;

namespace PSAssistants.Client;

/// <summary>
/// The module's default session. Any cmdlet used before Connect-OaiService builds it from the
/// environment (OPENAI_API_KEY, OPENAI_BASE_URL, ...), so a runbook with those set needs no Connect call.
/// </summary>
internal static class OaiSessions
{
    private static readonly object s_gate = new();
    private static OaiSession? s_default;

    public static OaiSession GetOrCreateDefault()
    {
        lock (s_gate)
        {
            return s_default ??= Create(new OaiConnectRequest());
        }
    }

    public static void SetDefault(OaiSession? session)
    {
        lock (s_gate) s_default = session;
    }

    /// <summary>The positional form the tests use: an OpenAI-style session (Authorization: Bearer).</summary>
    public static OaiSession Create(SecureString? apiKey, Uri? baseUri, OaiProtocol? protocol, string? organization,
        string? project, int? timeoutSec, int? maxRetries, bool allowInsecureHttp, string? assistantStorePath = null) =>
        Create(new OaiConnectRequest
        {
            ApiKey = apiKey,
            BaseUri = baseUri,
            Protocol = protocol,
            Organization = organization,
            Project = project,
            TimeoutSec = timeoutSec,
            MaxRetries = maxRetries,
            AllowInsecureHttp = allowInsecureHttp,
            AssistantStorePath = assistantStorePath,
        });

    /// <summary>
    /// Makes a session from what was given, falling back to the environment for what was not.
    /// Refuses plain http to anything but loopback unless asked, because the key would travel in clear.
    /// An Azure endpoint becomes its v1 API root and authenticates with the api-key header or an access token.
    /// </summary>
    public static OaiSession Create(OaiConnectRequest r)
    {
        var o = new OaiSessionOptions
        {
            Organization = r.Organization ?? NullIfEmpty(Environment.GetEnvironmentVariable("OPENAI_ORG_ID")),
            Project = r.Project ?? NullIfEmpty(Environment.GetEnvironmentVariable("OPENAI_PROJECT_ID")),
            TimeoutSec = r.TimeoutSec ?? OaiSession.DefaultTimeoutSec,
            MaxRetries = r.MaxRetries ?? OaiSession.DefaultMaxRetries,
            MaxResponseSizeMB = r.MaxResponseSizeMB ?? OaiSession.DefaultMaxResponseSizeMB,
            AssistantStorePath = string.IsNullOrWhiteSpace(r.AssistantStorePath) ? AssistantStore.DefaultPath() : r.AssistantStorePath,
            Proxy = r.Proxy,
            ProxyCredential = r.ProxyCredential,
            // PSASSISTANTS_STREAMING=off turns streaming off for sessions that do not say.
            Streaming = r.Streaming ?? !(Environment.GetEnvironmentVariable("PSASSISTANTS_STREAMING") is { } streamingEnv
                && (streamingEnv.Equals("off", StringComparison.OrdinalIgnoreCase) || streamingEnv == "0" || streamingEnv.Equals("false", StringComparison.OrdinalIgnoreCase))),
        };

        Uri? baseUri = r.BaseUri;
        if (r.AzureEndpoint is { } azure)
        {
            baseUri = AzureV1Root(azure);
            o.Authentication = r.TokenProvider is not null ? OaiAuthentication.AccessToken : OaiAuthentication.AzureApiKey;
        }
        if (baseUri is null)
        {
            var env = Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
            var text = string.IsNullOrWhiteSpace(env) ? OaiSession.DefaultBaseUri : env.Trim();
            if (!Uri.TryCreate(text, UriKind.Absolute, out baseUri))
                throw new OaiArgumentException($"OPENAI_BASE_URL '{text}' is not an absolute URI.");
        }
        if (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp)
            throw new OaiArgumentException($"The base URI '{baseUri}' must be http or https.");
        if (baseUri.Scheme == Uri.UriSchemeHttp && !r.AllowInsecureHttp && !OaiSession.IsLoopback(baseUri))
            throw new OaiArgumentException(
                $"The base URI '{baseUri}' is plain http to a host that is not this machine: the API key would travel unencrypted. Use https, or -AllowInsecureHttp if you mean it.");
        o.BaseUri = baseUri;
        o.Protocol = r.Protocol ?? DefaultProtocol(baseUri, isAzure: r.AzureEndpoint is not null);

        if (r.TokenProvider is not null)
        {
            o.Authentication = OaiAuthentication.AccessToken;
            o.TokenProvider = r.TokenProvider;
            o.ApiKeySource = "TokenProvider";
        }
        else if (r.ApiKey is not null)
        {
            o.ApiKey = r.ApiKey;
            o.ApiKeySource = r.ApiKeySource ?? "Parameter";
        }
        else
        {
            // Azure resources usually keep their key in AZURE_OPENAI_API_KEY; OPENAI_API_KEY serves both.
            var fromEnv = (r.AzureEndpoint is not null ? NullIfEmpty(Environment.GetEnvironmentVariable("AZURE_OPENAI_API_KEY")) : null)
                ?? NullIfEmpty(Environment.GetEnvironmentVariable("OPENAI_API_KEY"));
            if (fromEnv is not null)
            {
                o.ApiKey = ToSecureString(fromEnv);
                o.ApiKeySource = "Environment";
            }
        }
        return new OaiSession(o);
    }

    /// <summary>https://NAME.openai.azure.com (or .../openai/v1) → https://NAME.openai.azure.com/openai/v1.</summary>
    internal static Uri AzureV1Root(Uri endpoint)
    {
        if (!endpoint.IsAbsoluteUri) throw new OaiArgumentException($"-AzureEndpoint '{endpoint}' must be an absolute URI.");
        var root = endpoint.GetLeftPart(UriPartial.Authority);
        var path = endpoint.AbsolutePath.TrimEnd('/');
        if (path.Length == 0 || path.Equals("/openai", StringComparison.OrdinalIgnoreCase)) path = "/openai/v1";
        return new Uri(root + path);
    }

    /// <summary>
    /// $env:OPENAI_PROTOCOL when set; else Responses for OpenAI's own API and Azure OpenAI's v1 endpoints,
    /// whose hosted Assistants API was shut down on 2026-08-26; else Assistants, which self-hosted and
    /// compatible servers still serve.
    /// </summary>
    internal static OaiProtocol DefaultProtocol(Uri baseUri, bool isAzure = false)
    {
        var env = Environment.GetEnvironmentVariable("OPENAI_PROTOCOL");
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (Enum.TryParse<OaiProtocol>(env.Trim(), ignoreCase: true, out var fromEnv) && Enum.IsDefined(fromEnv)) return fromEnv;
            throw new OaiArgumentException($"OPENAI_PROTOCOL is '{env}'; it must be Assistants or Responses.");
        }
        if (isAzure) return OaiProtocol.Responses;
        var host = baseUri.Host.ToLowerInvariant();
        if (host == "api.openai.com") return OaiProtocol.Responses;
        if (host.EndsWith(".openai.azure.com", StringComparison.Ordinal) &&
            baseUri.AbsolutePath.StartsWith("/openai/v1", StringComparison.OrdinalIgnoreCase)) return OaiProtocol.Responses;
        return OaiProtocol.Assistants;
    }

    public static SecureString ToSecureString(string text)
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>What Connect-OaiService (or the environment) asks for; null means "not given".</summary>
internal sealed class OaiConnectRequest
{
    public SecureString? ApiKey { get; init; }
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
    public System.Net.NetworkCredential? ProxyCredential { get; init; }
    public bool? Streaming { get; init; }
}
