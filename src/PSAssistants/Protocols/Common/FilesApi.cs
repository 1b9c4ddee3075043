using System.Globalization;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using PSAssistants.Client;

namespace PSAssistants.Protocols.Common;

/// <summary>
/// The Files, Containers and Vector stores endpoints, which are the same whichever protocol a session speaks:
/// every request of them is built here. Files need no OpenAI-Beta header (the reference's examples send none);
/// the reference's vector store examples send OpenAI-Beta: assistants=v2, so those requests carry it too.
/// </summary>
internal sealed class FilesApi
{
    /// <summary>The purposes CreateFileRequest accepts.</summary>
    internal static readonly string[] UploadPurposes = { "assistants", "batch", "fine-tune", "vision", "user_data", "evals" };

    private static readonly FilesJson J = FilesJson.Default;
    private readonly OaiClient _files;
    private readonly OaiClient _stores;

    internal FilesApi(OaiSession session, HttpMessageInvoker http)
    {
        _files = new OaiClient(session, http);
        _stores = new OaiClient(session, http, new KeyValuePair<string, string>("OpenAI-Beta", "assistants=v2"));
    }

    /// <summary>Lets tests replace the retry delay of both clients.</summary>
    internal Func<int, TimeSpan?, TimeSpan> RetryDelay
    {
        set
        {
            _files.RetryDelay = value;
            _stores.RetryDelay = value;
        }
    }

    #region Files

