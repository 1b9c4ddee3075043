using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Text.Json;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>A fixed access token (string or SecureString); its expiry is read from the JWT when it is one.</summary>
internal sealed class StaticTokenProvider : IAccessTokenProvider
{
    private readonly AccessToken _token;

    public StaticTokenProvider(string token)
    {
        OaiHeaderValues.Check(token, "-AccessToken"); // refused at connect, not at the first request
        _token = new AccessToken(token, TokenText.JwtExpiry(token));
    }

    public AccessToken GetToken() => _token;
}

/// <summary>
/// A scriptblock that returns a token: a string, a SecureString, or an object with Token and ExpiresOn
/// (what Get-AzAccessToken returns). Run on the pipeline thread before an operation whose token is
/// missing or about to expire.
/// </summary>
internal sealed class ScriptBlockTokenProvider : IAccessTokenProvider
{
    /// <summary>A token of unknown lifetime is fetched again after this long.</summary>
    private static readonly TimeSpan s_unknownLifetime = TimeSpan.FromMinutes(10);
    private readonly ScriptBlock _script;

    /// <summary>The runspace the scriptblock belongs to (where Connect-OaiService or New-OaiSession ran).</summary>
    private readonly Runspace? _owner;

    public ScriptBlockTokenProvider(ScriptBlock script)
    {
        _script = script;
        _owner = Runspace.DefaultRunspace;
    }

    public AccessToken GetToken()
    {
        PSObject? result;
        try
        {
            // A scriptblock runs in the session state of the runspace that made it. Invoked from another
            // runspace's thread (the session handed to ForEach-Object -Parallel or a thread job) it would run
            // there concurrently with that runspace, which PowerShell does not support; a copy of its text runs
            // in the calling runspace instead (it sees that runspace's variables and modules, not the caller's).
            var script = ReferenceEquals(Runspace.DefaultRunspace, _owner) ? _script : ScriptBlock.Create(_script.ToString());
            result = script.Invoke().FirstOrDefault(o => o is not null);
        }
        catch (RuntimeException ex)
        {
            throw new OaiApiException(OaiErrorKind.Authentication, $"The -AccessToken scriptblock failed: {ex.Message}", ex);
        }
        var value = InputResolver.Unwrap(result);
        string? token;
        DateTimeOffset? expires = null;
        switch (value)
        {
            case string s: token = s; break;
            case SecureString ss: token = TokenText.Plain(ss); break;
            case null: token = null; break;
            default:
                var pso = result!; // the wrapper, not its base: a PSCustomObject keeps its properties there
                token = InputResolver.Unwrap(pso.Properties["Token"]?.Value) switch
                {
                    string s => s,
                    SecureString ss => TokenText.Plain(ss),
                    _ => null,
                };
                expires = InputResolver.Unwrap(pso.Properties["ExpiresOn"]?.Value) switch
                {
                    DateTimeOffset d => d,
                    DateTime d => new DateTimeOffset(d.ToUniversalTime()),
                    _ => null,
                };
                break;
        }
        if (string.IsNullOrEmpty(token))
            throw new OaiApiException(OaiErrorKind.Authentication, "The -AccessToken scriptblock returned no token (a string, a SecureString, or an object with a Token property).");
        return new AccessToken(token, expires ?? TokenText.JwtExpiry(token) ?? DateTimeOffset.UtcNow + s_unknownLifetime);
    }
}

internal static class TokenText
{
    public static string Plain(SecureString s)
    {
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(s);
        try { return Marshal.PtrToStringUni(ptr) ?? ""; }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
    }

    /// <summary>The exp claim of a JWT, or null when the token is not one.</summary>
    public static DateTimeOffset? JwtExpiry(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3) return null;
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            return doc.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }
}
