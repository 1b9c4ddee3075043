using System.Collections.ObjectModel;
using System.Management.Automation;
using PSAssistants.Protocols.Common;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Uploads files (POST /files, multipart). Paths may be wildcards; FileInfo objects come from the pipeline. A
/// path that names no file is refused before any request. Files of 1 MB and more show their progress.
/// </summary>
[Cmdlet(VerbsCommon.Add, "OaiFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiFile))]
public sealed class AddOaiFileCommand : OaiFileCmdlet
{
    /// <summary>Files to upload: paths (wildcards allowed) or FileInfo objects (Get-ChildItem output).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("FullName", "FilePath")]
    [ValidateNotNullOrEmpty]
    public object[] Path { get; set; } = Array.Empty<object>();

    /// <summary>What the file is for: assistants (the default, for code_interpreter and file_search), user_data, vision, batch, fine-tune or evals.</summary>
    [Parameter]
    [ValidateSet("assistants", "user_data", "vision", "batch", "fine-tune", "evals")]
    public string Purpose { get; set; } = "assistants";

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        foreach (var item in Path)
        {
            foreach (var file in Resolve(item))
            {
                if (!ShouldProcess(file.FullName, $"Upload file ({Purpose})")) continue;
                var files = Files;
                var path = file.FullName;
                var purpose = Purpose.ToLowerInvariant();
                try
                {
                    Emit(AwaitTransfer((ct, progress) => files.UploadAsync(path, purpose, null, progress, ct),
                        $"Uploading {file.Name}", file.Length));
                }
                catch (Client.OaiApiException ex)
                {
                    // One failed upload does not stop the others.
                    WriteError(ToErrorRecord(ex, path));
                }
            }
        }
    }

    /// <summary>The files an input names; a missing file or a folder is reported (ObjectNotFound) and skipped.</summary>
    private IEnumerable<FileInfo> Resolve(object item)
    {
        switch (InputResolver.Unwrap(item))
        {
            case FileInfo fi:
                fi.Refresh();
                if (fi.Exists) return new[] { fi };
                NotFound(fi.FullName);
                return Array.Empty<FileInfo>();
            case DirectoryInfo di:
                NotAFile(di.FullName);
                return Array.Empty<FileInfo>();
            case var other:
                var text = other?.ToString();
                if (string.IsNullOrEmpty(text)) throw new OaiArgumentException("-Path is empty.");
                return ResolveText(text);
        }
    }

    private IEnumerable<FileInfo> ResolveText(string text)
    {
        var result = new List<FileInfo>();
        // A name such as "report [draft].pdf" is taken as it is when that file exists; otherwise [ ] * ? are wildcards.
        var literal = SessionState.Path.GetUnresolvedProviderPathFromPSPath(text);
        if (File.Exists(literal))
        {
            result.Add(new FileInfo(literal));
            return result;
        }
        if (WildcardPattern.ContainsWildcardCharacters(text))
        {
            Collection<string> paths;
            try
            {
                paths = SessionState.Path.GetResolvedProviderPathFromPSPath(text, out var provider);
                if (provider.Name != "FileSystem") throw new OaiArgumentException($"'{text}' is not a file system path.");
            }
            catch (ItemNotFoundException)
            {
                NotFound(text);
                return result;
            }
            foreach (var p in paths)
            {
                if (File.Exists(p)) result.Add(new FileInfo(p));
            }
            if (result.Count == 0) NotFound(text);
            return result;
        }
        if (Directory.Exists(literal)) NotAFile(literal);
        else NotFound(literal);
        return result;
    }

    private void NotFound(string path) => WriteError(new ErrorRecord(
        new FileNotFoundException($"Cannot upload '{path}': there is no such file. Nothing was sent.", path),
        "OaiPathNotFound", ErrorCategory.ObjectNotFound, path));

    private void NotAFile(string path) => WriteError(new ErrorRecord(
        new OaiArgumentException($"Cannot upload '{path}': it is a folder. Pipe its files instead: Get-ChildItem '{path}' -File | Add-OaiFile."),
        "OaiPathIsFolder", ErrorCategory.InvalidArgument, path));
}
