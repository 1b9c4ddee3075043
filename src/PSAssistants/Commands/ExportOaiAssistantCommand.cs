using System.Management.Automation;
using System.Text.Json;
using PSAssistants.Client;
using PSAssistants.Protocols.Responses;

namespace PSAssistants.Commands;

/// <summary>
/// Writes assistant definitions to a JSON file, so a runbook can ship its assistant with it
/// (Import-OaiAssistant brings it back, on either protocol).
/// </summary>
[Cmdlet(VerbsData.Export, "OaiAssistant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class ExportOaiAssistantCommand : OaiApiCmdlet
{
    private readonly List<OaiAssistant> _assistants = new();

    /// <summary>An assistant object, id, or name (of exactly one assistant of the session).</summary>
    // Not positional, so that `$assistant | Export-OaiAssistant ./tutor.json` binds the path.
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(AssistantIdCompleter))]
    [Alias("Id", "AssistantId")]
    [ValidateNotNull]
    public object Assistant { get; set; } = null!;

    /// <summary>The JSON file to write the definitions to.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Overwrites an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes the file written to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        if (InputResolver.Unwrap(Assistant) is OaiAssistant a)
        {
            _assistants.Add(a);
            return;
        }
        var (id, found) = ResolveAssistant(Assistant);
        var adapter = Adapter;
        _assistants.Add(found ?? Await(ct => adapter.GetAssistantAsync(id, ct)));
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        // Nothing to write when every input failed (each failure was already reported).
        if (_assistants.Count == 0) return;
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess(path, $"Export {_assistants.Count} assistant(s)")) return;
        if (File.Exists(path) && !Force)
        {
            ThrowTerminatingError(new ErrorRecord(new IOException($"'{path}' exists; use -Force to overwrite it."),
                "OaiExportFileExists", ErrorCategory.ResourceExists, path));
        }
        var file = new StoreFile { Assistants = _assistants.Select(StoredAssistant.From).ToList() };
        try
        {
            var dir = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(file, StoreJson.Default.StoreFile));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, "OaiExportWriteFailed", ErrorCategory.WriteError, path));
        }
        if (PassThru) Emit(new FileInfo(path));
    }
}
