using System.Management.Automation;
using System.Text.Json;
using PSAssistants.Client;

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

    /// <summary>An assistant object or id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Id", "AssistantId")]
    [ValidateNotNull]
    public object Assistant { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Overwrites an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessItem()
    {
        if (InputResolver.Unwrap(Assistant) is OaiAssistant a)
        {
            _assistants.Add(a);
            return;
        }
        var id = InputResolver.AssistantId(Assistant);
        var adapter = Adapter;
        _assistants.Add(Await(ct => adapter.GetAssistantAsync(id, ct)));
    }

    protected override void EndProcessing()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (File.Exists(path) && !Force)
        {
            ThrowTerminatingError(new ErrorRecord(new IOException($"'{path}' exists; use -Force to overwrite it."),
                "OaiExportFileExists", ErrorCategory.ResourceExists, path));
        }
        if (!ShouldProcess(path, $"Export {_assistants.Count} assistant(s)")) return;
        var file = new StoreFile { Assistants = _assistants.Select(StoredAssistant.From).ToList() };
        var dir = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(file, StoreJson.Default.StoreFile));
        if (PassThru) WriteObject(new FileInfo(path));
    }
}
