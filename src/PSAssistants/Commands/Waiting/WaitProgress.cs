using System.Management.Automation;

namespace PSAssistants.Commands.Waiting;

/// <summary>Write-Progress while waiting, only when someone can see it (not into a redirected runbook log).</summary>
internal sealed class WaitProgress
{
    private readonly Cmdlet _cmdlet;
    private readonly bool _enabled;
    private ProgressRecord? _record;
    private string? _lastStatus;

    public WaitProgress(Cmdlet cmdlet, bool enabled)
    {
        _cmdlet = cmdlet;
        _enabled = enabled;
    }

    public void Show(OaiRun run, TimeSpan elapsed)
    {
        if (!_enabled) return;
        _record ??= new ProgressRecord(Math.Abs(run.Id.GetHashCode() % 100000) + 1, $"Waiting for run {run.Id}", "Status: " + run.Status);
        var status = $"Status: {run.Status} ({elapsed.TotalSeconds:0} s)";
        if (status == _lastStatus) return;
        _lastStatus = status;
        _record.StatusDescription = status;
        _cmdlet.WriteProgress(_record);
    }

    public void Complete()
    {
        if (_record is null) return;
        _record.RecordType = ProgressRecordType.Completed;
        _cmdlet.WriteProgress(_record);
    }
}
