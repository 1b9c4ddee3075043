using System.Net;
using System.Net.Http;

namespace PSAssistants.Client;

/// <summary>
/// The one HttpClient of the process. Sessions hold configuration only, so every session shares
/// one connection pool; the pooled-connection lifetime lets DNS changes be seen by long runbooks.
/// </summary>
internal static class OaiHttp
{
    private static readonly Lazy<HttpMessageInvoker> s_shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Created on first use, never at import, so Import-Module stays cheap.</summary>
    public static HttpMessageInvoker Shared => s_shared.Value;

    private static readonly Dictionary<(Uri, string?), HttpMessageInvoker> s_proxied = new();

    /// <summary>
    /// The invoker for a proxy setting: the shared one for the system proxy, else one per proxy and user,
    /// made once and kept for the process (a handler per session would defeat connection pooling).
    /// </summary>
    public static HttpMessageInvoker For(Uri? proxy, NetworkCredential? credential)
    {
        if (proxy is null) return Shared;
        var key = (proxy, credential is null ? null : credential.Domain + "\\" + credential.UserName);
        lock (s_proxied)
        {
            if (!s_proxied.TryGetValue(key, out var invoker))
            {
                s_proxied[key] = invoker = Create(new WebProxy(proxy) { Credentials = credential });
            }
            return invoker;
        }
    }

    /// <summary>A new invoker as the shared one is made (tests use it to exercise the real handler).</summary>
    internal static HttpMessageInvoker Create() => Create(null);

    private static HttpMessageInvoker Create(IWebProxy? proxy)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
            // .NET would follow a redirect to any host, taking api-key, the body and every other header but
            // Authorization along: OaiRedirects follows same-origin redirects only.
            AllowAutoRedirect = false,
        };
        // Without an explicit proxy the system proxy is honoured (UseProxy = true, HttpClient.DefaultProxy).
        if (proxy is not null) handler.Proxy = proxy;
        // Timeouts are applied per request by OaiClient, so the invoker itself never times out.
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
