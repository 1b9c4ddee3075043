// Responses API + Conversations API (protocol-notes §3 and §4, openai-openapi.yaml).
// A response's status is computed lazily from elapsed time like runs: background responses go
// queued → in_progress (after 1/3 of the duration) → terminal (at the duration); non-background
// responses are in_progress from the start and the create call waits for the duration.
using System.Text.Json.Nodes;

namespace PSAssistants.Emulator;

sealed class ConversationE(string id, long createdAt, JsonObject json) : Entity(id, createdAt, json)
{
    public List<JsonObject> Items { get; } = [];
}

sealed record ResponseCall(string ItemId, string CallId, PlannedCall Call);

sealed class ResponseE(string id, long createdAt, JsonObject json) : Entity(id, createdAt, json)
{
    public long T0Ms;
    public int DurationMs;
    public bool Background;
    public bool Stored;
    public Outcome Plan = new ReplyOutcome("");
    public string OutputMsgId = Ids.New("msg_");
    public List<ResponseCall> Calls = [];
    /// <summary>Items that preceded this request's input (conversation items or the previous_response chain).</summary>
    public List<JsonObject> History = [];
    /// <summary>This request's input items, normalized with ids.</summary>
    public List<JsonObject> Input = [];
    public ConversationE? Conversation;
    public bool Appended;
    /// <summary>Items the hosted tools add before the reply (web_search_call, image_generation_call, mcp_*).</summary>
    public List<JsonObject> Hosted = [];
    /// <summary>The response stops at mcp_approval_request items: no reply message.</summary>
    public bool PendingApproval;
    /// <summary>url_citation annotations of the reply's text (web_search).</summary>
    public List<JsonObject> Citations = [];
    public int InputTokens;

    public string Status
    {
        get => Json["status"]!.GetValue<string>();
        set => Json["status"] = value;
    }

    public bool IsTerminal => Status is "completed" or "failed" or "cancelled" or "incomplete";
    public long InProgressAtMs => Background ? T0Ms + DurationMs / 3 : T0Ms;
    public long EndAtMs => T0Ms + DurationMs;

    public string? ReplyText => Plan is ReplyOutcome r ? r.Text : null;

    public void Advance(long now)
    {
        while (true)
        {
            switch (Status)
            {
                case "queued":
                    if (now < InProgressAtMs) return;
                    Status = "in_progress";
                    if (Plan is ReplyOutcome) Json["output"] = DraftOutput();
                    continue;
                case "in_progress":
                    if (now < EndAtMs) return;
                    Finish(EndAtMs);
                    return;
                default:
                    return;
            }
        }
    }

    public JsonObject DraftMessage() => new()
    {
        ["id"] = OutputMsgId,
        ["type"] = "message",
        ["status"] = "in_progress",
        ["content"] = new JsonArray(),
        ["role"] = "assistant",
    };

    /// <summary>The output while the reply is being written: the hosted tools' items, then the draft message.</summary>
    public JsonArray DraftOutput()
    {
        var output = PSAssistants.Emulator.Json.Array(Hosted.Select(h => (JsonNode)h.DeepClone()));
        if (!PendingApproval) output.Add(DraftMessage());
        return output;
    }

    public static JsonObject TextPart(string text) => new()
    {
        ["type"] = "output_text",
        ["text"] = text,
        ["annotations"] = new JsonArray(),
        ["logprobs"] = new JsonArray(),
    };

    public JsonObject FinalMessage(string text) => new()
    {
        ["id"] = OutputMsgId,
        ["type"] = "message",
        ["status"] = "completed",
        ["content"] = new JsonArray(WithCitations(TextPart(text))),
        ["role"] = "assistant",
    };

    JsonObject WithCitations(JsonObject part)
    {
        if (Citations.Count > 0) part["annotations"] = PSAssistants.Emulator.Json.Array(Citations.Select(c => (JsonNode)c.DeepClone()));
        return part;
    }

    public JsonObject CallItem(ResponseCall c, string status, bool withArguments = true) => new()
    {
        ["id"] = c.ItemId,
        ["type"] = "function_call",
        ["status"] = status,
        ["arguments"] = withArguments ? c.Call.Arguments : "",
        ["call_id"] = c.CallId,
        ["name"] = c.Call.Name,
    };

