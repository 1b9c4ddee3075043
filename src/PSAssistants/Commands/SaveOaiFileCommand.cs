using System.Management.Automation;
using PSAssistants.Protocols;
using PSAssistants.Protocols.Common;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Downloads files into a folder. Takes file objects and ids, and the files of messages: image parts and the
/// files a code interpreter made (file_path and container_file_citation annotations), so
/// <c>Get-OaiMessage | Save-OaiFile -Destination ./out</c> saves the charts of a thread. The name of a saved
/// file comes from the server, made safe: it can never leave the destination folder, and an existing file is
/// only replaced with -Force. Two files of one call that would get the same name are both kept: the later one
/// as 'name (1).ext', 'name (2).ext', ...
/// </summary>
[Cmdlet(VerbsData.Save, "OaiFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(FileInfo))]
public sealed class SaveOaiFileCommand : OaiFileCmdlet
{
    /// <summary>What to save: file ids, OaiFile objects, messages, message parts or annotations, runs, run steps and image tool calls.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [Alias("Id", "FileId", "InputObject")]
    [ValidateNotNullOrEmpty]
    public object[] File { get; set; } = Array.Empty<object>();

    /// <summary>The folder to save into; it is created when it does not exist.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Path", "OutFolder")]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>Replace files that already exist in the destination.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>The paths this call has saved (or, under -WhatIf, would save), so a later file never takes one.</summary>
    private readonly HashSet<string> _claimed = new(StringComparer.OrdinalIgnoreCase);
    private string? _folder;

    /// <summary>
    /// One file to fetch: a file (file-...), a file in a code interpreter container (cfile_... in cntr_...), or an
    /// image a run made (an image_generation_call item of the conversation <see cref="ImageThreadId"/>).
    /// </summary>
    internal sealed record Target(string FileId, string? ContainerId, string? Name, long? Size, string? ImageThreadId = null);

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var folder = Folder();
        if (folder is null) return;
        ForEachItem(File, item =>
        {
            foreach (var target in RunTargets(item) ?? Targets(item))
            {
                if (!_seen.Add(target.ContainerId + "/" + target.FileId))
                {
                    WriteVerbose($"File {target.FileId} was saved already by this command.");
                    continue;
                }
                try
                {
                    if (target.ImageThreadId is not null) SaveImage(target, folder);
                    else Save(target, folder);
                }
                catch (Client.OaiApiException ex)
                {
                    WriteError(ToErrorRecord(ex, target.FileId));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(new IOException($"Cannot save file {target.FileId} in '{folder}': {ex.Message}", ex),
                        "OaiFileWriteFailed", ErrorCategory.WriteError, target.FileId));
                }
            }
        });
    }

    /// <summary>
    /// The files an input names. A message gives its image files and the files a code interpreter made; the
    /// files it was given as input (input_file parts) and the files it cites as sources (file_citation) are
    /// inputs, not results, and are saved only when that part or annotation is piped on its own.
    /// </summary>
    internal static IEnumerable<Target> Targets(object? input) => Targets(input, wholeMessage: false);

    private static IEnumerable<Target> Targets(object? input, bool wholeMessage)
    {
        switch (InputResolver.Unwrap(input))
        {
            case OaiFile f:
                yield return new Target(f.Id, null, f.FileName, f.Bytes);
                break;
            case OaiMessage m:
                foreach (var part in m.Content)
                    foreach (var t in Targets(part, wholeMessage: true)) yield return t;
                break;
            case OaiMessageContent part:
                if (part.FileId is { } partFile && (!wholeMessage || part.Type is "image_file" or "input_image"))
                    yield return new Target(partFile, null, part.FileName, null);
                foreach (var a in part.Annotations.Where(a => a.IsGeneratedFile && a.FileId is not null))
                    yield return new Target(a.FileId!, a.ContainerId, a.FileName, null);
                break;
            case OaiMessageAnnotation a:
                if (a.FileId is null) throw new OaiArgumentException($"The {a.Type} annotation names no file.");
                yield return new Target(a.FileId, a.ContainerId, a.FileName, null);
                break;
            case OaiRunStep step:
                foreach (var call in step.ToolCalls.Where(IsImage)) yield return ImageTarget(call);
                break;
            case OaiToolCall call when IsImage(call):
                yield return ImageTarget(call);
                break;
            case OaiToolCall call:
                throw new OaiArgumentException($"A {call.Type} tool call holds no file; only image_generation_call calls do.");
            default:
                yield return new Target(FileIdOf(input), null, null, null);
                break;
        }
    }

    private static bool IsImage(OaiToolCall call) => call.Type == "image_generation_call" && call.ThreadId is not null;

    private static Target ImageTarget(OaiToolCall call) => new(call.Id, null, null, null, call.ThreadId);

    /// <summary>A run gives the images it made, read from its steps (one request); null for any other input.</summary>
    private IEnumerable<Target>? RunTargets(object item)
    {
        if (InputResolver.Unwrap(item) is not OaiRun run) return null;
        var steps = new List<OaiRunStep>();
        var adapter = Adapter;
        var e = adapter.ListRunStepsAsync(run.ThreadId, run.Id, new ListOptions { Order = "asc" }, StopToken).GetAsyncEnumerator(StopToken);
        try
        {
            while (Await(_ => e.MoveNextAsync().AsTask())) steps.Add(e.Current);
        }
        finally
        {
            Await(_ => e.DisposeAsync().AsTask());
        }
        return steps.SelectMany(s => Targets(s));
    }

    /// <summary>
    /// Saves one image a run made: fetched on its own (so one image is in memory at a time), written to a
    /// temporary file, then named after its id with the extension its bytes show (png, jpeg, webp, gif).
    /// </summary>
    private void SaveImage(Target target, string folder)
    {
        var adapter = Adapter;
        var stem = SafeFileName.Make(target.FileId, "image");
        if (!ShouldProcess(System.IO.Path.Combine(folder, stem + ".*"), $"Save image {target.FileId}")) return;
        var temp = System.IO.Path.Combine(folder, ".psassistants-" + Guid.NewGuid().ToString("N") + ".partial");
        try
        {
            string extension;
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var threadId = target.ImageThreadId!;
                Await(ct => adapter.DownloadGeneratedImageAsync(threadId, target.FileId, stream, ct));
                stream.Position = 0;
                var head = new byte[12];
                var read = stream.Read(head, 0, head.Length);
                extension = ImageExtension(head.AsSpan(0, read));
            }
            var path = SafeFileName.InFolder(folder, SafeFileName.Make(stem + extension, "image" + extension))
                ?? throw new InvalidOperationException($"No safe name for image {target.FileId} in '{folder}'.");
            if (Directory.Exists(path) || (System.IO.File.Exists(path) && !Force))
            {
                WriteError(Exists(target.FileId, path));
                return;
            }
            MoveIntoPlace(temp, path, target.FileId);
        }
        finally
        {
            if (System.IO.File.Exists(temp)) System.IO.File.Delete(temp);
        }
    }

    /// <summary>The extension an image's first bytes show; .png when they show none known (the API's default format).</summary>
    internal static string ImageExtension(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 8 && head[..8].SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A })) return ".png";
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return ".jpeg";
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return ".webp";
        if (head.Length >= 4 && head[..4].SequenceEqual("GIF8"u8)) return ".gif";
        return ".png";
    }

    /// <summary>The destination as a full path, created when missing; null under -WhatIf when it does not exist yet.</summary>
    private string? Folder()
    {
        if (_folder is not null) return _folder;
        var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination);
        if (System.IO.File.Exists(full))
        {
            ThrowTerminatingError(new ErrorRecord(new OaiArgumentException($"-Destination '{full}' is a file; give a folder."),
                "OaiDestinationNotFolder", ErrorCategory.InvalidArgument, full));
        }
        if (!Directory.Exists(full))
        {
            if (!ShouldProcess(full, "Create folder")) return null;
            Directory.CreateDirectory(full);
        }
        return _folder = full;
    }

    private void Save(Target target, string folder)
    {
        var files = Files;
        var (name, size) = (target.Name, target.Size);
        if (string.IsNullOrWhiteSpace(name))
        {
            if (target.ContainerId is { } container)
            {
                var meta = Await(ct => files.GetContainerFileAsync(container, target.FileId, ct));
                (name, size) = (meta.Path, meta.Bytes);
            }
            else
            {
                var meta = Await(ct => files.GetFileAsync(target.FileId, ct));
                (name, size) = (meta.FileName, meta.Bytes);
            }
        }

        var safe = SafeFileName.Make(name, target.FileId);
        var path = SafeFileName.InFolder(folder, safe) ?? SafeFileName.InFolder(folder, SafeFileName.Make(null, target.FileId))
            ?? throw new InvalidOperationException($"No safe name for file {target.FileId} in '{folder}'.");
        path = Unclaimed(path);
        if (!string.Equals(System.IO.Path.GetFileName(path), name, StringComparison.Ordinal))
            WriteVerbose($"The server names file {target.FileId} '{name}'; it is saved as '{System.IO.Path.GetFileName(path)}'.");
        if (Directory.Exists(path))
        {
            WriteError(new ErrorRecord(new IOException($"Cannot save file {target.FileId} as '{path}': a folder has that name."),
                "OaiFileExists", ErrorCategory.ResourceExists, path));
            return;
        }
        if (System.IO.File.Exists(path) && !Force)
        {
            WriteError(Exists(target.FileId, path));
            return;
        }
        _claimed.Add(path);
        if (!ShouldProcess(path, $"Save file {target.FileId}")) return;

        // Written to a temporary file in the same folder, then renamed: a broken download leaves nothing behind,
        // and a rename replaces a link itself rather than writing through it.
        var temp = System.IO.Path.Combine(folder, ".psassistants-" + Guid.NewGuid().ToString("N") + ".partial");
        var saved = false;
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var id = target.FileId;
                var container = target.ContainerId;
                // The known size also catches a body that ends short without a Content-Length.
                var known = size;
                AwaitTransfer((ct, progress) => container is null
                    ? files.DownloadFileAsync(id, stream, progress, ct, known)
                    : files.DownloadContainerFileAsync(container, id, stream, progress, ct, known),
                    $"Downloading {System.IO.Path.GetFileName(path)}", size);
            }
            saved = MoveIntoPlace(temp, path, target.FileId);
        }
        finally
        {
            if (!saved) _claimed.Remove(path); // a failed file leaves its name to the next
            if (System.IO.File.Exists(temp)) System.IO.File.Delete(temp);
        }
    }

    /// <summary>
    /// The path itself, or 'name (n).ext' with the smallest n that this call has not saved yet: two files of one
    /// call with the same name both survive. A path saved by an earlier call is not avoided; -Force decides.
    /// </summary>
    private string Unclaimed(string path)
    {
        if (!_claimed.Contains(path)) return path;
        var folder = System.IO.Path.GetDirectoryName(path)!;
        var stem = System.IO.Path.GetFileNameWithoutExtension(path);
        var extension = System.IO.Path.GetExtension(path);
        for (var n = 1; ; n++)
        {
            var candidate = System.IO.Path.Combine(folder, $"{stem} ({n}){extension}");
            if (!_claimed.Contains(candidate)) return candidate;
        }
    }

    /// <summary>
    /// Renames a complete download to its name: a rename replaces a link itself rather than writing through it,
    /// and without -Force a file that appeared meanwhile is kept (OaiFileExists). Returns whether it was saved.
    /// </summary>
    private bool MoveIntoPlace(string temp, string path, string fileId)
    {
        try
        {
            System.IO.File.Move(temp, path, overwrite: Force.IsPresent);
        }
        catch (IOException) when (!Force && System.IO.File.Exists(path))
        {
            WriteError(Exists(fileId, path));
            return false;
        }
        WriteObject(new FileInfo(path));
        return true;
    }

    private static ErrorRecord Exists(string fileId, string path) => new(
        new IOException($"Cannot save file {fileId}: '{path}' exists. Use -Force to replace it."),
        "OaiFileExists", ErrorCategory.ResourceExists, path);
}