    /// <summary>
    /// POST /files as multipart/form-data (purpose, then file). The file is opened afresh for each attempt and
    /// read as it is sent, so memory stays flat in its size; <paramref name="progress"/> gets the bytes sent.
    /// </summary>
    public async Task<OaiFile> UploadAsync(string path, string purpose, string? fileName, Action<long, long?>? progress, CancellationToken ct)
    {
        if (!UploadPurposes.Contains(purpose, StringComparer.Ordinal))
            throw new OaiArgumentException($"'{purpose}' is not an upload purpose: use {string.Join(", ", UploadPurposes)}.");
        var name = string.IsNullOrEmpty(fileName) ? System.IO.Path.GetFileName(path) : fileName;
        var length = new FileInfo(path).Length;
        var wire = await _files.SendContentAsync(HttpMethod.Post, "/files", touch =>
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var counted = new ProgressStream(stream, sent =>
            {
                touch();
                progress?.Invoke(sent, length);
            });
            return BuildUpload(counted, name, purpose);
        }, J.OpenAIFileWire, ct).ConfigureAwait(false);
        return Map(wire);
    }

    /// <summary>
    /// The multipart body of an upload, as browsers and the official SDKs send it: an unquoted boundary,
    /// quoted field names, the file name in UTF-8 with '"', CR and LF percent-encoded, and a Content-Length.
    /// </summary>
    internal static HttpContent BuildUpload(Stream file, string fileName, string purpose)
    {
        var boundary = "----psassistants" + Guid.NewGuid().ToString("N");
        var form = new MultipartContent("form-data", boundary) { HeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        form.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
        form.Headers.ContentType.Parameters.Add(new NameValueHeaderValue("boundary", boundary));

        var purposePart = new ByteArrayContent(Encoding.UTF8.GetBytes(purpose));
        purposePart.Headers.TryAddWithoutValidation("Content-Disposition", "form-data; name=\"purpose\"");
        form.Add(purposePart);

        var filePart = new StreamContent(file, 81920);
        filePart.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"file\"; filename=\"{EscapeFormName(fileName)}\"");
        filePart.Headers.ContentType = new MediaTypeHeaderValue(MediaTypeOf(fileName));
        form.Add(filePart);
        return form;
    }

    /// <summary>The WHATWG form encoding of a file name in a Content-Disposition header.</summary>
    internal static string EscapeFormName(string name) =>
        name.Replace("\"", "%22", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private static readonly Dictionary<string, string> s_mediaTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain", [".md"] = "text/markdown", [".csv"] = "text/csv", [".json"] = "application/json",
        [".jsonl"] = "application/jsonl", [".pdf"] = "application/pdf", [".html"] = "text/html", [".htm"] = "text/html",
        [".xml"] = "application/xml", [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif", [".webp"] = "image/webp", [".py"] = "text/x-python", [".ps1"] = "text/plain",
        [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".pptx"] = "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    };

    internal static string MediaTypeOf(string fileName) =>
        s_mediaTypes.TryGetValue(System.IO.Path.GetExtension(fileName), out var type) ? type : "application/octet-stream";

    public async Task<OaiFile> GetFileAsync(string fileId, CancellationToken ct) =>
        Map(await _files.GetAsync(FilePath(fileId), J.OpenAIFileWire, ct).ConfigureAwait(false));

    /// <summary>GET /files, in <paramref name="options"/>' order, of one purpose when given, walking the after cursor.</summary>
    public IAsyncEnumerable<OaiFile> ListFilesAsync(string? purpose, ListOptions options, CancellationToken ct)
    {
        // The reference allows up to 10,000 files a page; 1,000 keeps a page's memory small.
        var first = options.First;
        var query = new OaiQuery().Set("limit", first is { } f && f < 1000 ? Math.Max(f, 1) : 1000).Set("order", options.Order);
        if (purpose is not null) query.Set("purpose", purpose);
        if (options.After is { } after) query.Set("after", OaiId.Check(after, "cursor"));
        return MapAsync(_files.ListAsync("/files", query, J.FilesListWireOpenAIFileWire, p => p.Data, p => p.HasMore, p => p.LastId, first, ct), Map, ct);
    }

    public Task DeleteFileAsync(string fileId, CancellationToken ct) => _files.DeleteConfirmedAsync(FilePath(fileId), ct);

    /// <summary>
    /// GET /files/{id}/content into <paramref name="destination"/>; returns the bytes written. <paramref name="knownSize"/>
    /// (the file's bytes, when known) makes a body that ends short without a Content-Length a broken download.
    /// </summary>
    public Task<long> DownloadFileAsync(string fileId, Stream destination, Action<long, long?>? progress, CancellationToken ct, long? knownSize = null) =>
        _files.DownloadAsync(FilePath(fileId) + "/content", destination, progress, ct, knownSize);

    /// <summary>GET /containers/{id}/files/{file_id}: where a Responses code interpreter keeps what it made.</summary>
    public Task<ContainerFileWire> GetContainerFileAsync(string containerId, string fileId, CancellationToken ct) =>
        _files.GetAsync(ContainerFilePath(containerId, fileId), J.ContainerFileWire, ct);

    public Task<long> DownloadContainerFileAsync(string containerId, string fileId, Stream destination, Action<long, long?>? progress, CancellationToken ct,
        long? knownSize = null) =>
        _files.DownloadAsync(ContainerFilePath(containerId, fileId) + "/content", destination, progress, ct, knownSize);

    #endregion

    #region Vector stores

    public async Task<OaiVectorStore> CreateVectorStoreAsync(string? name, IReadOnlyList<string> fileIds, IReadOnlyDictionary<string, string>? metadata, CancellationToken ct)
    {
        var body = new CreateVectorStoreRequest
        {
            Name = name,
            FileIds = fileIds.Count == 0 ? null : fileIds.Select(id => OaiId.Check(id, "file")).ToList(),
            Metadata = metadata,
        };
        return Map(await _stores.PostAsync("/vector_stores", body, J.CreateVectorStoreRequest, J.VectorStoreWire, ct).ConfigureAwait(false));
    }

    public async Task<OaiVectorStore> GetVectorStoreAsync(string vectorStoreId, CancellationToken ct) =>
        Map(await _stores.GetAsync(StorePath(vectorStoreId), J.VectorStoreWire, ct).ConfigureAwait(false));

    /// <summary>GET /vector_stores, in <paramref name="options"/>' order, walking the after cursor.</summary>
    public IAsyncEnumerable<OaiVectorStore> ListVectorStoresAsync(ListOptions options, CancellationToken ct)
    {
        var query = new OaiQuery().Set("limit", options.PageSize).Set("order", options.Order);
        if (options.After is { } after) query.Set("after", OaiId.Check(after, "cursor"));
        return MapAsync(_stores.ListAsync("/vector_stores", query, J.FilesListWireVectorStoreWire, p => p.Data, p => p.HasMore, p => p.LastId, options.First, ct), Map, ct);
    }

    public Task DeleteVectorStoreAsync(string vectorStoreId, CancellationToken ct) => _stores.DeleteConfirmedAsync(StorePath(vectorStoreId), ct);

    /// <summary>POST /vector_stores/{id}/files: the server starts indexing; the answer is usually in_progress.</summary>
    public async Task<OaiVectorStoreFile> AddVectorStoreFileAsync(string vectorStoreId, string fileId, CancellationToken ct)
    {
        var body = new CreateVectorStoreFileRequest { FileId = OaiId.Check(fileId, "file") };
        return Map(await _stores.PostAsync(StorePath(vectorStoreId) + "/files", body, J.CreateVectorStoreFileRequest, J.VectorStoreFileWire, ct).ConfigureAwait(false));
    }

    public async Task<OaiVectorStoreFile> GetVectorStoreFileAsync(string vectorStoreId, string fileId, CancellationToken ct) =>
        Map(await _stores.GetAsync(StorePath(vectorStoreId) + "/files/" + OaiId.Check(fileId, "file"), J.VectorStoreFileWire, ct).ConfigureAwait(false));

    #endregion

    #region Paths and mapping

    private static string FilePath(string fileId) => "/files/" + OaiId.Check(fileId, "file");

    private static string StorePath(string vectorStoreId) => "/vector_stores/" + OaiId.Check(vectorStoreId, "vector store");

    private static string ContainerFilePath(string containerId, string fileId) =>
        "/containers/" + OaiId.Check(containerId, "container") + "/files/" + OaiId.Check(fileId, "container file");

    private static async IAsyncEnumerable<TModel> MapAsync<TWire, TModel>(IAsyncEnumerable<TWire> source, Func<TWire, TModel> map,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in source.WithCancellation(ct).ConfigureAwait(false)) yield return map(item);
    }

    private static DateTimeOffset Time(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    private static DateTimeOffset? Time(long? seconds) => seconds is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    internal static OaiFile Map(OpenAIFileWire f) => new()
    {
        Id = f.Id,
        FileName = f.Filename ?? "",
        Bytes = f.Bytes,
        Purpose = f.Purpose ?? "",
        Status = f.Status,
        CreatedAt = Time(f.CreatedAt),
        ExpiresAt = Time(f.ExpiresAt),
    };

    internal static OaiVectorStore Map(VectorStoreWire v) => new()
    {
        Id = v.Id,
        Name = v.Name,
        Status = v.Status ?? "",
        UsageBytes = v.UsageBytes,
        FileCounts = new OaiVectorStoreFileCounts
        {
            InProgress = v.FileCounts?.InProgress ?? 0,
            Completed = v.FileCounts?.Completed ?? 0,
            Failed = v.FileCounts?.Failed ?? 0,
            Cancelled = v.FileCounts?.Cancelled ?? 0,
            Total = v.FileCounts?.Total ?? 0,
        },
        CreatedAt = Time(v.CreatedAt),
        LastActiveAt = Time(v.LastActiveAt),
        ExpiresAt = Time(v.ExpiresAt),
        Metadata = OaiMetadata.From(v.Metadata),
    };

    internal static OaiVectorStoreFile Map(VectorStoreFileWire f) => new()
    {
        Id = f.Id,
        VectorStoreId = f.VectorStoreId ?? "",
        Status = f.Status ?? "",
        UsageBytes = f.UsageBytes,
        CreatedAt = Time(f.CreatedAt),
        LastError = f.LastError is null ? null : new OaiVectorStoreFileError { Code = f.LastError.Code, Message = f.LastError.Message },
    };

    #endregion
}

/// <summary>A read-only view of a stream that reports how many bytes were read from it, as they are read.</summary>
internal sealed class ProgressStream : Stream
{
    private readonly Stream _inner;
    private readonly Action<long> _read;
    private long _total;

    public ProgressStream(Stream inner, Action<long> read)
    {
        _inner = inner;
        _read = read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => _inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set
        {
            _inner.Position = value;
            _total = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(_inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(_inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        if (n > 0)
        {
            _total += n;
            _read(_total);
        }
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var position = _inner.Seek(offset, origin);
        _total = position;
        return position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Makes a file name that came from a server safe to create inside a chosen folder: it can never name a
/// folder, a parent, a rooted path, a device or an alternate data stream, on Windows or elsewhere.
/// </summary>
internal static class SafeFileName
{
    /// <summary>Bytes of UTF-8 a name may take: NAME_MAX on Linux and macOS (Windows allows 255 UTF-16 units, which this also keeps).</summary>
    internal const int MaxUtf8Bytes = 255;

    // Windows forbids these everywhere in a name; '/' and '\' are separators on one system or the other.
    private static readonly char[] s_invalid = { '<', '>', ':', '"', '/', '\\', '|', '?', '*' };

    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    /// <summary>
    /// The last path segment of <paramref name="name"/> (either separator), normalized to NFC, with control,
    /// format and invalid characters replaced by '_', leading dots and spaces and trailing dots and spaces
    /// removed, a device name (CON, NUL.txt, COM1, ...) prefixed with '_', and at most 255 UTF-8 bytes (the
    /// extension is kept). When nothing usable is left, <paramref name="fallback"/> (made safe the same way;
    /// "file" when it is not) is used.
    /// </summary>
    public static string Make(string? name, string fallback)
    {
        var made = Clean(name);
        if (made is not null) return made;
        return Clean(fallback) ?? "file";
    }

    private static string? Clean(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var text = name;
        try { text = text.Normalize(NormalizationForm.FormC); }
        catch (ArgumentException) { } // unpaired surrogates: replaced below

        // Only the last segment counts: "../../x", "/etc/passwd", "C:\x" and "dir/x" all keep just their leaf.
        var cut = text.LastIndexOfAny(new[] { '/', '\\' });
        if (cut >= 0) text = text[(cut + 1)..];

        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var category = CharUnicodeInfo.GetUnicodeCategory(text, i);
                if (category is UnicodeCategory.Format or UnicodeCategory.PrivateUse) sb.Append('_');
                else sb.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            var cat = char.GetUnicodeCategory(c);
            if (char.IsSurrogate(c) || cat is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse || Array.IndexOf(s_invalid, c) >= 0)
            {
                sb.Append('_');
            }
            else
            {
                sb.Append(c);
            }
        }
        // Leading dots would make "..", "." or a hidden file; trailing dots and spaces Windows drops silently.
        var cleaned = sb.ToString().TrimStart('.', ' ').TrimEnd('.', ' ');
        if (cleaned.Trim('_').Length == 0) return null;

        var stem = cleaned.Split('.')[0].TrimEnd(' ');
        if (s_reserved.Contains(stem)) cleaned = "_" + cleaned;
        return Shorten(cleaned);
    }

    /// <summary>Cuts whole text elements (never half a surrogate pair or a combining sequence) off the stem, keeping a short extension.</summary>
    private static string Shorten(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxUtf8Bytes) return name;
        var ext = System.IO.Path.GetExtension(name);
        if (ext.Length > 16 || Encoding.UTF8.GetByteCount(ext) > 64) ext = "";
        var stem = name[..(name.Length - ext.Length)];
        var budget = MaxUtf8Bytes - Encoding.UTF8.GetByteCount(ext);
        var sb = new StringBuilder();
        var used = 0;
        var elements = StringInfo.GetTextElementEnumerator(stem);
        while (elements.MoveNext())
        {
            var element = elements.GetTextElement();
            var size = Encoding.UTF8.GetByteCount(element);
            if (used + size > budget) break;
            sb.Append(element);
            used += size;
        }
        return sb.ToString().TrimEnd('.', ' ') + ext;
    }

    /// <summary>
    /// The full path of <paramref name="fileName"/> in <paramref name="folder"/>, or null when it would not be
    /// a direct child of that folder (the last check before anything is written).
    /// </summary>
    public static string? InFolder(string folder, string fileName)
    {
        var root = System.IO.Path.GetFullPath(folder);
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, fileName));
        var parent = System.IO.Path.GetDirectoryName(full);
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return parent is not null && string.Equals(System.IO.Path.TrimEndingDirectorySeparator(parent), System.IO.Path.TrimEndingDirectorySeparator(root), comparison)
            && System.IO.Path.GetFileName(full) == fileName
            ? full
            : null;
    }
}
