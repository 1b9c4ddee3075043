namespace PSAssistants;

/// <summary>A vector store: files chunked and indexed for the file_search tool. The same on both protocols.</summary>
public sealed class OaiVectorStore : OaiObject
{
    /// <summary>The vector store's id, such as vs_abc123.</summary>
    public string Id { get; internal set; } = "";

    /// <summary>The vector store's name.</summary>
    public string? Name { get; internal set; }

    /// <summary>The API's status string: in_progress, completed (ready for use) or expired.</summary>
    public string Status { get; internal set; } = "";

    /// <summary>The bytes the store's files use once indexed.</summary>
    public long UsageBytes { get; internal set; }

    /// <summary>How many of its files are in each indexing state.</summary>
    public OaiVectorStoreFileCounts FileCounts { get; internal set; } = new();

    /// <summary>When the vector store was created.</summary>
    public DateTimeOffset CreatedAt { get; internal set; }
    /// <summary>When the vector store was last used.</summary>
    public DateTimeOffset? LastActiveAt { get; internal set; }
    /// <summary>When the vector store expires, if it has an expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; internal set; }
    /// <summary>The metadata pairs; prints as "key=value; key=value".</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get => _metadata;
        internal set => _metadata = OaiMetadata.Wrap(value);
    }

    private IReadOnlyDictionary<string, string> _metadata = OaiMetadata.Empty;

    /// <inheritdoc/>
    public override string ToString() => Id;
}

/// <summary>The number of a vector store's files in each indexing state.</summary>
public sealed class OaiVectorStoreFileCounts : OaiObject
{
    /// <summary>Files still being indexed.</summary>
    public long InProgress { get; internal set; }
    /// <summary>Files indexed and searchable.</summary>
    public long Completed { get; internal set; }
    /// <summary>Files that could not be indexed.</summary>
    public long Failed { get; internal set; }
    /// <summary>Files whose indexing was cancelled.</summary>
    public long Cancelled { get; internal set; }
    /// <summary>All files of the vector store.</summary>
    public long Total { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Completed}/{Total} completed" + (InProgress > 0 ? $", {InProgress} in progress" : "") + (Failed > 0 ? $", {Failed} failed" : "");
}

/// <summary>A file of a vector store: the link between a file and a store, with its indexing status.</summary>
public sealed class OaiVectorStoreFile : OaiObject
{
    /// <summary>The file's id (the same id as the OaiFile).</summary>
    public string Id { get; internal set; } = "";

    /// <summary>The vector store the file belongs to.</summary>
    public string VectorStoreId { get; internal set; } = "";

    /// <summary>The API's status string: in_progress, completed (ready for use), cancelled or failed.</summary>
    public string Status { get; internal set; } = "";

    /// <summary>The bytes the file's index takes.</summary>
    public long UsageBytes { get; internal set; }
    /// <summary>When the file was added to the vector store.</summary>
    public DateTimeOffset CreatedAt { get; internal set; }

    /// <summary>Why indexing failed (code server_error, unsupported_file or invalid_file), or null.</summary>
    public OaiVectorStoreFileError? LastError { get; internal set; }

    /// <summary>True once the file is completed, failed or cancelled.</summary>
    public bool IsTerminal => Status is "completed" or "failed" or "cancelled";

    /// <inheritdoc/>
    public override string ToString() => Id;
}

/// <summary>The error of a vector store file whose indexing failed.</summary>
public sealed class OaiVectorStoreFileError : OaiObject
{
    /// <summary>The API's error code, such as invalid_file.</summary>
    public string? Code { get; internal set; }
    /// <summary>The API's message.</summary>
    public string? Message { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => Code is null ? Message ?? "" : $"{Code}: {Message}";
}
