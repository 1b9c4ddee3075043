using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace PSAssistants.Json;

/// <summary>
/// -AdditionalBody: request fields the module does not model yet, merged into the body it builds. A key the
/// module sets itself is refused (OaiInvalidArgument) rather than silently overwritten either way.
/// </summary>
internal static class RequestBody
{
    public static JsonTypeInfo<JsonObject> Info => RequestBodyJson.Default.JsonObject;

    /// <summary>The body with the additional fields, or null when there are none (send the typed body as is).</summary>
    public static JsonObject? Merge<T>(T body, JsonTypeInfo<T> info, string? additionalJson)
    {
        if (additionalJson is null) return null;
        var merged = JsonSerializer.SerializeToNode(body, info)!.AsObject();
        // Every field the request type models is the module's, set this time or not: its parameter is the way in.
        var modeled = info.Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var kv in JsonNode.Parse(additionalJson)!.AsObject())
        {
            if (merged.ContainsKey(kv.Key) || modeled.Contains(kv.Key))
                throw new PSAssistants.Client.OaiArgumentException($"-AdditionalBody sets '{kv.Key}', which the module sets itself in this request; use the cmdlet's own parameter for it instead.");
            merged[kv.Key] = kv.Value?.DeepClone();
        }
        return merged;
    }

    /// <summary>The body's bytes, with the additional fields merged in.</summary>
    public static byte[] Bytes<T>(T body, JsonTypeInfo<T> info, string? additionalJson) =>
        Merge(body, info, additionalJson) is { } merged ? JsonSerializer.SerializeToUtf8Bytes(merged, Info) : JsonSerializer.SerializeToUtf8Bytes(body, info);

    /// <summary>A hashtable of -AdditionalBody as JSON object text.</summary>
    public static string? FromHashtable(System.Collections.IDictionary? table)
    {
        if (table is null || table.Count == 0) return null;
        return JsonSchemas.ToNode(table, 0)!.ToJsonString();
    }

    /// <summary>-ToolChoice on the wire: the mode as a string, a function's name as the protocol's object.</summary>
    public static JsonNode? ToolChoice(string? choice, bool nested) => choice switch
    {
        null => null,
        "auto" or "none" or "required" => JsonValue.Create(choice),
        _ when nested => new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = choice } },
        _ => new JsonObject { ["type"] = "function", ["name"] = choice },
    };

    /// <summary>The schema of -JsonSchema as the JSON object it is.</summary>
    public static JsonObject? Schema(OaiRunSettings s) => s.JsonSchema is null ? null : JsonNode.Parse(s.JsonSchema)!.AsObject();
}

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class RequestBodyJson : JsonSerializerContext
{
}
