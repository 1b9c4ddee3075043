using System.Security;

namespace PSAssistants.Client;

/// <summary>
/// The module's default session. Any cmdlet used before Connect-OaiService builds it from the
/// environment (OPENAI_API_KEY, OPENAI_BASE_URL, ...), so a runbook with those set needs no Connect call.
/// </summary>
internal static class OaiSessions
{
    private static readonly object s_gate = new();
    private static OaiSession? s_default;

    public static OaiSession? Current
    {
        get { lock (s_gate) return s_default; }
    }

    public static OaiSession GetOrCreateDefault()
    {
        lock (s_gate)
        {
            return s_default ??= Create(null, null, null, null, null, null, null, false, null);
        }
    }

    public static void SetDefault(OaiSession? session)
    {
        lock (s_gate) s_default = session;
    }

    /// <summary>
    /// Makes a session from what was given, falling back to the environment for what was not.
    /// Refuses plain http to anything but loopback unless asked, because the key would travel in clear.
    /// </summary>
    public static OaiSession Create(SecureString? apiKey, Uri? baseUri, OaiProtocol? protocol, string? organization,
        string? project, int? timeoutSec, int? maxRetries, bool allowInsecureHttp, string? assistantStorePath = null)
    {
        var keySource = "Parameter";
        if (apiKey is null)
        {
            var fromEnv = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
            if (!string.IsNullOrEmpty(fromEnv))
            {
                apiKey = ToSecureString(fromEnv);
                keySource = "Environment";
            }
            else
            {
                keySource = "None";
            }
        }

        if (baseUri is null)
        {
            var env = Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
            var text = string.IsNullOrWhiteSpace(env) ? OaiSession.DefaultBaseUri : env.Trim();
            if (!Uri.TryCreate(text, UriKind.Absolute, out baseUri))
                throw new ArgumentException($"OPENAI_BASE_URL '{text}' is not an absolute URI.");
        }
        if (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp)
            throw new ArgumentException($"The base URI '{baseUri}' must be http or https.");
        if (baseUri.Scheme == Uri.UriSchemeHttp && !allowInsecureHttp && !OaiSession.IsLoopback(baseUri))
            throw new ArgumentException(
                $"The base URI '{baseUri}' is plain http to a host that is not this machine: the API key would travel unencrypted. Use https, or -AllowInsecureHttp if you mean it.");

        organization ??= NullIfEmpty(Environment.GetEnvironmentVariable("OPENAI_ORG_ID"));
        project ??= NullIfEmpty(Environment.GetEnvironmentVariable("OPENAI_PROJECT_ID"));

        return new OaiSession(baseUri, protocol ?? DefaultProtocol(baseUri), apiKey, keySource, organization, project,
            timeoutSec ?? OaiSession.DefaultTimeoutSec, maxRetries ?? OaiSession.DefaultMaxRetries,
            string.IsNullOrWhiteSpace(assistantStorePath) ? AssistantStore.DefaultPath() : assistantStorePath);
    }

    /// <summary>
    /// $env:OPENAI_PROTOCOL when set; else Responses for OpenAI's own API and Azure OpenAI's v1 endpoints,
    /// whose hosted Assistants API was shut down on 2026-08-26; else Assistants, which self-hosted and
    /// compatible servers still serve.
    /// </summary>
    internal static OaiProtocol DefaultProtocol(Uri baseUri)
    {
        var env = Environment.GetEnvironmentVariable("OPENAI_PROTOCOL");
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (Enum.TryParse<OaiProtocol>(env.Trim(), ignoreCase: true, out var fromEnv) && Enum.IsDefined(fromEnv)) return fromEnv;
            throw new ArgumentException($"OPENAI_PROTOCOL is '{env}'; it must be Assistants or Responses.");
        }
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
