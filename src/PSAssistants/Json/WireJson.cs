using System.Text.Json.Serialization;

namespace PSAssistants.Json;

/// <summary>The error object every endpoint of both protocols uses.</summary>
internal sealed class ApiError
{
    public string? Message { get; set; }
    public string? Type { get; set; }
    public string? Param { get; set; }
    public string? Code { get; set; }
}

internal sealed class ApiErrorEnvelope
{
    public ApiError? Error { get; set; }
}

/// <summary>Deletion receipt shared by both protocols: {id, object, deleted}.</summary>
internal sealed class DeletedWire
{
    public string? Id { get; set; }
    public string? Object { get; set; }
    public bool Deleted { get; set; }
}

/// <summary>Source-generated (reflection-free) serialization of the shared wire types.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ApiErrorEnvelope))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(DeletedWire))]
internal sealed partial class WireJson : JsonSerializerContext
{
}