    public JsonObject UsageJson(int outputTokens) => new()
    {
        ["input_tokens"] = InputTokens,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["cache_write_tokens"] = 0 },
        ["output_tokens"] = outputTokens,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
        ["total_tokens"] = InputTokens + outputTokens,
    };

    void Finish(long t)
    {
        switch (Plan)
        {
            case ReplyOutcome reply:
                Json["output"] = PSAssistants.Emulator.Json.Array(Hosted.Select(h => (JsonNode)h.DeepClone()));
                if (!PendingApproval) ((JsonArray)Json["output"]!).Add(FinalMessage(reply.Text));
                Artifacts.DecorateResponseReply(this);
                Json["usage"] = UsageJson(StandInModel.Words(reply.Text));
                Json["completed_at"] = Clock.Sec(t);
                Status = "completed";
                break;
            case ToolCallsOutcome:
                Json["output"] = PSAssistants.Emulator.Json.Array(Calls.Select(c => (JsonNode)CallItem(c, "completed")));
                Json["usage"] = UsageJson(Calls.Sum(c => StandInModel.Words(c.Call.Arguments) + 1));
                Json["completed_at"] = Clock.Sec(t);
                Status = "completed";
                break;
            default: // FailOutcome (ExpireOutcome is not planned for responses)
                Json["output"] = new JsonArray();
                Json["error"] = new JsonObject { ["code"] = "server_error", ["message"] = StandInModel.FailMessage };
                Json["usage"] = UsageJson(0);
                Status = "failed";
                break;
        }
        AppendToConversation();
    }

    /// <summary>Appends input then output items to the conversation, once, when the response completed.</summary>
    void AppendToConversation()
    {
        if (Appended || Conversation is null || Status != "completed") return;
        Appended = true;
        foreach (var i in Input) Conversation.Items.Add((JsonObject)i.DeepClone());
        foreach (var o in (Json["output"] as JsonArray)!) Conversation.Items.Add((JsonObject)o!.DeepClone());
    }

    public void Cancel()
    {
        Status = "cancelled";
        if (Json["output"] is JsonArray a)
            foreach (var o in a.OfType<JsonObject>())
                if (PSAssistants.Emulator.Json.Str(o["status"]) == "in_progress") o["status"] = "incomplete";
    }
}

static partial class State
{
    public static readonly Dictionary<string, ConversationE> Conversations = [];
    public static readonly Dictionary<string, ResponseE> Responses = [];

    public static void ResetAll()
    {
        ResetAssistants();
        ResetFiles();
        Conversations.Clear();
        Responses.Clear();
    }
}

