using System.Net;
using System.Net.Http;

namespace PSAssistants.Client;

/// <summary>
/// Which redirects are followed. The shared handler follows none (it would carry the api-key header, the body,
/// OpenAI-Organization/-Project and the Idempotency-Key to any host), so the client asks here: a redirect to
/// the same origin (scheme, host and port) is followed, to another origin it is refused.
/// </summary>
internal static class OaiRedirects
{
    /// <summary>More hops than this on one origin is a loop, not an answer.</summary>
    public const int MaxHops = 5;

    /// <summary>The target of a redirect answer, or null when the answer is not one (or names no Location).</summary>
    public static Uri? Target(HttpResponseMessage response, Uri requestUri)
    {
        if (!IsRedirect(response.StatusCode)) return null;
        var location = response.Headers.Location;
        if (location is null) return null;
        return location.IsAbsoluteUri ? location : new Uri(requestUri, location);
    }

    public static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>
    /// The method of the next hop: 307 and 308 repeat the request as it was; 303 asks for a GET, and so do 301
    /// and 302 after a POST, as browsers and .NET do. Returns whether the body goes along.
    /// </summary>
    public static (HttpMethod Method, bool KeepBody) NextHop(HttpStatusCode status, HttpMethod method) => status switch
    {
        HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect => (method, true),
        HttpStatusCode.SeeOther when method != HttpMethod.Head => (HttpMethod.Get, false),
        HttpStatusCode.MovedPermanently or HttpStatusCode.Found when method == HttpMethod.Post => (HttpMethod.Get, false),
        _ => (method, true),
    };

    /// <summary>A target as it may be shown: no user info, no query (it may hold a token), no fragment.</summary>
    public static string Shown(Uri target)
    {
        var shown = new UriBuilder(target) { UserName = "", Password = "", Query = "", Fragment = "" };
        return shown.Uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }

    public static OaiApiException Refused(string what, int status, Uri target, Uri from) =>
        new(OaiErrorKind.RedirectRefused,
            $"{what} was redirected (HTTP {status}) to {Shown(target)}, another origin than {from.GetLeftPart(UriPartial.Authority)}; "
            + "the request was not sent there, so the key and the body stay with the server the session names.")
        { StatusCode = status, Request = what };
}
