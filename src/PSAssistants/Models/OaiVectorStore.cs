namespace PSAssistants;

/// <summary>A vector store: files chunked and indexed for the file_search tool. The same on both protocols.</summary>
public sealed class OaiVectorStore : OaiObject
{
    /// <summary>The vector store's id, such as vs_abc123.</summary>
    public string Id { get; internal set; } = "";

    public string? Name { get; internal set; }

    /// <summary>The API's status string: in_progress, completed (ready for use) or expired.</summary>
    public string Status { get; internal set; } = "";

    /// <summary>The bytes the store's files use once indexed.</summary>
    public long UsageBytes { get; internal set; }

    /// <summary>How many of its files are in each indexing state.</summary>
    public OaiVectorStoreFileCounts FileCounts { get; internal set; } = new();

    public DateTimeOffset CreatedAt { get; internal set; }
    public DateTimeOffset? LastActiveAt { get; internal set; }
    public DateTimeOffset? ExpiresAt { get; internal set; }
    /// <summary>The metadata pairs; prints as "key=value; key=value".</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get => _metadata;
        internal set => _metadata = OaiMetadata.Wrap(value);
    }

    private IReadOnlyDictionary<string, string> _metadata = OaiMetadata.Empty;

    public override string ToString() => Id;
}

/// <summary>The number of a vector store's files in each indexing state.</summary>
public sealed class OaiVectorStoreFileCounts : OaiObject
{
    public long InProgress { get; internal set; }
    public long Completed { get; internal set; }
    public long Failed { get; internal set; }
    public long Cancelled { get; internal set; }
    public long Total { get; internal set; }

    public override string ToString() => $"{Completed}/{Total} completed" + (InProgress > 0 ? $", {InProgress} in progress" : "") + (Failed > 0 ? $", {Failed} failed" : "");
}

/// <summary>A file of a vector store: the link between a file and a store, with its indexing status.</summary>
public sealed class OaiVectorStoreFile : OaiObject
{
    /// <summary>The file's id (the same id as the OaiFile).</summary>
    public string Id { get; internal set; } = "";

    public string VectorStoreId { get; internal set; } = "";

    /// <summary>The API's status string: in_progress, completed (ready for use), cancelled or failed.</summary>
    public string Status { get; internal set; } = "";

    public long UsageBytes { get; internal set; }
    public DateTimeOffset CreatedAt { get; internal set; }

    /// <summary>Why indexing failed (code server_error, unsupported_file or invalid_file), or null.</summary>
    public OaiVectorStoreFileError? LastError { get; internal set; }

    /// <summary>True once the file is completed, failed or cancelled.</summary>
    public bool IsTerminal => Status is "completed" or "failed" or "cancelled";

    public override string ToString() => Id;
}

/// <summary>The error of a vector store file whose indexing failed.</summary>
public sealed class OaiVectorStoreFileError : OaiObject
{
    public string? Code { get; internal set; }
    public string? Message { get; internal set; }

    public override string ToString() => Code is null ? Message ?? "" : $"{Code}: {Message}";
}
