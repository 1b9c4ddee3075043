using System.Text.Json.Serialization;

namespace PSAssistants.Protocols.Common;

// Wire shapes of the Files, Containers and Vector stores endpoints, named after the reference's schemas
// (OpenAIFile, ContainerFileResource, VectorStoreObject, VectorStoreFileObject, ...). These endpoints are
// the same whichever protocol a session speaks. Only the fields the module reads or writes are declared.

internal sealed class OpenAIFileWire
{
    public string Id { get; set; } = "";
    public long Bytes { get; set; }
    public long CreatedAt { get; set; }
    public long? ExpiresAt { get; set; }
    public string? Filename { get; set; }
    public string? Purpose { get; set; }
    public string? Status { get; set; }
}

/// <summary>ContainerFileResource: a file in a code interpreter container (Responses' charts live here).</summary>
internal sealed class ContainerFileWire
{
    public string Id { get; set; } = "";
    public string? ContainerId { get; set; }
    public long CreatedAt { get; set; }
    public long Bytes { get; set; }
    public string? Path { get; set; }
    public string? Source { get; set; }
}

internal sealed class VectorStoreWire
{
    public string Id { get; set; } = "";
    public long CreatedAt { get; set; }
    public string? Name { get; set; }
    public long UsageBytes { get; set; }
    public FileCountsWire? FileCounts { get; set; }
    public string? Status { get; set; }
    public long? ExpiresAt { get; set; }
    public long? LastActiveAt { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
}

internal sealed class FileCountsWire
{
    public long InProgress { get; set; }
    public long Completed { get; set; }
    public long Failed { get; set; }
    public long Cancelled { get; set; }
    public long Total { get; set; }
}

internal sealed class VectorStoreFileWire
{
    public string Id { get; set; } = "";
    public long UsageBytes { get; set; }
    public long CreatedAt { get; set; }
    public string? VectorStoreId { get; set; }
    public string? Status { get; set; }
    public VectorStoreFileErrorWire? LastError { get; set; }
}

internal sealed class VectorStoreFileErrorWire
{
    public string? Code { get; set; }
    public string? Message { get; set; }
}

/// <summary>CreateVectorStoreRequest (additionalProperties: false): only these fields may be sent.</summary>
internal sealed class CreateVectorStoreRequest
{
    public string? Name { get; set; }
    public List<string>? FileIds { get; set; }
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
}

/// <summary>CreateVectorStoreFileRequest (additionalProperties: false): {file_id}.</summary>
internal sealed class CreateVectorStoreFileRequest
{
    public string FileId { get; set; } = "";
}

/// <summary>ListFilesResponse, ListVectorStoresResponse, ...: {object:"list", data, first_id, last_id, has_more}.</summary>
internal sealed class FilesListWire<T>
{
    public List<T>? Data { get; set; }
    public string? FirstId { get; set; }
    public string? LastId { get; set; }
    public bool HasMore { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OpenAIFileWire))]
[JsonSerializable(typeof(FilesListWire<OpenAIFileWire>))]
[JsonSerializable(typeof(ContainerFileWire))]
[JsonSerializable(typeof(VectorStoreWire))]
[JsonSerializable(typeof(FilesListWire<VectorStoreWire>))]
[JsonSerializable(typeof(VectorStoreFileWire))]
[JsonSerializable(typeof(FilesListWire<VectorStoreFileWire>))]
[JsonSerializable(typeof(CreateVectorStoreRequest))]
[JsonSerializable(typeof(CreateVectorStoreFileRequest))]
internal sealed partial class FilesJson : JsonSerializerContext
{
}
