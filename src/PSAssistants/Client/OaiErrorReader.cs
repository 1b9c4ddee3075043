using System.Net.Http;
using System.Text;
using System.Text.Json;
using PSAssistants.Json;

namespace PSAssistants.Client;

/// <summary>
/// Turns a failed HTTP answer into an <see cref="OaiApiException"/>: reads at most
/// <see cref="MaxBodyBytes"/> of the body, takes the API's {"error": {...}} envelope apart and keeps the
/// session's secrets out of every text it returns, before and after JSON decoding (a server may echo the
/// key as \u0073\u006b... escapes, which only decoding turns into the key).
/// </summary>
internal sealed class OaiErrorReader
{
    /// <summary>An error body is a short JSON object or a proxy's page; anything longer is not read.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Longer texts than this are shown only when they are the API's own message.</summary>
    private const int MaxPlainMessage = 300;

    private readonly Func<string?> _secret;

    /// <param name="secret">The session's current secret (API key, Azure api-key or Entra token), read per error.</param>
    public OaiErrorReader(Func<string?> secret) => _secret = secret;

    public async Task<OaiApiException> ReadAsync(HttpResponseMessage response, string what, string? requestId, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        string text;
        try
        {
            var bytes = await OaiBoundedRead.ReadAsync(response.Content, MaxBodyBytes, ct).ConfigureAwait(false);
            if (bytes is null)
            {
                return new OaiApiException(OaiErrorKind.Protocol,
                    $"HTTP {status}: the error body is larger than {MaxBodyBytes / 1024} KiB and was not read further [{what}{(requestId is null ? "" : ", request " + Redact(requestId))}]")
                { StatusCode = status, RequestId = Redact(requestId), Request = what };
            }
            text = DecodeText(bytes, response.Content.Headers.ContentType?.CharSet);
        }
        catch (Exception readError) when (readError is HttpRequestException or IOException or OperationCanceledException) { text = ""; }
        // Some proxies quote the credential they refused; it must not reach an error message.
        text = Redact(text)!;

        ApiError? error = null;
        if (text.Length > 0)
        {
            try
            {
                // The API wraps errors as {"error": {...}}; a few spec'd 404s are the bare object.
                var envelope = JsonSerializer.Deserialize(text, WireJson.Default.ApiErrorEnvelope);
                error = envelope?.Error ?? JsonSerializer.Deserialize(text, WireJson.Default.ApiError);
            }
            catch (JsonException) { }
        }

        // Decoded texts are redacted again: escapes hide the key from the first pass.
        var apiMessage = Redact(error?.Message);
        if (string.IsNullOrWhiteSpace(apiMessage))
        {
            apiMessage = text.Length is > 0 and <= MaxPlainMessage && !text.TrimStart().StartsWith('<')
                ? text.Trim()
                : Redact(response.ReasonPhrase) ?? "no message";
        }
        var type = Redact(error?.Type);
        var code = Redact(error?.Code);
        requestId = Redact(requestId);
        var label = type ?? code;
        if (type is not null && code is not null) label = $"{type}: {code}";
        var message = $"HTTP {status}{(label is null ? "" : $" ({label})")}: {apiMessage} [{what}{(requestId is null ? "" : ", request " + requestId)}]";

        var ex = new OaiApiException(OaiApiException.KindFromStatus(status), message)
        {
            StatusCode = status,
            ErrorType = type,
            ErrorCode = code,
            Param = Redact(error?.Param),
            ApiMessage = apiMessage,
            RequestId = requestId,
            Request = what,
        };
        var retryAfter = OaiRetryPolicy.RetryAfter(response);
        if (retryAfter is not null) ex.Data["RetryAfter"] = retryAfter;
        return ex;
    }

    /// <summary>The text with the session's secret replaced by ***.</summary>
    public string? Redact(string? text) => OaiRedaction.Redact(text, _secret());

    private static string DecodeText(byte[] bytes, string? charSet)
    {
        var encoding = Encoding.UTF8;
        if (!string.IsNullOrEmpty(charSet))
        {
            try { encoding = Encoding.GetEncoding(charSet.Trim('"')); }
            catch (ArgumentException) { }
        }
        return encoding.GetString(bytes);
    }
}

/// <summary>Keeps a secret out of a text the server sent.</summary>
internal static class OaiRedaction
{
    /// <summary>Shorter "secrets" are not replaced: they would blot out ordinary words, and no real key is that short.</summary>
    private const int MinSecretLength = 4;

    public static string? Redact(string? text, string? secret)
    {
        if (string.IsNullOrEmpty(text) || string.IsNullOrEmpty(secret) || secret.Length < MinSecretLength) return text;
        return text.Contains(secret, StringComparison.Ordinal) ? text.Replace(secret, "***", StringComparison.Ordinal) : text;
    }
}
