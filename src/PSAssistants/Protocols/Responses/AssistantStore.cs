using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using PSAssistants.Client;

namespace PSAssistants.Protocols.Responses;

/// <summary>
/// Assistant definitions kept on the client, for the Responses protocol where the server has no assistant
/// object. One JSON file per user; every change is a read-modify-write under an exclusive lock file, written
/// to a temporary file and renamed over the old one, so two processes writing at once lose nothing and a
/// crash never leaves half a file. A file that cannot be read is reported and never overwritten.
/// </summary>
internal sealed class AssistantStore
{
    private const int FormatVersion = 1;
    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(30);

    public AssistantStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    /// <summary>Lets tests fail a write partway (a full disk): wraps the stream the new content goes through.</summary>
    internal Func<Stream, Stream>? WriteThrough { get; init; }

    /// <summary>
    /// The per-user default: $env:PSASSISTANTS_ASSISTANT_STORE, else %APPDATA%\PSAssistants on Windows,
    /// else $XDG_CONFIG_HOME/PSAssistants or ~/.config/PSAssistants.
    /// </summary>
    public static string DefaultPath()
    {
        var explicitPath = Environment.GetEnvironmentVariable("PSASSISTANTS_ASSISTANT_STORE");
        if (!string.IsNullOrWhiteSpace(explicitPath)) return explicitPath;
        string root;
        if (OperatingSystem.IsWindows())
        {
            root = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
        }
        else
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            root = !string.IsNullOrWhiteSpace(xdg)
                ? xdg
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        }
        return System.IO.Path.Combine(root, "PSAssistants", "assistants.json");
    }

    /// <summary>A new local id: "asst_local_" and 20 random letters and digits.</summary>
    public static string NewId()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return "asst_local_" + RandomNumberGenerator.GetString(alphabet, 20);
    }

    public IReadOnlyList<StoredAssistant> ReadAll()
    {
        using var _ = AcquireLock();
        return Load();
    }

    public StoredAssistant? Find(string id) => ReadAll().FirstOrDefault(a => a.Id == id);

    /// <summary>Adds or replaces (when <paramref name="replace"/>) one definition.</summary>
    public void Save(StoredAssistant assistant, bool replace)
    {
        using var _ = AcquireLock();
        var all = Load().ToList();
        var index = all.FindIndex(a => a.Id == assistant.Id);
        if (index >= 0 && !replace)
        {
            throw new OaiApiException(OaiErrorKind.Conflict,
                $"An assistant with id '{assistant.Id}' is already in the local store '{Path}'. Use -Force to replace it.");
        }
        if (index >= 0) all[index] = assistant; else all.Add(assistant);
        Write(all);
    }

    public bool Remove(string id)
    {
        using var _ = AcquireLock();
        var all = Load().ToList();
        if (all.RemoveAll(a => a.Id == id) == 0) return false;
        Write(all);
        return true;
    }

    private List<StoredAssistant> Load()
    {
        if (!File.Exists(Path)) return new List<StoredAssistant>();
        byte[] bytes;
        try { bytes = File.ReadAllBytes(Path); }
        catch (IOException ex) { throw StoreError($"cannot be read: {ex.Message}", ex); }
        if (bytes.Length == 0) return new List<StoredAssistant>();
        try
        {
            var file = JsonSerializer.Deserialize(bytes, StoreJson.Default.StoreFile)
                ?? throw new JsonException("The file holds JSON null.");
            if (file.Version > FormatVersion)
                throw StoreError($"was written by a newer PSAssistants (format {file.Version}); update the module.");
            return file.Assistants ?? new List<StoredAssistant>();
        }
        catch (JsonException ex)
        {
            throw StoreError($"is not valid JSON ({ex.Message}). It was left as it is: fix or move it, then try again.", ex);
        }
    }

    private void Write(List<StoredAssistant> all)
    {
        var dir = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(dir);
        var temp = Path + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(new StoreFile { Version = FormatVersion, Assistants = all }, StoreJson.Default.StoreFile);
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                (WriteThrough?.Invoke(fs) ?? fs).Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, Path, overwrite: true);
        }
        catch (IOException ex)
        {
            // A full disk or a failed rename: the old file is still whole, since only the temporary file was written.
            throw StoreError($"cannot be written: {ex.Message}. It was left as it was.", ex);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>An exclusive lock file beside the store, held for one read-modify-write, across processes.</summary>
    private FileStream AcquireLock()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        // The lock file stays in place: deleting it on close would let two processes lock different inodes.
        var lockPath = Path + ".lock";
        var deadline = DateTime.UtcNow + s_lockTimeout;
        var delay = 5;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(delay, delay * 2));
                delay = Math.Min(delay * 2, 100);
            }
            catch (IOException ex)
            {
                throw StoreError($"is locked by another process (lock file '{lockPath}') for over {s_lockTimeout.TotalSeconds:0} s.", ex);
            }
        }
    }

    private OaiApiException StoreError(string what, Exception? inner = null) =>
        new(OaiErrorKind.AssistantStoreInvalid, $"The assistant store '{Path}' {what}", inner);
}

/// <summary>The store's file format (not a wire format): {version, assistants: [...]}; also the export format.</summary>
internal sealed class StoreFile
{
    public int Version { get; set; } = 1;
    public List<StoredAssistant>? Assistants { get; set; }
}

