namespace PSAssistants.Client;

/// <summary>
/// The kinds of failure a runbook can branch on. Each maps to one stable ErrorId and one
/// ErrorCategory in the cmdlet layer (see OaiCmdlet.ToErrorRecord).
/// </summary>
public enum OaiErrorKind
{
    InvalidRequest,
    Authentication,
    PermissionDenied,
    NotFound,
    Conflict,
    RateLimit,
    Server,
    Timeout,
    Connection,
    Protocol,
    NotSupported,

    /// <summary>An id the module refused before any request (it could address another resource in a URL path).</summary>
    InvalidId,

    /// <summary>The local assistant store (Responses) cannot be read or written; it is never overwritten then.</summary>
    AssistantStoreInvalid,

    /// <summary>No assistant of the session has the name given where an assistant is taken.</summary>
    AssistantNameNotFound,

    /// <summary>Several assistants of the session have the name given where an assistant is taken.</summary>
    AssistantNameAmbiguous,

    /// <summary>The server redirected to another origin; the request (key, body, headers) was not sent there.</summary>
    RedirectRefused,
}
