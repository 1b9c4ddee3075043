using System.Diagnostics;
using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>
/// Adds files to a vector store. The server indexes them in the background; with -Wait the cmdlet polls each
/// file until it is completed, failed or cancelled (all files of one call are indexed at the same time).
/// </summary>
[Cmdlet(VerbsCommon.Add, "OaiVectorStoreFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiVectorStoreFile))]
public sealed class AddOaiVectorStoreFileCommand : OaiFileCmdlet
{
    /// <summary>The vector store: an id or an OaiVectorStore object.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("VectorStoreId")]
    [ValidateNotNull]
    public object VectorStore { get; set; } = null!;

    /// <summary>Files to add: ids or OaiFile objects (Add-OaiFile output).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [Alias("FileId", "Id")]
    [ValidateNotNullOrEmpty]
    public object[] File { get; set; } = Array.Empty<object>();

    /// <summary>Wait until each file is indexed (completed), failed or cancelled.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait: the longest to wait, in seconds, for all files of this call.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    private readonly List<OaiVectorStoreFile> _pending = new();

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var storeId = VectorStoreIdOf(VectorStore);
        var files = Files;
        ForEachItem(File, item =>
        {
            var fileId = FileIdOf(item);
            if (!ShouldProcess(storeId, $"Add file {fileId}")) return;
            var added = Await(ct => files.AddVectorStoreFileAsync(storeId, fileId, ct));
            if (Wait && !added.IsTerminal) _pending.Add(added);
            else Finish(added);
        });
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        if (_pending.Count == 0) return;
        try
        {
            WaitForAll();
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Polls every pending file with a growing interval; a transient failure of one poll does not end the wait.</summary>
    private void WaitForAll()
    {
        var files = Files;
        var watch = Stopwatch.StartNew();
        var interval = TimeSpan.FromMilliseconds(200);
        var activityId = 0x5A100 + Math.Abs(_pending[0].VectorStoreId.GetHashCode() % 10000);
        var activity = $"Indexing files in vector store {_pending[0].VectorStoreId}";
        var total = _pending.Count;
        try
        {
            while (_pending.Count > 0)
            {
                if (ProgressWanted)
                {
                    WriteProgress(new ProgressRecord(activityId, activity, $"{total - _pending.Count} of {total} indexed ({watch.Elapsed.TotalSeconds:0} s)")
                    {
                        PercentComplete = (total - _pending.Count) * 100 / total,
                    });
                }
                var left = TimeSpan.FromSeconds(TimeoutSec ?? 0) - watch.Elapsed;
                if (TimeoutSec is not null && left <= TimeSpan.Zero)
                {
                    foreach (var file in _pending)
                    {
                        WriteError(new ErrorRecord(
                            new TimeoutException($"File {file.Id} of vector store {file.VectorStoreId} was still '{file.Status}' after {TimeoutSec} s; the server goes on indexing it."),
                            "OaiVectorStoreFileWaitTimeout", ErrorCategory.OperationTimeout, file));
                        Emit(file);
                    }
                    _pending.Clear();
                    return;
                }
                var sleep = TimeoutSec is not null && left < interval ? left : interval;
                Await(ct => Task.Delay(sleep, ct));
                interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 1.5, 2000));
                foreach (var file in _pending.ToArray())
                {
                    OaiVectorStoreFile current;
                    try
                    {
                        current = Await(ct => files.GetVectorStoreFileAsync(file.VectorStoreId, file.Id, ct));
                    }
                    catch (Client.OaiApiException ex) when (Client.OaiRetryPolicy.IsRetryable(ex))
                    {
                        WriteVerbose($"Polling file {file.Id} failed ({ex.Message}); still waiting.");
                        continue;
                    }
                    catch (Client.OaiApiException ex)
                    {
                        _pending.Remove(file);
                        WriteError(ToErrorRecord(ex, file));
                        continue;
                    }
                    if (!current.IsTerminal)
                    {
                        _pending[_pending.IndexOf(file)] = current;
                        continue;
                    }
                    _pending.Remove(file);
                    Finish(current);
                }
            }
        }
        finally
        {
            if (ProgressWanted) WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>Writes the file; one that failed or was cancelled is also a non-terminating error, so -ErrorAction Stop stops a runbook.</summary>
    private void Finish(OaiVectorStoreFile file)
    {
        if (file.Status is "failed" or "cancelled")
        {
            var why = file.LastError is { } e ? $": {e}" : ".";
            WriteError(new ErrorRecord(
                new InvalidOperationException($"File {file.Id} of vector store {file.VectorStoreId} was not indexed ('{file.Status}'){why}"),
                "OaiVectorStoreFileFailed", ErrorCategory.InvalidResult, file));
        }
        Emit(file);
    }
}
