using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSAssistants.Protocols.Responses;

// Wire shapes of Responses + Conversations, named after the reference's schemas. Items are polymorphic
// (message, function_call, function_call_output, reasoning, ...): one tolerant class holds the fields the
// module reads of any of them, and unknown item types pass through untouched.

internal sealed class ConversationResource
{
    public string Id { get; set; } = "";
    public double CreatedAt { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
}

internal sealed class CreateConversationBody
{
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
    public List<InputMessageWire>? Items { get; set; }
}

internal sealed class CreateItemsBody
{
    public List<InputMessageWire> Items { get; set; } = new();
}

/// <summary>An input message in the reference's easy form: {type:"message", role, content: "text"}.</summary>
internal sealed class InputMessageWire
{
    public string Type { get; set; } = "message";
    public string Role { get; set; } = "user";
    public string Content { get; set; } = "";
}

internal sealed class ItemWire
{
    public string Type { get; set; } = "";
    public string? Id { get; set; }
    public string? Status { get; set; }
    public string? Role { get; set; }
    public List<ContentPartWire>? Content { get; set; }
    public string? CallId { get; set; }
    public string? Name { get; set; }

    /// <summary>mcp_call, mcp_list_tools, mcp_approval_request: the server the item concerns.</summary>
    public string? ServerLabel { get; set; }

    /// <summary>mcp_call: the approval request it ran after; mcp_approval_response: the request it answers.</summary>
    public string? ApprovalRequestId { get; set; }

    /// <summary>mcp_approval_response: the answer.</summary>
    public bool? Approve { get; set; }

    /// <summary>web_search_call: what it did (search, open_page, find_in_page).</summary>
    public WebSearchActionWire? Action { get; set; }

    /// <summary>A JSON string on function calls; other item types (tool_search_call) put an object here, read as null.</summary>
    [JsonConverter(typeof(PSAssistants.Json.StringOrNumberConverter))]
    public string? Arguments { get; set; }
    public double? CreatedAt { get; set; }

    /// <summary>A function_call_output's answer or an mcp_call's result (text); other item types may put an object here, read as null.</summary>
    [JsonConverter(typeof(PSAssistants.Json.StringOrNumberConverter))]
    public string? Output { get; set; }
}

internal sealed class WebSearchActionWire
{
    public string? Type { get; set; }
    public string? Query { get; set; }
    public string? Url { get; set; }
}

/// <summary>An image_generation_call item read on its own, for its image (base64 in result).</summary>
internal sealed class ImageGenerationItemWire
{
    public string Type { get; set; } = "";
    public string? Id { get; set; }
    public string? Result { get; set; }
}

internal sealed class ContentPartWire
{
    public string Type { get; set; } = "";
    public string? Text { get; set; }
    public string? Refusal { get; set; }
    public string? FileId { get; set; }
    public string? ImageUrl { get; set; }
    public string? Detail { get; set; }
    public string? Filename { get; set; }
    public List<ResponsesAnnotationWire>? Annotations { get; set; }
}

/// <summary>An output_text annotation: file_citation, container_file_citation, file_path or url_citation.</summary>
internal sealed class ResponsesAnnotationWire
{
    public string Type { get; set; } = "";
    public string? FileId { get; set; }
    public string? ContainerId { get; set; }
    public string? Filename { get; set; }
    public int? Index { get; set; }
    public int? StartIndex { get; set; }
    public int? EndIndex { get; set; }
    public string? Url { get; set; }
    public string? Title { get; set; }
}

/// <summary>POST /conversations/{id}/items with one message in the part-list form (text and input_file parts).</summary>
internal sealed class CreatePartItemsBody
{
    public List<InputPartsMessageWire> Items { get; set; } = new();
}

internal sealed class InputPartsMessageWire
{
    public string Type { get; set; } = "message";
    public string Role { get; set; } = "user";