internal sealed class StoredAssistant
{
    public string Id { get; set; } = "";
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Model { get; set; }
    public string? Instructions { get; set; }
    public List<StoredTool>? Tools { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public string? PromptId { get; set; }
    public string? PromptVersion { get; set; }
    public OaiRunSettings? RunSettings { get; set; }
    public long CreatedAt { get; set; }

    public static StoredAssistant From(OaiAssistant a) => new()
    {
        Id = a.Id,
        Name = a.Name,
        Description = a.Description,
        Model = string.IsNullOrEmpty(a.Model) ? null : a.Model,
        Instructions = a.Instructions,
        Tools = a.Tools.Count == 0 ? null : a.Tools.Select(t => new StoredTool
        {
            Type = t.Type,
            Name = t.Name,
            Description = t.Description,
            Parameters = t.ParametersJson is null ? null : JsonDocument.Parse(t.ParametersJson).RootElement.Clone(),
            Strict = t.Strict,
            FileIds = t.FileIds.Count == 0 ? null : t.FileIds.ToList(),
            VectorStoreIds = t.VectorStoreIds.Count == 0 ? null : t.VectorStoreIds.ToList(),
            ContainerId = t.ContainerId,
            MemoryLimit = t.MemoryLimit,
            MaxNumResults = t.MaxNumResults,
            Filter = t.FilterJson is null ? null : JsonDocument.Parse(t.FilterJson).RootElement.Clone(),
            AllowedDomains = t.AllowedDomains.Count == 0 ? null : t.AllowedDomains.ToList(),
            SearchContextSize = t.SearchContextSize,
            UserLocation = t.UserLocation is { Count: > 0 } l ? new Dictionary<string, string>(l) : null,
            Size = t.Size,
            Quality = t.Quality,
            OutputFormat = t.OutputFormat,
            ServerLabel = t.ServerLabel,
            ServerUrl = t.ServerUrl,
            AllowedTools = t.AllowedTools.Count == 0 ? null : t.AllowedTools.ToList(),
            RequireApproval = t.RequireApproval,
            // Header values are secrets and never written: only their names, so a run can say what is missing.
            HeaderNames = t.HeaderNames.Count == 0 ? null : t.HeaderNames.ToList(),
        }).ToList(),
        Metadata = a.Metadata.Count == 0 ? null : new Dictionary<string, string>(a.Metadata),
        Temperature = a.Temperature,
        TopP = a.TopP,
        PromptId = a.PromptId,
        PromptVersion = a.PromptVersion,
        RunSettings = a.RunSettings.IsEmpty ? null : a.RunSettings,
        CreatedAt = a.CreatedAt.ToUnixTimeSeconds(),
    };

    public OaiAssistant ToModel() => new()
    {
        Id = Id,
        Name = Name,
        Description = Description,
        Model = Model ?? "",
        Instructions = Instructions,
        Tools = Tools?.Select(t => new OaiTool(t.Type)
        {
            Name = t.Name,
            Description = t.Description,
            ParametersJson = t.Parameters is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } p ? p.GetRawText() : null,
            Strict = t.Strict,
            FileIds = t.FileIds?.ToArray() ?? Array.Empty<string>(),
            VectorStoreIds = t.VectorStoreIds?.ToArray() ?? Array.Empty<string>(),
            ContainerId = t.ContainerId,
            MemoryLimit = t.MemoryLimit,
            MaxNumResults = t.MaxNumResults,
            FilterJson = t.Filter is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } f ? f.GetRawText() : null,
            AllowedDomains = t.AllowedDomains?.ToArray() ?? Array.Empty<string>(),
            SearchContextSize = t.SearchContextSize,
            UserLocation = t.UserLocation,
            Size = t.Size,
            Quality = t.Quality,
            OutputFormat = t.OutputFormat,
            ServerLabel = t.ServerLabel,
            ServerUrl = t.ServerUrl,
            AllowedTools = t.AllowedTools?.ToArray() ?? Array.Empty<string>(),
            RequireApproval = t.RequireApproval,
            HeaderNames = t.HeaderNames?.ToArray() ?? Array.Empty<string>(),
        }).ToArray() ?? Array.Empty<OaiTool>(),
        Metadata = OaiMetadata.From(Metadata),
        Temperature = Temperature,
        TopP = TopP,
        PromptId = PromptId,
        PromptVersion = PromptVersion,
        RunSettings = RunSettings ?? OaiRunSettings.Empty,
        CreatedAt = DateTimeOffset.FromUnixTimeSeconds(CreatedAt),
    };
}

internal sealed class StoredTool
{
    public string Type { get; set; } = "";
    public string? Name { get; set; }
    public string? Description { get; set; }
    public JsonElement? Parameters { get; set; }
    public bool? Strict { get; set; }

    /// <summary>code_interpreter: the files of its container.</summary>
    public List<string>? FileIds { get; set; }

    /// <summary>file_search: the vector stores it searches.</summary>
    public List<string>? VectorStoreIds { get; set; }

    public string? ContainerId { get; set; }
    public string? MemoryLimit { get; set; }
    public int? MaxNumResults { get; set; }
    public JsonElement? Filter { get; set; }
    public List<string>? AllowedDomains { get; set; }
    public string? SearchContextSize { get; set; }
    public Dictionary<string, string>? UserLocation { get; set; }
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? OutputFormat { get; set; }
    public string? ServerLabel { get; set; }
    public string? ServerUrl { get; set; }
    public List<string>? AllowedTools { get; set; }
    public string? RequireApproval { get; set; }

    /// <summary>mcp: the names of its headers. The values are never stored (see OaiTool.HeaderNames).</summary>
    public List<string>? HeaderNames { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(StoreFile))]
internal sealed partial class StoreJson : JsonSerializerContext
{
}
