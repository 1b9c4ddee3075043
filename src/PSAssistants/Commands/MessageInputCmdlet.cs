using System.Management.Automation;
using PSAssistants.Client;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>
/// The image and file inputs of a new message, shared by Add-OaiMessage, New-OaiThread -Message and Start-OaiRun
/// -Message: local files are uploaded first, and a message is only made once every upload succeeded; files
/// uploaded for a message that was not made are deleted again.
/// </summary>
public abstract class MessageInputCmdlet : OaiApiCmdlet
{
    /// <summary>Images to upload (purpose vision) and show the model. Paths are literal, relative to the current location.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("ImageLiteralPath")]
    public string[]? ImagePath { get; set; }

    /// <summary>Images on the web (https) or as data URLs (data:image/png;base64,...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ImageUrl { get; set; }

    /// <summary>How closely the model looks at the images: auto (the default), low or high.</summary>
    [Parameter]
    [ValidateSet("auto", "low", "high")]
    public string ImageDetail { get; set; } = "auto";

    /// <summary>
    /// Files to upload and attach: an input_file on Responses, an attachment (as -FileId) on Assistants v2. Paths
    /// are literal, relative to the current location.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [Alias("FileLiteralPath")]
    public string[]? FilePath { get; set; }

    private protected bool HasMessageInputs => ImagePath is not null || ImageUrl is not null || FilePath is not null;

    /// <summary>
    /// Checks the inputs before anything is sent: every path names an existing file, every URL is absolute
    /// https or a data URL. Returns the full paths (images, files).
    /// </summary>
    private protected (IReadOnlyList<string> Images, IReadOnlyList<string> Files) ResolveMessageInputs()
    {
        foreach (var url in ImageUrl ?? Array.Empty<string>())
        {
            var ok = url.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase)
                || (Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp));
            if (!ok) throw new OaiArgumentException($"-ImageUrl '{Shorten(url)}' is not an http(s) URL or a data:image/ URL.");
        }
        return (Resolve(ImagePath, "-ImagePath"), Resolve(FilePath, "-FilePath"));
    }

    /// <summary>Literal paths as PowerShell resolves them: relative to the current location, no wildcards.</summary>
    private IReadOnlyList<string> Resolve(string[]? paths, string parameter)
    {
        var result = new List<string>();
        foreach (var path in paths ?? Array.Empty<string>())
        {
            string full;
            try
            {
                full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            catch (Exception ex) when (ex is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or PSInvalidOperationException)
            {
                throw new OaiArgumentException($"{parameter} '{path}' is not a file path: {ex.Message}", ex);
            }
            if (!File.Exists(full)) throw new OaiArgumentException($"{parameter} '{path}' does not exist (looked for '{full}').");
            result.Add(full);
        }
        return result;
    }

    /// <summary>
    /// Uploads the images and files and puts them on the message; the ids uploaded are added to
    /// <paramref name="uploaded"/> as they come, so a caller can delete them if the message is not made.
    /// </summary>
    private protected MessageCreateOptions WithInputs(MessageCreateOptions message, (IReadOnlyList<string> Images, IReadOnlyList<string> Files) paths, List<string> uploaded)
    {
        var adapter = Adapter;
        var files = Adapter.Files;
        var images = new List<ImageInput>();
        foreach (var path in paths.Images)
        {
            var file = Await(ct => files.UploadAsync(path, "vision", null, null, ct));
            uploaded.Add(file.Id);
            WriteVerbose($"Uploaded image '{path}' as {file.Id}.");
            images.Add(new ImageInput(file.Id, null, ImageDetail));
        }
        images.AddRange((ImageUrl ?? Array.Empty<string>()).Select(url => new ImageInput(null, url, ImageDetail)));
        var fileIds = new List<string>(message.FileIds);
        var purpose = adapter.MessageFilePurpose;
        foreach (var path in paths.Files)
        {
            var file = Await(ct => files.UploadAsync(path, purpose, null, null, ct));
            uploaded.Add(file.Id);
            WriteVerbose($"Uploaded file '{path}' as {file.Id} ({purpose}).");
            fileIds.Add(file.Id);
        }
        return new MessageCreateOptions
        {
            Content = message.Content,
            Role = message.Role,
            Metadata = message.Metadata,
            AttachTo = message.AttachTo,
            FileIds = fileIds,
            Images = message.Images.Concat(images).ToArray(),
        };
    }

    /// <summary>
    /// Runs <paramref name="make"/> after the uploads; when an upload or the message fails, the files uploaded for
    /// it are deleted (best effort, reported on the verbose stream) and the failure goes on as it was.
    /// </summary>
    private protected T WithUploads<T>(Func<List<string>, T> make)
    {
        var uploaded = new List<string>();
        try
        {
            return make(uploaded);
        }
        catch (Exception ex) when (uploaded.Count > 0 && ex is OaiApiException or ArgumentException or OperationCanceledException or PipelineStoppedException)
        {
            DeleteUploads(uploaded);
            throw;
        }
    }

    private void DeleteUploads(List<string> ids)
    {
        var files = Adapter.Files;
        // Not under the stop token: after Ctrl+C the clean-up still runs, briefly.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        foreach (var id in ids)
        {
            try
            {
                Task.Run(() => files.DeleteFileAsync(id, cts.Token)).GetAwaiter().GetResult();
                if (!StopToken.IsCancellationRequested) WriteVerbose($"Deleted {id}, uploaded for a message that was not made.");
            }
            catch (Exception ex) when (ex is OaiApiException or OperationCanceledException)
            {
                if (!StopToken.IsCancellationRequested) WriteWarning($"File {id} was uploaded for a message that was not made, and could not be deleted: {ex.Message}");
            }
        }
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