    /// <summary>
    /// Always written as null: a message with a part list matches both EasyInputMessage and InputMessage of the
    /// reference's InputItem oneOf; InputMessage's status is a string enum, so an explicit null leaves exactly one
    /// match. Null means "no status", which an input message does not have anyway.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Status { get; set; }

    public List<InputContentPartWire> Content { get; set; } = new();
}

/// <summary>input_text {text}, input_file {file_id} or input_image {file_id | image_url, detail}.</summary>
internal sealed class InputContentPartWire
{
    public string Type { get; set; } = "";
    public string? Text { get; set; }
    public string? FileId { get; set; }
    public string? ImageUrl { get; set; }

    /// <summary>Required on input_image (auto, low or high).</summary>
    public string? Detail { get; set; }
}

/// <summary>POST /conversations with first messages in the part-list form (when one carries images or files).</summary>
internal sealed class CreateConversationPartsBody
{
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
    public List<InputPartsMessageWire>? Items { get; set; }
}

/// <summary>ConversationItemList and ResponseItemList: {object:"list", data, first_id, last_id, has_more}.</summary>
internal sealed class ItemListWire
{
    public List<ItemWire>? Data { get; set; }
    public string? FirstId { get; set; }
    public string? LastId { get; set; }
    public bool HasMore { get; set; }
}

/// <summary>
/// An answer in a response's input: function_call_output {call_id, output} for a function call, or
/// mcp_approval_response {approval_request_id, approve} for an MCP approval request.
/// </summary>
internal sealed class FunctionCallOutputWire
{
    public string Type { get; set; } = "function_call_output";
    public string? CallId { get; set; }
    public string? Output { get; set; }
    public string? ApprovalRequestId { get; set; }

    /// <summary>The reference's MCPApprovalResponse lists request_id as required (beside approval_request_id): the same id.</summary>
    public string? RequestId { get; set; }

    public bool? Approve { get; set; }
}

internal sealed class CreateResponseBody
{
    /// <summary>The local assistant the response is made for; not sent (metadata carries it when it has room).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? StartedBy { get; set; }

    public string? Model { get; set; }
    public List<FunctionCallOutputWire>? Input { get; set; }
    public string? Instructions { get; set; }
    public string? Conversation { get; set; }
    public bool Background { get; set; }
    public bool Store { get; set; }
    public List<ResponsesToolWire>? Tools { get; set; }
    public PromptWire? Prompt { get; set; }
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public bool? Stream { get; set; }
}

internal sealed class ResponsesToolWire
{
    public string Type { get; set; } = "";
    public string? Name { get; set; }
    public string? Description { get; set; }
    public JsonElement? Parameters { get; set; }
    public bool? Strict { get; set; }
    public ContainerWire? Container { get; set; }
    public List<string>? VectorStoreIds { get; set; }

    /// <summary>file_search: max_num_results.</summary>
    public int? MaxNumResults { get; set; }

    /// <summary>file_search: an attribute filter; web_search: {allowed_domains}.</summary>
    public JsonElement? Filters { get; set; }

    /// <summary>web_search.</summary>
    public string? SearchContextSize { get; set; }
    public UserLocationWire? UserLocation { get; set; }

    /// <summary>image_generation.</summary>
    public string? Size { get; set; }
    public string? Quality { get; set; }
    public string? OutputFormat { get; set; }

