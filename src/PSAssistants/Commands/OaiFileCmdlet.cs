using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using PSAssistants.Protocols.Common;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Base of the file and vector store cmdlets: the Files API of the session, ids from pipeline objects, and
/// transfers that show Write-Progress while they run (the progress is polled on the pipeline thread, because
/// Write-Progress may only be called there).
/// </summary>
public abstract class OaiFileCmdlet : OaiApiCmdlet
{
    /// <summary>Transfers at least this large show progress.</summary>
    internal const long ProgressThreshold = 1L << 20;

    private static int s_activityIds = 0x5A000;

    private protected FilesApi Files => Adapter.Files;

    /// <summary>
    /// Runs a transfer, writing its progress every quarter second and relaying its log as it goes. The
    /// operation reports (bytes done, bytes in all when known) from any thread.
    /// </summary>
    private protected T AwaitTransfer<T>(Func<CancellationToken, Action<long, long?>, Task<T>> operation, string activity, long? expected)
    {
        var done = 0L;
        var total = expected ?? -1L;
        void Report(long bytes, long? length)
        {
            Interlocked.Exchange(ref done, bytes);
            if (length is { } l) Interlocked.Exchange(ref total, l);
        }

        var task = Await(ct => Task.FromResult(operation(ct, Report)));
        int? activityId = null;
        var status = "";
        var watch = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                var all = Interlocked.Read(ref total);
                if (all >= ProgressThreshold && ProgressWanted)
                {
                    activityId ??= Interlocked.Increment(ref s_activityIds);
                    var now = Interlocked.Read(ref done);
                    // A new record each time: hosts may keep the records they were given.
                    var record = new ProgressRecord(activityId.Value, activity, status = $"{Size(now)} of {Size(all)}")
                    {
                        PercentComplete = (int)Math.Min(100, now * 100 / Math.Max(all, 1)),
                    };
                    var seconds = watch.Elapsed.TotalSeconds;
                    if (now > 0 && seconds > 1) record.SecondsRemaining = (int)Math.Max(0, (all - now) / (now / seconds));
                    WriteProgress(record);
                }
                if (task.IsCompleted) break;
                Await(ct => Task.WhenAny(task, Task.Delay(250, ct)));
            }
        }
        finally
        {
            if (activityId is { } id)
                WriteProgress(new ProgressRecord(id, activity, status) { RecordType = ProgressRecordType.Completed });
        }
        return Await(_ => task);
    }

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    /// <summary>A file id from an id string, an OaiFile, a vector store file or a deserialized object with an Id.</summary>
    internal static string FileIdOf(object? input) => InputResolver.Unwrap(input) switch
    {
        OaiFile f => f.Id,
        OaiVectorStoreFile vf => vf.Id,
        string s when s.Length > 0 => s,
        OaiMessageAnnotation { FileId: { } id, ContainerId: null } => id,
        OaiMessageContent { FileId: { } id } => id,
        PSObject pso when (pso.Properties["FileId"]?.Value ?? pso.Properties["Id"]?.Value) is { } v && v.ToString() is { Length: > 0 } s => s,
        var other => throw new OaiArgumentException($"Cannot tell a file from {Describe(other)}: pass a file object or a file id."),
    };

    /// <summary>A vector store id from an id string, an OaiVectorStore, a vector store file or a deserialized object.</summary>
    internal static string VectorStoreIdOf(object? input) => InputResolver.Unwrap(input) switch
    {
        OaiVectorStore v => v.Id,
        OaiVectorStoreFile vf => vf.VectorStoreId,
        string s when s.Length > 0 => s,
        PSObject pso when (pso.Properties["VectorStoreId"]?.Value ?? pso.Properties["Id"]?.Value) is { } v && v.ToString() is { Length: > 0 } s => s,
        var other => throw new OaiArgumentException($"Cannot tell a vector store from {Describe(other)}: pass a vector store object or a vector store id."),
    };

    private static string Describe(object? o) => o is null ? "nothing" : $"a {o.GetType().Name} ('{o}')";
}

/// <summary>Puts -CodeInterpreterFileId and -VectorStoreId on the assistant's code_interpreter and file_search tools.</summary>
internal static class FileToolResources
{
    public static IReadOnlyList<OaiTool> Apply(IReadOnlyList<OaiTool> tools, string[]? codeInterpreterFileIds, string[]? vectorStoreIds)
    {
        var result = tools.ToList();
        Attach(result, OaiToolType.CodeInterpreter, codeInterpreterFileIds, (t, ids) => With(t, fileIds: t.FileIds.Concat(ids)));
        Attach(result, OaiToolType.FileSearch, vectorStoreIds, (t, ids) => With(t, vectorStoreIds: t.VectorStoreIds.Concat(ids)));
        return result;
    }

    private static void Attach(List<OaiTool> tools, string type, string[]? ids, Func<OaiTool, IEnumerable<string>, OaiTool> with)
    {
        if (ids is null || ids.Length == 0) return;
        foreach (var id in ids) Client.OaiId.Check(id, type == OaiToolType.FileSearch ? "vector store" : "file");
        var index = tools.FindIndex(t => t.Type == type);
        if (index < 0) tools.Add(with(new OaiTool(type), ids));
        else tools[index] = with(tools[index], ids);
    }

    private static OaiTool With(OaiTool t, IEnumerable<string>? fileIds = null, IEnumerable<string>? vectorStoreIds = null) => new(t)
    {
        FileIds = (fileIds ?? t.FileIds).Distinct(StringComparer.Ordinal).ToArray(),
        VectorStoreIds = (vectorStoreIds ?? t.VectorStoreIds).Distinct(StringComparer.Ordinal).ToArray(),
    };
}
