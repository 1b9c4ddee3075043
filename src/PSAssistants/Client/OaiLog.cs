namespace PSAssistants.Client;

/// <summary>
/// Where the client layer writes its diagnostics. The cmdlet that starts an operation is the sink for the
/// duration of its call (see <see cref="OaiCallContext"/>) and drains it on the pipeline thread, because
/// Write-Verbose may only be called from there.
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
    private static IOaiLogSink? Sink => OaiCallContext.Current?.Log;

    public static bool VerboseEnabled => Sink?.VerboseEnabled == true;

    public static bool DebugEnabled => Sink?.DebugEnabled == true;

    public static void Verbose(string message) => Sink?.Verbose(message);

    public static void Debug(string message) => Sink?.Debug(message);
}
