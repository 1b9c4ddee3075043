using System.Globalization;
using System.Net.Http;

namespace PSAssistants.Client;

/// <summary>
/// Which failures are tried again, how often and after how long. One logical request runs through
/// <see cref="RunAsync"/>; the attempt itself (and its Idempotency-Key) is the caller's.
/// </summary>
internal sealed class OaiRetryPolicy
{
    private static readonly TimeSpan s_maxServerDelay = TimeSpan.FromSeconds(60);
    private const double FirstBackoffSeconds = 0.5;
    private const double MaxBackoffSeconds = 8.0;

    /// <summary>Delay before retry number n (1-based), given any server-sent delay; replaceable so tests need not sleep.</summary>
    public Func<int, TimeSpan?, TimeSpan> Delay { get; set; } = DefaultDelay;

    /// <summary>
    /// Runs <paramref name="once"/> until it succeeds, fails with something not worth retrying, or has been
    /// retried <paramref name="maxRetries"/> times; the last failure is thrown as it was.
    /// </summary>
    public async Task<T> RunAsync<T>(string what, int maxRetries, Func<Task<T>> once, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            OaiApiException failure;
            try
            {
                return await once().ConfigureAwait(false);
            }
            catch (OaiApiException ex) when (IsRetryable(ex) && attempt < maxRetries)
            {
                failure = ex;
            }
            var delay = Delay(attempt + 1, failure.Data["RetryAfter"] as TimeSpan?);
            OaiLog.Verbose(string.Create(CultureInfo.InvariantCulture,
                $"Retrying {what} (attempt {attempt + 2} of {maxRetries + 1}) in {delay.TotalMilliseconds:0} ms: {failure.Message}"));
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Connection failures, timeouts, 408, 409 (a lock), 429 and the 5xx a retry can cure.</summary>
    public static bool IsRetryable(OaiApiException ex) => ex.Kind switch
    {
        OaiErrorKind.Connection or OaiErrorKind.Timeout => true,
        // An answer too large or malformed would come back the same, whatever its status.
        OaiErrorKind.Protocol => false,
        _ => ex.StatusCode is 408 or 409 or 429 or 500 or 502 or 503 or 504,
    };

    /// <summary>retry-after-ms wins over Retry-After (seconds or an HTTP date); both are the server's word.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var values) && values.FirstOrDefault() is { } ms
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m >= 0)
            return TimeSpan.FromMilliseconds(m);
        var ra = response.Headers.RetryAfter;
        if (ra?.Delta is { } d) return d;
        if (ra?.Date is { } date) return date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
        return null;
    }

    /// <summary>Exponential backoff with jitter (0.5 s doubling to 8 s); a server's Retry-After wins up to 60 s.</summary>
    public static TimeSpan DefaultDelay(int attempt, TimeSpan? serverDelay)
    {
        if (serverDelay is { } s && s >= TimeSpan.Zero && s <= s_maxServerDelay) return s;
        var seconds = Math.Min(FirstBackoffSeconds * Math.Pow(2, attempt - 1), MaxBackoffSeconds);
        return TimeSpan.FromSeconds(seconds * (1 - 0.25 * Random.Shared.NextDouble()));
    }
}
