using System.Security;
using PSAssistants.Protocols.Responses;

namespace PSAssistants.Client;

/// <summary>
/// Makes sessions: from what Connect-OaiService or New-OaiSession was given, the rest from the environment.
/// Which session is a runspace's default is kept by Commands/DefaultSessions (a PowerShell notion).
/// </summary>
internal static class OaiSessions
{
    /// <summary>
    /// Makes a session from what was given, falling back to the environment for what was not.
    /// Refuses plain http to anything but loopback unless asked, because the key would travel in clear.
    /// An Azure endpoint becomes its v1 API root and authenticates with the api-key header or an access token.
    /// </summary>
    public static OaiSession Create(OaiSessionSettings r)
    {
        var baseUri = r.BaseUri;
        var authentication = OaiAuthentication.ApiKey;
        if (r.AzureEndpoint is { } azure)
        {
            baseUri = AzureV1Root(azure);
            authentication = OaiAuthentication.AzureApiKey;
        }
        if (baseUri is null)
        {
            var env = Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
            var text = string.IsNullOrWhiteSpace(env) ? OaiSession.DefaultBaseUri : env.Trim();
            if (!Uri.TryCreate(text, UriKind.Absolute, out baseUri))
                throw new OaiArgumentException($"OPENAI_BASE_URL '{text}' is not an absolute URI.");
        }
        // A relative URI (-BaseUri api/v1) has no scheme at all: asking for one would throw InvalidOperationException.
        if (!baseUri.IsAbsoluteUri)
            throw new OaiArgumentException($"The base URI '{baseUri}' is relative; give the whole API root, such as https://api.openai.com/v1.");
        if (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp)
            throw new OaiArgumentException($"The base URI '{baseUri}' must be http or https.");
        if (baseUri.Scheme == Uri.UriSchemeHttp && !r.AllowInsecureHttp && !OaiSession.IsLoopback(baseUri))
            throw new OaiArgumentException(
                $"The base URI '{baseUri}' is plain http to a host that is not this machine: the API key would travel unencrypted. Use https, or -AllowInsecureHttp if you mean it.");
        if (r.Proxy is { IsAbsoluteUri: false } proxy)
            throw new OaiArgumentException($"The proxy '{proxy}' is relative; give its whole address, such as http://proxy.example:8080.");

        var apiKey = r.ApiKey;
        var source = r.ApiKeySource;
        if (r.TokenProvider is not null)
        {
            authentication = OaiAuthentication.AccessToken;
            apiKey = null;
            source = "TokenProvider";
        }
        else if (apiKey is not null)
        {
            source ??= "Parameter";
        }
        else
        {
            // Azure resources usually keep their key in AZURE_OPENAI_API_KEY; OPENAI_API_KEY serves both.
            var fromEnv = (r.AzureEndpoint is not null ? NullIfEmpty(Environment.GetEnvironmentVariable("AZURE_OPENAI_API_KEY")) : null)
                ?? NullIfEmpty(Environment.GetEnvironmentVariable("OPENAI_API_KEY"));
            apiKey = fromEnv is null ? null : ToSecureString(fromEnv);
            source = fromEnv is null ? "None" : "Environment";
        }

        var resolved = r with
        {
            BaseUri = baseUri,
            Protocol = r.Protocol ?? DefaultProtocol(baseUri, isAzure: r.AzureEndpoint is not null),
            ApiKey = apiKey,
            ApiKeySource = source,
            Organization = r.Organization ?? NullIfEmpty(Environment.GetEnvironmentVariable("OPENAI_ORG_ID")),
            Project = r.Project ?? NullIfEmpty(Environment.GetEnvironmentVariable("OPENAI_PROJECT_ID")),
            TimeoutSec = r.TimeoutSec ?? OaiSession.DefaultTimeoutSec,
            MaxRetries = r.MaxRetries ?? OaiSession.DefaultMaxRetries,
            MaxResponseSizeMB = r.MaxResponseSizeMB ?? OaiSession.DefaultMaxResponseSizeMB,
            AssistantStorePath = string.IsNullOrWhiteSpace(r.AssistantStorePath) ? AssistantStore.DefaultPath() : r.AssistantStorePath,
            // PSASSISTANTS_STREAMING=off turns streaming off for sessions that do not say.
            Streaming = r.Streaming ?? !(Environment.GetEnvironmentVariable("PSASSISTANTS_STREAMING") is { } streamingEnv
                && (streamingEnv.Equals("off", StringComparison.OrdinalIgnoreCase) || streamingEnv == "0" || streamingEnv.Equals("false", StringComparison.OrdinalIgnoreCase))),
        };
        return new OaiSession(resolved, authentication);
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
