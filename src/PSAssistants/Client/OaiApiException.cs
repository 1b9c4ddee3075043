using System.Net;

namespace PSAssistants.Client;

/// <summary>
/// An error from the API or from talking to it. Carries what a runbook needs to decide what to do:
/// the HTTP status, the API's error type, code and message, and the request id to quote to support.
/// Never carries the API key: messages are built from the response body and the request path only.
/// </summary>
public sealed class OaiApiException : Exception
{
    public OaiApiException(OaiErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public OaiErrorKind Kind { get; }

    /// <summary>The HTTP status code, or null when no response arrived.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The API's error type, such as invalid_request_error.</summary>
    public string? ErrorType { get; init; }

    /// <summary>The API's error code, such as invalid_api_key or rate_limit_exceeded.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The request parameter the API blamed, if any.</summary>
    public string? Param { get; init; }

    /// <summary>The API's own message, without the context this module adds.</summary>
    public string? ApiMessage { get; init; }

    /// <summary>The server's x-request-id, for support tickets.</summary>
    public string? RequestId { get; init; }

    /// <summary>The method and path of the request that failed, e.g. "GET /threads/thread_abc".</summary>
    public string? Request { get; init; }

    /// <summary>An answer this module cannot read: not the JSON it expects, or larger than it accepts.</summary>
    internal static OaiApiException Protocol(string what, string? requestId, int status, Exception ex) =>
        new(OaiErrorKind.Protocol, $"The answer to {what} is not the JSON this module expects: {ex.Message}{RequestSuffix(requestId)}", ex)
        { StatusCode = status, RequestId = requestId, Request = what };

    /// <summary>An answer whose connection broke off midway.</summary>
    internal static OaiApiException BrokenOff(string what, string? requestId, Exception ex) =>
        new(OaiErrorKind.Connection, $"The answer to {what} broke off: {ex.Message}{RequestSuffix(requestId)}", ex)
        { RequestId = requestId, Request = what };

    internal static string RequestSuffix(string? requestId) => requestId is null ? "" : $" (request {requestId})";

    internal static OaiErrorKind KindFromStatus(int status) => status switch
    {
        400 or 422 => OaiErrorKind.InvalidRequest,
        401 => OaiErrorKind.Authentication,
        403 => OaiErrorKind.PermissionDenied,
        404 => OaiErrorKind.NotFound,
        408 => OaiErrorKind.Timeout,
        409 => OaiErrorKind.Conflict,
        429 => OaiErrorKind.RateLimit,
        >= 500 => OaiErrorKind.Server,
        _ => OaiErrorKind.InvalidRequest,
    };
}
