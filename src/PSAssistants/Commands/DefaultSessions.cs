using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// The default sessions, one per runspace. Any cmdlet used before Connect-OaiService builds its runspace's default
/// from the environment (OPENAI_API_KEY, OPENAI_BASE_URL, ...), so a runbook with those set needs no Connect call.
/// A static field would be one default for the whole process: a Connect or Disconnect inside
/// ForEach-Object -Parallel or Start-ThreadJob would then re-point the script that started it. Only the HttpClient
/// (OaiHttp) is shared by the process; a session object itself can be handed to any runspace.
/// </summary>
internal static class DefaultSessions
{
    /// <summary>A runspace's default; the lock is the slot itself.</summary>
    private sealed class Slot
    {
        public OaiSession? Session;
    }

    // Weakly keyed, so a runspace nobody holds takes its slot with it; closed runspaces are also dropped at once
    // (OnRunspaceStateChanged), because a finished job can keep its runspace object alive long after.
    private static readonly ConditionalWeakTable<Runspace, Slot> s_byRunspace = new();

    /// <summary>Callers with no runspace on their thread (the xunit tests, a host's own threads) share this one.</summary>
    private static readonly Slot s_noRunspace = new();

    /// <summary>The default session of the runspace on this thread, built from the environment on first use.</summary>
    public static OaiSession GetOrCreateDefault() => GetOrCreateDefault(Runspace.DefaultRunspace);

    public static OaiSession GetOrCreateDefault(Runspace? runspace)
    {
        var slot = SlotOf(runspace);
        lock (slot)
        {
            return slot.Session ??= OaiSessions.Create(new OaiSessionSettings());
        }
    }

    /// <summary>Sets (or with null forgets) the default of the runspace on this thread only.</summary>
    public static void SetDefault(OaiSession? session) => SetDefault(Runspace.DefaultRunspace, session);

    public static void SetDefault(Runspace? runspace, OaiSession? session)
    {
        var slot = SlotOf(runspace);
        lock (slot) slot.Session = session;
    }

    /// <summary>How many runspaces hold a default now (for the test that ended runspaces leave nothing behind).</summary>
    internal static int RunspaceCount => s_byRunspace.Count();

    private static Slot SlotOf(Runspace? runspace)
    {
        if (runspace is null) return s_noRunspace;
        if (s_byRunspace.TryGetValue(runspace, out var slot)) return slot;
        return s_byRunspace.GetValue(runspace, static r =>
        {
            r.StateChanged += OnRunspaceStateChanged;
            return new Slot();
        });
    }

    private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is Runspace r && e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken)
        {
            r.StateChanged -= OnRunspaceStateChanged;
            s_byRunspace.Remove(r);
        }
    }
}
