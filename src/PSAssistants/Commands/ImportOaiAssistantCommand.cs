using System.Management.Automation;
using System.Text.Json;
using PSAssistants.Client;
using PSAssistants.Protocols.Responses;

namespace PSAssistants.Commands;

/// <summary>
/// Brings assistant definitions from a file written by Export-OaiAssistant. On Responses they join the
/// local store with their ids unchanged; on Assistants v2 each is created on the server (with a new id).
/// </summary>
[Cmdlet(VerbsData.Import, "OaiAssistant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiAssistant))]
public sealed class ImportOaiAssistantCommand : OaiApiCmdlet
{
    /// <summary>A file written by Export-OaiAssistant.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Replaces a definition with the same id in the local store (Responses).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            WriteError(new ErrorRecord(new FileNotFoundException($"There is no file '{path}'.", path),
                "OaiImportFileNotFound", ErrorCategory.ObjectNotFound, path));
            return;
        }
        StoreFile? file;
        try { file = JsonSerializer.Deserialize(File.ReadAllBytes(path), StoreJson.Default.StoreFile); }
        catch (JsonException ex)
        {
            WriteError(new ErrorRecord(new InvalidDataException($"'{path}' is not an assistant export: {ex.Message}", ex),
                "OaiImportInvalidFile", ErrorCategory.InvalidData, path));
            return;
        }

        var adapter = Adapter;
        foreach (var assistant in (file?.Assistants ?? new List<StoredAssistant>()).Select(a => a.ToModel()))
        {
            if (!ShouldProcess(assistant.Name ?? assistant.Id, "Import assistant")) continue;
            // One failure (a conflict, a refused definition) must not stop the rest of the file.
            try
            {
                Emit(Await(ct => adapter.ImportAssistantAsync(assistant, Force, ct)));
            }
            catch (Client.OaiApiException ex)
            {
                WriteError(ToErrorRecord(ex, assistant));
            }
        }
    }
}
