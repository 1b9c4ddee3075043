using System.Text.Json;
using System.Text.Json.Serialization;
using PSAssistants.Json;

namespace PSAssistants.Protocols.AssistantsV2;

// Wire shapes of Assistants v2, named after the reference's schemas (AssistantObject, RunObject, ...).
// Only the fields the module reads or writes are declared; unknown fields are ignored on read, so
// servers that add fields stay readable.

internal sealed class AssistantObject
{
    public string Id { get; set; } = "";
    public long CreatedAt { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Model { get; set; }
    public string? Instructions { get; set; }
    public List<ToolWire>? Tools { get; set; }
    public ToolResourcesWire? ToolResources { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
}

internal sealed class ToolWire
{
    public string Type { get; set; } = "";
    public FunctionWire? Function { get; set; }

    /// <summary>file_search options: {max_num_results}.</summary>
    public FileSearchOptionsWire? FileSearch { get; set; }
}

internal sealed class FileSearchOptionsWire
{
    public int? MaxNumResults { get; set; }
}

internal sealed class FunctionWire
{
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public JsonElement? Parameters { get; set; }
    public bool? Strict { get; set; }
}

internal sealed class CreateAssistantRequest
{
    public string Model { get; set; } = "";
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Instructions { get; set; }
    public List<ToolWire>? Tools { get; set; }
    public ToolResourcesWire? ToolResources { get; set; }
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
}

/// <summary>ModifyAssistantRequest: every field optional.</summary>
internal sealed class ModifyAssistantRequest
{
    public string? Model { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Instructions { get; set; }
    public List<ToolWire>? Tools { get; set; }
    public ToolResourcesWire? ToolResources { get; set; }
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
}

/// <summary>ModifyThreadRequest and ModifyMessageRequest: metadata.</summary>
internal sealed class ModifyMetadataRequest
{
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
}

internal sealed class RunStepObject
{
    public string Id { get; set; } = "";
    public long CreatedAt { get; set; }
    public string? RunId { get; set; }
    public string? ThreadId { get; set; }
    public string? Type { get; set; }
    public string? Status { get; set; }
    public long? CompletedAt { get; set; }
    public StepDetailsWire? StepDetails { get; set; }
}

internal sealed class StepDetailsWire
{
    public string? Type { get; set; }
    public MessageCreationWire? MessageCreation { get; set; }
    public List<StepToolCallWire>? ToolCalls { get; set; }
}

internal sealed class MessageCreationWire
{
    public string? MessageId { get; set; }
}

internal sealed class StepToolCallWire
{
    public string Id { get; set; } = "";
    public string? Type { get; set; }
    public StepFunctionWire? Function { get; set; }
}

internal sealed class StepFunctionWire
{
    public string? Name { get; set; }
    public string? Arguments { get; set; }
    public string? Output { get; set; }
}

/// <summary>CreateThreadAndRunRequest: the run's fields plus the thread to create.</summary>
internal sealed class CreateThreadAndRunRequest
{
    public string AssistantId { get; set; } = "";
    public CreateThreadRequest? Thread { get; set; }
    public string? Model { get; set; }
    public List<ToolWire>? Tools { get; set; }
    public string? Instructions { get; set; }
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
    public bool? Stream { get; set; }
}

internal sealed class ThreadObject
{
    public string Id { get; set; } = "";
    public long CreatedAt { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
}

internal sealed class CreateThreadRequest
{
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
    public List<CreateMessageRequest>? Messages { get; set; }
}

internal sealed class MessageObject
{
    public string Id { get; set; } = "";
    public long CreatedAt { get; set; }
    public string? ThreadId { get; set; }
    public string? Status { get; set; }
    public string? Role { get; set; }
    public List<MessageContentWire>? Content { get; set; }
    public string? AssistantId { get; set; }
    public string? RunId { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
}

internal sealed class MessageContentWire
{
    public string Type { get; set; } = "";
    public TextWire? Text { get; set; }
    public ImageFileWire? ImageFile { get; set; }
    public ImageUrlWire? ImageUrl { get; set; }
    public string? Refusal { get; set; }
}

internal sealed class TextWire
{
    public string? Value { get; set; }
    public List<AnnotationWire>? Annotations { get; set; }
}

/// <summary>A text annotation: file_citation {file_citation: {file_id}} or file_path {file_path: {file_id}}.</summary>
internal sealed class AnnotationWire
{
    public string Type { get; set; } = "";
    public string? Text { get; set; }
    public AnnotationFileWire? FileCitation { get; set; }
    public AnnotationFileWire? FilePath { get; set; }
    public int? StartIndex { get; set; }
    public int? EndIndex { get; set; }
}

internal sealed class AnnotationFileWire
{
    public string? FileId { get; set; }
}

/// <summary>A message attachment: {file_id, tools: [{type: code_interpreter | file_search}]}.</summary>
internal sealed class AttachmentWire
{
    public string FileId { get; set; } = "";
    public List<AttachmentToolWire> Tools { get; set; } = new();
}

internal sealed class AttachmentToolWire
{
    public string Type { get; set; } = "";
}

/// <summary>tool_resources: {code_interpreter: {file_ids}, file_search: {vector_store_ids}}.</summary>
internal sealed class ToolResourcesWire
{
    public CodeInterpreterResourcesWire? CodeInterpreter { get; set; }
    public FileSearchResourcesWire? FileSearch { get; set; }
}

internal sealed class CodeInterpreterResourcesWire
{
    public List<string>? FileIds { get; set; }
}

internal sealed class FileSearchResourcesWire
{
    public List<string>? VectorStoreIds { get; set; }
}

internal sealed class ImageFileWire
{
    public string? FileId { get; set; }
    public string? Detail { get; set; }
}

internal sealed class ImageUrlWire
{
    public string? Url { get; set; }
    public string? Detail { get; set; }
}

/// <summary>A part of a new message's content: text {text}, image_file {file_id, detail} or image_url {url, detail}.</summary>
internal sealed class MessageContentPartRequest
{
    public string Type { get; set; } = "text";
    public string? Text { get; set; }
    public ImageFileWire? ImageFile { get; set; }
    public ImageUrlWire? ImageUrl { get; set; }
}

internal sealed class CreateMessageRequest
{
    public string Role { get; set; } = "user";

    /// <summary>The text as a string, or a list of parts (<see cref="MessageContentPartRequest"/>) when the message carries images.</summary>
    public object Content { get; set; } = "";
    public List<AttachmentWire>? Attachments { get; set; }
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
}

internal sealed class RunObject
{
    public string Id { get; set; } = "";
    public long CreatedAt { get; set; }
    public string? ThreadId { get; set; }
    public string? AssistantId { get; set; }
    public string? Status { get; set; }
    public RequiredActionWire? RequiredAction { get; set; }
    public LastErrorWire? LastError { get; set; }
    public long? ExpiresAt { get; set; }
    public long? StartedAt { get; set; }
    public long? CancelledAt { get; set; }
    public long? FailedAt { get; set; }
    public long? CompletedAt { get; set; }
    public IncompleteDetailsWire? IncompleteDetails { get; set; }
    public string? Model { get; set; }
    public string? Instructions { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public RunUsageWire? Usage { get; set; }
}

internal sealed class RequiredActionWire
{
    public string? Type { get; set; }
    public SubmitToolOutputsWire? SubmitToolOutputs { get; set; }
}

internal sealed class SubmitToolOutputsWire
{
    public List<ToolCallWire>? ToolCalls { get; set; }
}

internal sealed class ToolCallWire
{
    public string Id { get; set; } = "";
    public string? Type { get; set; }
    public ToolCallFunctionWire? Function { get; set; }
}

internal sealed class ToolCallFunctionWire
{
    public string? Name { get; set; }
    public string? Arguments { get; set; }
}

internal sealed class LastErrorWire
{
    public string? Code { get; set; }
    public string? Message { get; set; }
}

internal sealed class IncompleteDetailsWire
{
    public string? Reason { get; set; }
}

internal sealed class RunUsageWire
{
    public long CompletionTokens { get; set; }
    public long PromptTokens { get; set; }
    public long TotalTokens { get; set; }
}

internal sealed class CreateRunRequest
{
    public string AssistantId { get; set; } = "";
    public string? Model { get; set; }

    /// <summary>Tools for this run instead of the assistant's.</summary>
    public List<ToolWire>? Tools { get; set; }
    public string? Instructions { get; set; }
    public string? AdditionalInstructions { get; set; }
    public IReadOnlyDictionary<string, string>? Metadata { get; set; }
    public bool? Stream { get; set; }
}

/// <summary>SubmitToolOutputsRunRequest: additionalProperties is false, so nothing else may be sent.</summary>
internal sealed class SubmitToolOutputsRequest
{
    public List<ToolOutputWire> ToolOutputs { get; set; } = new();
    public bool? Stream { get; set; }
}

internal sealed class ToolOutputWire
{
    public string ToolCallId { get; set; } = "";
    public string Output { get; set; } = "";
}

/// <summary>The data of a thread.message.delta event: {id, object, delta: {content: [{index, type, text: {value}}]}}.</summary>
internal sealed class MessageDeltaObject
{
    public string Id { get; set; } = "";
    public MessageDeltaWire? Delta { get; set; }
}

internal sealed class MessageDeltaWire
{
    public List<MessageContentWire>? Content { get; set; }
}

/// <summary>Every Assistants list: {object:"list", data, first_id, last_id, has_more}.</summary>
internal sealed class ListWire<T>
{
    public List<T>? Data { get; set; }
    public string? FirstId { get; set; }
    public string? LastId { get; set; }
    public bool HasMore { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AssistantObject))]
[JsonSerializable(typeof(CreateAssistantRequest))]
[JsonSerializable(typeof(ListWire<AssistantObject>))]
[JsonSerializable(typeof(ThreadObject))]
[JsonSerializable(typeof(CreateThreadRequest))]
[JsonSerializable(typeof(MessageObject))]
[JsonSerializable(typeof(CreateMessageRequest))]
[JsonSerializable(typeof(List<MessageContentPartRequest>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ListWire<MessageObject>))]
[JsonSerializable(typeof(RunObject))]
[JsonSerializable(typeof(CreateRunRequest))]
[JsonSerializable(typeof(ListWire<RunObject>))]
[JsonSerializable(typeof(MessageDeltaObject))]
[JsonSerializable(typeof(SubmitToolOutputsRequest))]
[JsonSerializable(typeof(ModifyAssistantRequest))]
[JsonSerializable(typeof(ModifyMetadataRequest))]
[JsonSerializable(typeof(ListWire<RunStepObject>))]
[JsonSerializable(typeof(CreateThreadAndRunRequest))]
[JsonSerializable(typeof(ApiError))]
internal sealed partial class AssistantsJson : JsonSerializerContext
{
}
