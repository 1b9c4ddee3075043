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

    public static bool IsCreated => s_shared.IsValueCreated;

    private static HttpMessageInvoker Create()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
            // The system proxy is honoured by default (UseProxy = true, DefaultProxy).
        };
        // Timeouts are applied per request by OaiClient, so the invoker itself never times out.
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