static partial class ResponsesApi
{
    static readonly string[] CreateFields = ["background", "context_management", "conversation", "include", "input", "instructions", "max_output_tokens", "max_tool_calls", "metadata", "model", "moderation", "parallel_tool_calls", "previous_response_id", "prompt", "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "reasoning", "safety_identifier", "service_tier", "store", "stream", "stream_options", "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p", "truncation", "user"];
    static readonly string[] ConversationCreateFields = ["metadata", "items"];
    static readonly string[] ConversationUpdateFields = ["metadata"];
    static readonly string[] ItemsCreateFields = ["items"];

    static JsonResult Ok(JsonNode body) => new(200, body);

    public static Result? Route(Req r)
    {
        var s = r.Segs;
        if (s[0] == "responses")
        {
            if (s.Length == 1) return r.Is("POST") ? CreateResponse(r) : null;
            var id = s[1];
            if (s.Length == 2)
                return r.Method switch { "GET" => GetResponse(r, id), "DELETE" => DeleteResponse(id), _ => null };
            if (s.Length == 3 && s[2] == "cancel" && r.Is("POST")) return CancelResponse(id);
            if (s.Length == 3 && s[2] == "input_items" && r.Is("GET")) return InputItems(r, id);
            return null;
        }
        if (s[0] != "conversations") return null;
        if (s.Length == 1) return r.Is("POST") ? CreateConversation(r) : null;
        var cid = s[1];
        if (s.Length == 2)
            return r.Method switch { "GET" => GetConversation(cid), "POST" => UpdateConversation(r, cid), "DELETE" => DeleteConversation(cid), _ => null };
        if (s[2] != "items") return null;
        if (s.Length == 3)
            return r.Method switch { "GET" => ListItems(r, cid), "POST" => AddItems(r, cid), _ => null };
        if (s.Length == 4)
            return r.Method switch { "GET" => GetItem(cid, s[3]), "DELETE" => DeleteItem(cid, s[3]), _ => null };
        return null;
    }

    // ---------------------------------------------------------------- items

    static readonly string[] MessageRoles = ["user", "assistant", "system", "developer"];

    /// <summary>Validates one input item and returns its stored form (with id and status).</summary>
    static JsonObject NormalizeItem(JsonNode? node, string p)
    {
        if (node is not JsonObject o) throw V.TypeErr(p, "an object", node);
        var type = Json.Str(o["type"]);
        if (o.ContainsKey("type") && type is null) throw V.TypeErr(p + ".type", "a string", o["type"]);
        if (type is null || type == "message")
        {
            var role = V.EnumString(o, "role", MessageRoles, p, required: true);
            var cp = p + ".content";
            if (!o.TryGetPropertyValue("content", out var c) || c is null) throw V.Missing(cp);
            var partType = role == "assistant" ? "output_text" : "input_text";
            var content = new JsonArray();
            if (Json.IsString(c))
            {
                var text = c.GetValue<string>();
                content.Add(partType == "output_text" ? ResponseE.TextPart(text) : new JsonObject { ["type"] = "input_text", ["text"] = text });
            }
            else if (c is JsonArray parts)
            {
                for (int i = 0; i < parts.Count; i++)
                {
                    var pp = $"{cp}[{i}]";
                    if (parts[i] is not JsonObject part) throw V.TypeErr(pp, "an object", parts[i]);
                    var pt = V.EnumString(part, "type", ["input_text", "output_text", "input_image", "input_file", "refusal", "text"], pp, required: true);
                    if (pt is "input_text" or "output_text" or "text") V.ReqString(part, "text", pp);
                    if (pt == "input_file" && V.OptString(part, "file_id", pp).value is { } inputFile) FilesEndpoints.RequireFile(inputFile, pp + ".file_id");
                    if (pt == "input_image") HostedTools.ValidateInputImage(part, pp);
                    if (pt == "output_text")
                    {
                        var copy = (JsonObject)part.DeepClone();
                        copy["annotations"] ??= new JsonArray();
                        copy["logprobs"] ??= new JsonArray();
                        content.Add(copy);
                    }
                    else content.Add(part.DeepClone());
                }
            }
            else throw V.TypeErr(cp, "a string or an array", c);
            return new JsonObject
            {
                ["id"] = Json.Str(o["id"]) ?? Ids.New("msg_"),
                ["type"] = "message",
                ["status"] = Json.Str(o["status"]) ?? "completed",
                ["content"] = content,
                ["role"] = role,
            };
        }
        switch (type)
        {
            case "function_call":
            {
                var callId = V.ReqString(o, "call_id", p);
                var name = V.ReqString(o, "name", p);
                var args = V.ReqString(o, "arguments", p);
                return new JsonObject
                {
                    ["id"] = Json.Str(o["id"]) ?? Ids.New("fc_"),
                    ["type"] = "function_call",
                    ["status"] = Json.Str(o["status"]) ?? "completed",
                    ["arguments"] = args,
                    ["call_id"] = callId,
                    ["name"] = name,
                };
            }
            case "function_call_output":
            {
                var callId = V.ReqString(o, "call_id", p);
                var op = p + ".output";
                if (!o.TryGetPropertyValue("output", out var output) || output is null) throw V.Missing(op);
                if (!Json.IsString(output) && output is not JsonArray) throw V.TypeErr(op, "a string or an array", output);
                return new JsonObject
                {
                    ["id"] = Json.Str(o["id"]) ?? Ids.New("fco_"),
                    ["type"] = "function_call_output",
                    ["status"] = Json.Str(o["status"]) ?? "completed",
                    ["call_id"] = callId,
                    ["output"] = output.DeepClone(),
                };
            }
            case "mcp_approval_response":
                return HostedTools.NormalizeApprovalResponse(o, p);
            case "item_reference":
            {
                var id = V.ReqString(o, "id", p);
                return (JsonObject)(FindAnyItem(id) ?? throw new ApiException(404, $"Item with id '{id}' not found.", p + ".id")).DeepClone();
            }
            default:
            {
                var copy = (JsonObject)o.DeepClone();
                copy["id"] ??= Ids.New("item_");
                return copy;
            }
        }
    }

    static JsonObject? FindAnyItem(string id)
    {
        foreach (var c in State.Conversations.Values)
            if (c.Items.FirstOrDefault(i => Json.Str(i["id"]) == id) is { } hit) return hit;
        foreach (var r in State.Responses.Values)
        {
            if (r.Input.FirstOrDefault(i => Json.Str(i["id"]) == id) is { } hit) return hit;
            if ((r.Json["output"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(i => Json.Str(i["id"]) == id) is { } o) return o;
        }
        return null;
    }

    static List<JsonObject> NormalizeItems(JsonArray arr, string p)
    {
        var list = new List<JsonObject>();
        for (int i = 0; i < arr.Count; i++) list.Add(NormalizeItem(arr[i], $"{p}[{i}]"));
        return list;
    }

    static string ItemText(JsonObject item)
    {
        if (Json.Str(item["type"]) == "function_call_output")
            return Json.Str(item["output"]) ?? Json.Text(item["output"]);
        if (Json.Str(item["type"]) == "function_call") return Json.Str(item["arguments"]) ?? "";
        if (item["content"] is JsonArray parts)
            return string.Join("\n", parts.OfType<JsonObject>().Select(p => Json.Str(p["text"])).Where(t => t is not null));
        return "";
    }

    // ---------------------------------------------------------------- conversations

    static ConversationE FindConversation(string id) =>
        State.Conversations.TryGetValue(id, out var c) ? c : throw ApiException.NotFound("conversation", id);

    static Result CreateConversation(Req r)
    {
        var b = r.Body;
        V.NoUnknown(b, ConversationCreateFields);
        var md = V.Metadata(b);
        var arr = V.OptArray(b, "items", maxItems: 20);
        lock (State.Gate)
        {
            var items = arr is null ? [] : NormalizeItems(arr, "items");
            var id = Ids.New("conv_");
            var now = Clock.Sec(Clock.NowMs());
            var c = new ConversationE(id, now, new JsonObject
            {
                ["id"] = id,
                ["object"] = "conversation",
                ["created_at"] = now,
                ["metadata"] = md.value ?? new JsonObject(),
            });
            c.Items.AddRange(items);
            State.Conversations[id] = c;
            return Ok(c.Render());
        }
    }

    static Result GetConversation(string id)
    {
        lock (State.Gate) return Ok(FindConversation(id).Render());
    }

    static Result UpdateConversation(Req r, string id)
    {
        var b = r.Body;
        V.NoUnknown(b, ConversationUpdateFields);
        if (!b.ContainsKey("metadata")) throw V.Missing("metadata");
        var md = V.Metadata(b);
        lock (State.Gate)
        {
            var c = FindConversation(id);
            c.Json["metadata"] = md.value ?? new JsonObject();
            return Ok(c.Render());
        }
    }

    static Result DeleteConversation(string id)
    {
        lock (State.Gate)
        {
            if (!State.Conversations.Remove(id)) throw ApiException.NotFound("conversation", id);
        }
        return Ok(new JsonObject { ["id"] = id, ["object"] = "conversation.deleted", ["deleted"] = true });
    }

    static Result AddItems(Req r, string cid)
    {
        var b = r.Body;
        V.NoUnknown(b, ItemsCreateFields);
        if (!b.ContainsKey("items") || b["items"] is null) throw V.Missing("items");
        var arr = V.OptArray(b, "items", maxItems: 20)!;
        lock (State.Gate)
        {
            var c = FindConversation(cid);
            var items = NormalizeItems(arr, "items");
            c.Items.AddRange(items);
            return Ok(new JsonObject
            {
                ["object"] = "list",
                ["data"] = Json.Array(items.Select(i => i.DeepClone())),
                ["first_id"] = items.Count > 0 ? Json.Str(items[0]["id"]) : "",
                ["last_id"] = items.Count > 0 ? Json.Str(items[^1]["id"]) : "",
                ["has_more"] = false,
            });
        }
    }

    static Result ListItems(Req r, string cid)
    {
        var q = ListQuery.Parse(r.Query, allowBefore: false);
        lock (State.Gate)
        {
            var c = FindConversation(cid);
            return Ok(q.Page(c.Items, i => Json.Str(i["id"]) ?? "", i => i.DeepClone()));
        }
    }

    static JsonObject FindItem(ConversationE c, string itemId) =>
        c.Items.FirstOrDefault(i => Json.Str(i["id"]) == itemId) ?? throw ApiException.NotFound("item", itemId);

    static Result GetItem(string cid, string itemId)
    {
        lock (State.Gate) return Ok(FindItem(FindConversation(cid), itemId).DeepClone());
    }

    static Result DeleteItem(string cid, string itemId)
    {
        lock (State.Gate)
        {
            var c = FindConversation(cid);
            c.Items.Remove(FindItem(c, itemId));
            return Ok(c.Render());
        }
    }

    // ---------------------------------------------------------------- responses

    static ResponseE FindResponse(string id) =>
        State.Responses.TryGetValue(id, out var r) ? r : throw ApiException.NotFound("response", id);

    static JsonArray ValidateTools(JsonArray a)
    {
        var result = new JsonArray();
        for (int i = 0; i < a.Count; i++)
        {
            var p = $"tools[{i}]";
            if (a[i] is not JsonObject t) throw V.TypeErr(p, "an object", a[i]);
            var type = V.ReqString(t, "type", p);
            var copy = (JsonObject)t.DeepClone();
            if (type == "function")
            {
                V.ReqString(t, "name", p, maxLen: 64, allowEmpty: false);
                V.OptString(t, "description", p);
                V.OptObject(t, "parameters", p);
                V.OptBool(t, "strict", p);
                if (!copy.ContainsKey("description")) copy["description"] = null;
                if (!copy.ContainsKey("parameters")) copy["parameters"] = null;
                if (!copy.ContainsKey("strict") || copy["strict"] is null) copy["strict"] = true;
            }
            else if (!HostedTools.Validate(t, type, p)) FilesEndpoints.ValidateResponsesTool(t, type, p);
            result.Add(copy);
        }
        return result;
    }

    static async Task<Result> CreateResponseAsync(Req r)
    {
        var b = r.Body;
        V.NoUnknown(b, CreateFields);
        var prompt = V.OptObject(b, "prompt");
        if (prompt is not null)
        {
            V.ReqString(prompt, "id", "prompt");
            V.OptString(prompt, "version", "prompt");
            V.OptObject(prompt, "variables", "prompt");
        }
        string model = prompt is null ? V.ReqString(b, "model") : V.OptString(b, "model").value ?? "gpt-4o";
        var instructions = V.OptString(b, "instructions").value;
        var md = V.Metadata(b);
        var temp = V.OptNumber(b, "temperature", 0, 2).value;
        var topP = V.OptNumber(b, "top_p", 0, 1).value;
        var background = V.OptBool(b, "background") ?? false;
        var store = V.OptBool(b, "store") ?? true;
        var stream = V.OptBool(b, "stream") ?? false;
        var parallel = V.OptBool(b, "parallel_tool_calls") ?? true;
        var maxOut = V.OptInt(b, "max_output_tokens", 16, int.MaxValue).value;
        var truncation = V.EnumString(b, "truncation", ["auto", "disabled"], dflt: "disabled");
        var tools = V.OptArray(b, "tools") is { } ta ? ValidateTools(ta) : new JsonArray();
        var text = V.OptObject(b, "text");
        var reasoning = V.OptObject(b, "reasoning");
        JsonNode toolChoice = "auto";
        if (b.TryGetPropertyValue("tool_choice", out var tc) && tc is not null)
        {
            if (Json.IsString(tc))
            {
                var s = tc.GetValue<string>();
                if (s is not ("none" or "auto" or "required")) throw V.ValueErr("tool_choice", s, ["none", "auto", "required"]);
            }
            else if (tc is JsonObject tco) V.ReqString(tco, "type", "tool_choice");
            else throw V.TypeErr("tool_choice", "a string or an object", tc);
            toolChoice = tc.DeepClone();
        }
        string? conversationId = null;
        if (b.TryGetPropertyValue("conversation", out var conv) && conv is not null)
        {
            if (Json.IsString(conv)) conversationId = conv.GetValue<string>();
            else if (conv is JsonObject co) conversationId = V.ReqString(co, "id", "conversation");
            else throw V.TypeErr("conversation", "a string or an object", conv);
        }
        var prevId = V.OptString(b, "previous_response_id").value;
        if (prevId is not null && conversationId is not null)
            throw new ApiException(400, "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.", "previous_response_id", "mutually_exclusive_parameters");
        if (background && !store)
            throw new ApiException(400, "Background mode requires 'store' to be true.", "background");
        if (!b.TryGetPropertyValue("input", out var inputNode)) inputNode = null;

        ResponseE resp;
        lock (State.Gate)
        {
            List<JsonObject> input;
            if (inputNode is null) input = [];
            else if (Json.IsString(inputNode))
                input = [NormalizeItem(new JsonObject { ["role"] = "user", ["content"] = inputNode.GetValue<string>() }, "input")];
            else if (inputNode is JsonArray ia) input = NormalizeItems(ia, "input");
            else throw V.TypeErr("input", "a string or an array", inputNode);
            // input may be left out when the context comes from a conversation, a previous response or a prompt
            if (inputNode is null && prompt is null && conversationId is null && prevId is null) throw V.Missing("input");

            ConversationE? conversation = null;
            var history = new List<JsonObject>();
            if (conversationId is not null)
            {
                conversation = State.Conversations.TryGetValue(conversationId, out var c) ? c
                    : throw new ApiException(404, $"Conversation with id '{conversationId}' not found.", "conversation");
                history.AddRange(conversation.Items);
            }
            if (prevId is not null)
            {
                var prev = State.Responses.TryGetValue(prevId, out var pr) ? pr
                    : throw new ApiException(404, $"Previous response with id '{prevId}' not found.", "previous_response_id");
                prev.Advance(Clock.NowMs());
                history.AddRange(prev.History);
                history.AddRange(prev.Input);
                history.AddRange((prev.Json["output"] as JsonArray ?? []).OfType<JsonObject>());
            }

            // Tool-call bookkeeping like the real API: every output must answer a known call, every call must be answered.
            var all = history.Concat(input).ToList();
            var callNames = all.Where(i => Json.Str(i["type"]) == "function_call")
                .GroupBy(i => Json.Str(i["call_id"]) ?? "").ToDictionary(g => g.Key, g => Json.Str(g.Last()["name"]) ?? "");
            var answered = all.Where(i => Json.Str(i["type"]) == "function_call_output").Select(i => Json.Str(i["call_id"]) ?? "").ToHashSet();
            foreach (var o in input.Where(i => Json.Str(i["type"]) == "function_call_output"))
            {
                var cid = Json.Str(o["call_id"]) ?? "";
                if (!callNames.ContainsKey(cid))
                    throw new ApiException(400, $"No tool call found for function call output with call_id {cid}.", "input");
            }
            foreach (var cid in callNames.Keys)
                if (!answered.Contains(cid))
                    throw new ApiException(400, $"No tool output found for function call {cid}.", "input");

            var functionNames = tools.OfType<JsonObject>().Where(t => Json.Str(t["type"]) == "function")
                .Select(t => Json.Str(t["name"]) ?? "").ToHashSet();
            if (Json.Str(toolChoice) == "none") functionNames.Clear();

            // tool outputs that came after the last message (in this input or already in the conversation)
            var lastMessage = all.FindLastIndex(i => Json.Str(i["type"]) == "message");
            var outputs = all.Skip(lastMessage + 1).Where(i => Json.Str(i["type"]) == "function_call_output").ToList();
            var lastUser = input.LastOrDefault(i => Json.Str(i["type"]) == "message" && Json.Str(i["role"]) == "user")
                ?? history.LastOrDefault(i => Json.Str(i["type"]) == "message" && Json.Str(i["role"]) == "user");
            var userText = lastUser is null ? "" : ItemText(lastUser);
            Outcome plan = outputs.Count > 0
                ? new ReplyOutcome(StandInModel.ToolReply(instructions, outputs.Select(o => (callNames.GetValueOrDefault(Json.Str(o["call_id"]) ?? "", Json.Str(o["call_id"]) ?? ""), ItemText(o)))))
                : StandInModel.Plan(instructions, userText, functionNames, allowExpire: false);

            var nowMs = Clock.NowMs();
            var now = Clock.Sec(nowMs);
            var id = Ids.New("resp_");
            var json = new JsonObject
            {
                ["id"] = id,
                ["object"] = "response",
                ["created_at"] = now,
                ["status"] = background ? "queued" : "in_progress",
                ["background"] = background,
                ["completed_at"] = null,
                ["conversation"] = conversationId is null ? null : new JsonObject { ["id"] = conversationId },
                ["error"] = null,
                ["incomplete_details"] = null,
                ["instructions"] = instructions,
                ["max_output_tokens"] = maxOut,
                ["max_tool_calls"] = null,
                ["model"] = model,
                ["output"] = new JsonArray(),
                ["parallel_tool_calls"] = parallel,
                ["previous_response_id"] = prevId,
                ["prompt"] = prompt?.DeepClone(),
                ["prompt_cache_key"] = null,
                ["reasoning"] = reasoning?.DeepClone() ?? new JsonObject { ["effort"] = null, ["summary"] = null },
                ["safety_identifier"] = null,
                ["service_tier"] = "default",
                ["store"] = store,
                ["temperature"] = temp ?? 1.0,
                ["text"] = text?.DeepClone() ?? new JsonObject { ["format"] = new JsonObject { ["type"] = "text" }, ["verbosity"] = "medium" },
                ["tool_choice"] = toolChoice,
                ["tools"] = tools,
                ["top_logprobs"] = 0,
                ["top_p"] = topP ?? 1.0,
                ["truncation"] = truncation,
                // usage is optional and, when present, an object: a response still under way leaves it out.
                ["metadata"] = md.value ?? new JsonObject(),
            };
            resp = new ResponseE(id, now, json)
            {
                T0Ms = nowMs,
                DurationMs = StandInModel.DelayMs(userText) ?? State.DefaultRunDurationMs,
                Background = background,
                Stored = store,
                Plan = plan,
                History = history.Select(h => (JsonObject)h.DeepClone()).ToList(),
                Input = input,
                Conversation = conversation,
                InputTokens = StandInModel.Words(instructions) + all.Sum(i => StandInModel.Words(ItemText(i))),
            };
            if (plan is ToolCallsOutcome tco2)
                resp.Calls = tco2.Calls.Select(c => new ResponseCall(Ids.New("fc_"), Ids.New("call_"), c)).ToList();
            if (outputs.Count == 0) resp.Plan = HostedTools.WithImages(resp.Plan, HostedTools.ImageCount(lastUser));
            HostedTools.Plan(resp, tools, history, input, userText);
            if (!background && resp.Plan is ReplyOutcome) resp.Json["output"] = resp.DraftOutput();
            if (store) State.Responses[id] = resp;
            if (!stream && background) return Ok(resp.Render());
        }
        if (stream) return Streaming.Response(resp, 0);
        // Non-background: the call returns once the response is done.
        var wait = resp.EndAtMs - Clock.NowMs();
        if (wait > 0) await Task.Delay((int)wait);
        lock (State.Gate)
        {
            resp.Advance(Math.Max(Clock.NowMs(), resp.EndAtMs));
            return Ok(resp.Render());
        }
    }

    static Result CreateResponse(Req r) => new DeferredResult(() => CreateResponseAsync(r));

    static Result GetResponse(Req r, string id)
    {
        bool stream = r.Query.TryGetValue("stream", out var sv) && sv.ToString() == "true";
        long startingAfter = -1;
        if (r.Query.TryGetValue("starting_after", out var sa) && !string.IsNullOrEmpty(sa))
            if (!long.TryParse(sa, out startingAfter))
                throw new ApiException(400, $"Invalid 'starting_after': expected an integer, but got '{sa}' instead.", "starting_after", "invalid_type");
        lock (State.Gate)
        {
            var resp = FindResponse(id);
            resp.Advance(Clock.NowMs());
            if (!stream) return Ok(resp.Render());
            if (!resp.Background)
                throw new ApiException(400, "Streaming an existing response is only supported for responses created with 'background' set to true.", "stream");
            return Streaming.Response(resp, startingAfter + 1);
        }
    }

    static Result DeleteResponse(string id)
    {
        lock (State.Gate)
        {
            if (!State.Responses.Remove(id)) throw ApiException.NotFound("response", id);
        }
        return Ok(new JsonObject { ["id"] = id, ["object"] = "response", ["deleted"] = true });
    }

    static Result CancelResponse(string id)
    {
        lock (State.Gate)
        {
            var resp = FindResponse(id);
            resp.Advance(Clock.NowMs());
            if (!resp.Background)
                throw new ApiException(400, "Only responses created with the 'background' parameter set to true can be cancelled.", null);
            if (!resp.IsTerminal) resp.Cancel();
            return Ok(resp.Render());
        }
    }

    static Result InputItems(Req r, string id)
    {
        var q = ListQuery.Parse(r.Query, allowBefore: false);
        lock (State.Gate)
        {
            var resp = FindResponse(id);
            return Ok(q.Page(resp.Input, i => Json.Str(i["id"]) ?? "", i => i.DeepClone()));
        }
    }
}
