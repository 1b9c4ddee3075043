using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSAssistants.Json;

/// <summary>The error object every endpoint of both protocols uses.</summary>
internal sealed class ApiError
{
    public string? Message { get; set; }
    public string? Type { get; set; }

    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? Param { get; set; }

    /// <summary>A string in the reference; some compatible servers send the HTTP status as a number.</summary>
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? Code { get; set; }
}

/// <summary>Reads a string, a number or a boolean as text, so a server's looser error object stays readable.</summary>
internal sealed class StringOrNumberConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray()),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => null,
        _ => SkipAndNull(ref reader),
    };

    private static string? SkipAndNull(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue(); else writer.WriteStringValue(value);
    }
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