    /// <summary>mcp: server_label, server_url, allowed_tools, require_approval, headers.</summary>
    public string? ServerLabel { get; set; }
    public string? ServerUrl { get; set; }
    public List<string>? AllowedTools { get; set; }
    public string? RequireApproval { get; set; }
    public IReadOnlyDictionary<string, string>? Headers { get; set; }
}

/// <summary>WebSearchApproximateLocation: {type: approximate, country, region, city, timezone}.</summary>
internal sealed class UserLocationWire
{
    public string Type { get; set; } = "approximate";
    public string? Country { get; set; }
    public string? Region { get; set; }
    public string? City { get; set; }
    public string? Timezone { get; set; }
}

/// <summary>A code interpreter's container: an existing container's id (a string), or {type: auto, file_ids, memory_limit}.</summary>
[JsonConverter(typeof(ContainerWireConverter))]
internal sealed class ContainerWire
{
    public string? Id { get; set; }
    public List<string>? FileIds { get; set; }
    public string? MemoryLimit { get; set; }
}

internal sealed class ContainerWireConverter : JsonConverter<ContainerWire>
{
    public override ContainerWire? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var e = doc.RootElement;
        if (e.ValueKind == JsonValueKind.String) return new ContainerWire { Id = e.GetString() };
        if (e.ValueKind != JsonValueKind.Object) return null;
        return new ContainerWire
        {
            FileIds = e.TryGetProperty("file_ids", out var f) && f.ValueKind == JsonValueKind.Array
                ? f.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList() : null,
            MemoryLimit = e.TryGetProperty("memory_limit", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null,
        };
    }

    public override void Write(Utf8JsonWriter writer, ContainerWire value, JsonSerializerOptions options)
    {
        if (value.Id is not null)
        {
            writer.WriteStringValue(value.Id);
            return;
        }
        writer.WriteStartObject();
        writer.WriteString("type", "auto");
        if (value.FileIds is not null)
        {
            writer.WriteStartArray("file_ids");
            foreach (var id in value.FileIds) writer.WriteStringValue(id);
            writer.WriteEndArray();
        }
        if (value.MemoryLimit is not null) writer.WriteString("memory_limit", value.MemoryLimit);
        writer.WriteEndObject();
    }
}

internal sealed class PromptWire
{
    public string Id { get; set; } = "";
    public string? Version { get; set; }
}

internal sealed class ResponseObject
{
    public string Id { get; set; } = "";
    public double CreatedAt { get; set; }
    public double? CompletedAt { get; set; }
    public string? Status { get; set; }
    public ResponseErrorWire? Error { get; set; }
    public IncompleteWire? IncompleteDetails { get; set; }

    /// <summary>A string, or an array of input items when a stored prompt supplied them.</summary>
    public JsonElement? Instructions { get; set; }
    public string? Model { get; set; }
    public List<ItemWire>? Output { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public ResponseUsageWire? Usage { get; set; }
    public ConversationRefWire? Conversation { get; set; }
}

internal sealed class ResponseErrorWire
{
    public string? Code { get; set; }
    public string? Message { get; set; }
}

internal sealed class IncompleteWire
{
    public string? Reason { get; set; }
}

internal sealed class ResponseUsageWire
{
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long TotalTokens { get; set; }
}

internal sealed class ConversationRefWire
{
    public string? Id { get; set; }
}

/// <summary>Any ResponseStreamEvent: {type, sequence_number, ...}; the fields the module reads of any of them.</summary>
internal sealed class ResponseStreamEventWire
{
    public string Type { get; set; } = "";
    public long SequenceNumber { get; set; }
    public ResponseObject? Response { get; set; }
    public string? ItemId { get; set; }
    public string? Delta { get; set; }
    public ItemWire? Item { get; set; }
    public string? Message { get; set; }
    public string? Code { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConversationResource))]
[JsonSerializable(typeof(CreateConversationBody))]
[JsonSerializable(typeof(CreateItemsBody))]
[JsonSerializable(typeof(CreatePartItemsBody))]
[JsonSerializable(typeof(CreateConversationPartsBody))]
[JsonSerializable(typeof(ImageGenerationItemWire))]
[JsonSerializable(typeof(ItemWire))]
[JsonSerializable(typeof(ItemListWire))]
[JsonSerializable(typeof(CreateResponseBody))]
[JsonSerializable(typeof(ResponseObject))]
[JsonSerializable(typeof(ResponseStreamEventWire))]
internal sealed partial class ResponsesJson : JsonSerializerContext
{
}
