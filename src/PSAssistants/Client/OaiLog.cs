namespace PSAssistants.Client;

/// <summary>
/// Where the client layer writes its diagnostics, and the per-call settings a cmdlet passes down. The cmdlet that starts an operation sets a sink
/// for the duration of its call (the value flows through awaits) and drains it on the pipeline thread,
/// because Write-Verbose may only be called from there.
/// </summary>
internal interface IOaiLogSink
{
    /// <summary>Whether verbose text would be shown at all, so that none is built when it would not.</summary>
    bool VerboseEnabled { get; }

    bool DebugEnabled { get; }

    void Verbose(string message);
    void Debug(string message);
}

internal static class OaiLog
{
    private static readonly AsyncLocal<IOaiLogSink?> s_current = new();
    private static readonly AsyncLocal<int?> s_maxRetries = new();

    /// <summary>A cmdlet's -MaxRetries, which wins over the session's for the calls it makes.</summary>
    public static int? MaxRetries
    {
        get => s_maxRetries.Value;
        set => s_maxRetries.Value = value;
    }

    public static IOaiLogSink? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    public static bool VerboseEnabled => s_current.Value?.VerboseEnabled == true;

    public static bool DebugEnabled => s_current.Value?.DebugEnabled == true;

    public static void Verbose(string message) => s_current.Value?.Verbose(message);

    public static void Debug(string message) => s_current.Value?.Debug(message);
}
