namespace PSAssistants.Client;

/// <summary>
/// What one cmdlet call hands down to the client layer: where its diagnostics go and how often its requests
/// are retried. The cmdlet enters it around each operation; the value flows through awaits, so the client
/// needs no extra parameter on every adapter method. A stream keeps the context it was opened under, so a
/// later re-send obeys the same call's settings.
/// </summary>
internal sealed class OaiCallContext
{
    private static readonly AsyncLocal<OaiCallContext?> s_current = new();

    public OaiCallContext(IOaiLogSink? log, int? maxRetries)
    {
        Log = log;
        MaxRetries = maxRetries;
    }

    /// <summary>The cmdlet that relays Verbose/Debug text on its pipeline thread, or null.</summary>
    public IOaiLogSink? Log { get; }

    /// <summary>The call's -MaxRetries, which wins over the session's; null when not given.</summary>
    public int? MaxRetries { get; }

    /// <summary>The context of the call now running on this flow, or null outside any cmdlet.</summary>
    public static OaiCallContext? Current => s_current.Value;

    /// <summary>Makes <paramref name="context"/> current until the returned scope is disposed.</summary>
    public static Scope Enter(OaiCallContext? context)
    {
        var previous = s_current.Value;
        s_current.Value = context;
        return new Scope(previous);
    }

    /// <summary>Restores the context that was current before <see cref="Enter"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly OaiCallContext? _previous;

        internal Scope(OaiCallContext? previous) => _previous = previous;

        public void Dispose() => s_current.Value = _previous;
    }
}
