// Assistants v2: assistants, threads, messages, runs, run steps (protocol-notes §2, openai-openapi.yaml).
// Run lifecycle is computed lazily from elapsed time on every read (see RunE.Advance); all state is
// guarded by State.Gate.
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PSAssistants.Emulator;

sealed class ThreadE(string id, long createdAt, JsonObject json) : Entity(id, createdAt, json)
{
    public List<Entity> Messages { get; } = [];
    public List<RunE> Runs { get; } = [];
}

sealed record ParsedMessage(string Role, JsonArray Content, JsonArray Attachments, JsonObject Metadata);

sealed class RunE(string id, long createdAt, JsonObject json, ThreadE thread) : Entity(id, createdAt, json)
{
    public ThreadE Thread { get; } = thread;
    public long PhaseStartMs;
    public int DurationMs;
    public long CancelAtMs;
    public Outcome Plan = new ReplyOutcome("");
    public string? Instructions;
    /// <summary>The schema the reply must fit (response_format json_schema), and the text it answers.</summary>
    public JsonObject? Schema;
    public string UserText = "";
    public int PromptTokens;
    public int CompletionTokens;
    public List<Entity> Steps { get; } = [];
    public readonly string ReplyMsgId = Ids.New("msg_");
    public readonly string ReplyStepId = Ids.New("step_");
    /// <summary>When the reply phase went in_progress: the reply message's and step's created_at.</summary>
    public long ReplyAtMs;
    public Entity? ReplyMsg;
    public Entity? ReplyStep;
    public Entity? ToolStep;
    public List<(string Id, PlannedCall Call)> PendingCalls = [];
    /// <summary>Bumped on every visible change, lets streams notice transitions.</summary>
    public int Version;

    public string Status
    {
        get => Json["status"]!.GetValue<string>();
        set { Json["status"] = value; Version++; }
    }

    public static readonly string[] Terminal = ["cancelled", "failed", "completed", "incomplete", "expired"];
    public bool IsTerminal => Terminal.Contains(Status);
    public bool IsActive => !IsTerminal;

    /// <summary>Moves the run along its timeline up to <paramref name="now"/>; idempotent (effects happen once).</summary>
    public void Advance(long now)
    {
        while (true)
        {
            switch (Status)
            {
                case "queued":
                {
                    var t = PhaseStartMs + DurationMs / 3;
                    if (now < t) return;
                    Status = "in_progress";
                    if (Json["started_at"] is null) Json["started_at"] = Clock.Sec(t);
                    if (Plan is ReplyOutcome) ReplyAtMs = t;
                    continue;
                }
                case "in_progress":
                {
                    var t = PhaseStartMs + DurationMs;
                    if (now < t) return;
                    Finish(t);
                    continue;
                }
                case "cancelling":
                    if (now < CancelAtMs) return;
                    FinishCancel(CancelAtMs);
                    return;
                default:
                    return;
            }
        }
    }

    JsonObject StepJson(string id, long t, string type, JsonObject details) => new()
    {
        ["id"] = id,
        ["object"] = "thread.run.step",
        ["created_at"] = Clock.Sec(t),
        ["run_id"] = Id,
        ["assistant_id"] = Json["assistant_id"]!.DeepClone(),
        ["thread_id"] = Thread.Id,
        ["type"] = type,
        ["status"] = "in_progress",
        ["cancelled_at"] = null,
        ["completed_at"] = null,
        ["expired_at"] = null,
        ["failed_at"] = null,
        ["last_error"] = null,
        ["step_details"] = details,
        ["usage"] = null,
        ["metadata"] = new JsonObject(),
    };

    /// <summary>The reply message as it looks while the run is in progress (streams show it; the store gets it on completion).</summary>
    public JsonObject DraftMessageJson() => new()
    {
        ["id"] = ReplyMsgId,
        ["object"] = "thread.message",
        ["created_at"] = Clock.Sec(ReplyAtMs),
        ["assistant_id"] = Json["assistant_id"]!.DeepClone(),
        ["thread_id"] = Thread.Id,
        ["run_id"] = Id,
        ["status"] = "in_progress",
        ["incomplete_details"] = null,
        ["completed_at"] = null,
        ["incomplete_at"] = null,
        ["role"] = "assistant",
        ["content"] = new JsonArray(),
        ["attachments"] = new JsonArray(),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>The message_creation step as it looks while the run is in progress.</summary>
    public JsonObject DraftStepJson() => StepJson(ReplyStepId, ReplyAtMs, "message_creation", new JsonObject
    {
        ["type"] = "message_creation",
        ["message_creation"] = new JsonObject { ["message_id"] = ReplyMsgId },
    });

    void Finish(long t)
    {
        var sec = Clock.Sec(t);
        switch (Plan)
        {
            case ReplyOutcome reply:
            {
                if (ReplyAtMs == 0) ReplyAtMs = t;
                var words = StandInModel.Words(reply.Text);
                CompletionTokens += words;
                // The reply message and its step are added to the store on completion.
                var m = DraftMessageJson();
                m["content"] = new JsonArray(new JsonObject
                {
                    ["type"] = "text",
                    ["text"] = new JsonObject { ["value"] = reply.Text, ["annotations"] = new JsonArray() },
                });
                Artifacts.DecorateAssistantReply(Thread, m);
                m["status"] = "completed";
                m["completed_at"] = sec;
                ReplyMsg = new Entity(ReplyMsgId, Clock.Sec(ReplyAtMs), m);
                Thread.Messages.Add(ReplyMsg);
                var st = DraftStepJson();
                st["status"] = "completed";
                st["completed_at"] = sec;
                st["usage"] = Usage(PromptTokens, words);
                ReplyStep = new Entity(ReplyStepId, Clock.Sec(ReplyAtMs), st);
                Steps.Add(ReplyStep);
                Json["completed_at"] = sec;
                Json["expires_at"] = null;
                Json["required_action"] = null;
                Json["usage"] = Usage(PromptTokens, CompletionTokens);
                Status = "completed";
                break;
            }
            case FailOutcome:
                Json["failed_at"] = sec;
                Json["expires_at"] = null;
                Json["last_error"] = new JsonObject { ["code"] = "server_error", ["message"] = StandInModel.FailMessage };
                Json["usage"] = Usage(PromptTokens, CompletionTokens);
                Status = "failed";
                break;
            case ExpireOutcome:
                Json["expires_at"] = sec;
                Json["usage"] = Usage(PromptTokens, CompletionTokens);
                Status = "expired";
                break;
            case ToolCallsOutcome calls:
            {
                PendingCalls = calls.Calls.Select(c => (Ids.New("call_"), c)).ToList();
                var stepCalls = new JsonArray();
                var actionCalls = new JsonArray();
                foreach (var (id, c) in PendingCalls)
                {
                    stepCalls.Add(new JsonObject
                    {
                        ["id"] = id,
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments, ["output"] = null },
                    });
                    actionCalls.Add(new JsonObject
                    {
                        ["id"] = id,
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
                    });
                }
                var stepId = Ids.New("step_");
                ToolStep = new Entity(stepId, sec, StepJson(stepId, t, "tool_calls", new JsonObject
                {
                    ["type"] = "tool_calls",
                    ["tool_calls"] = stepCalls,
                }));
                Steps.Add(ToolStep);
                CompletionTokens += PendingCalls.Sum(p => StandInModel.Words(p.Call.Arguments) + 1);
                Json["required_action"] = new JsonObject
                {
                    ["type"] = "submit_tool_outputs",
                    ["submit_tool_outputs"] = new JsonObject { ["tool_calls"] = actionCalls },
                };
                Status = "requires_action";
                break;
            }
        }
    }

    void FinishCancel(long t)
    {
        var sec = Clock.Sec(t);
        foreach (var s in Steps)
            if (s.Json["status"]!.GetValue<string>() == "in_progress")
            {
                s.Json["status"] = "cancelled";
                s.Json["cancelled_at"] = sec;
            }
        Json["cancelled_at"] = sec;
        Json["expires_at"] = null;
        Json["required_action"] = null;
        Json["usage"] = Usage(PromptTokens, CompletionTokens);
        Status = "cancelled";
    }

    public static JsonObject Usage(int prompt, int completion) => new()
    {
        ["prompt_tokens"] = prompt,
        ["completion_tokens"] = completion,
        ["total_tokens"] = prompt + completion,
    };
}

static partial class State
{
    public static readonly object Gate = new();
    public static volatile int DefaultRunDurationMs = 300;
    /// <summary>
    /// Test control: at most this many items in any list page, whatever limit was asked (0: no cap). The reference
    /// makes limit an upper bound, so a client must follow has_more and the cursor past a short page; with a cap of
    /// 2 a handful of objects spans several pages (POST /__emulator/config {"max_page_size": 2}).
    /// </summary>
    public static volatile int MaxPageSize;
    public static readonly Dictionary<string, Entity> Assistants = [];
    public static readonly Dictionary<string, ThreadE> Threads = [];

    public static void ResetAssistants()
    {
        Assistants.Clear();
        Threads.Clear();
    }
}

static partial class AssistantsApi
{
    static readonly string[] AssistantFields = ["model", "name", "description", "instructions", "reasoning_effort", "tools", "tool_resources", "metadata", "temperature", "top_p", "response_format"];
    static readonly string[] ThreadCreateFields = ["messages", "tool_resources", "metadata"];
    static readonly string[] ThreadModifyFields = ["tool_resources", "metadata"];
    static readonly string[] MessageFields = ["role", "content", "attachments", "metadata"];
    static readonly string[] MetadataOnly = ["metadata"];
    static readonly string[] RunFields = ["assistant_id", "model", "reasoning_effort", "instructions", "additional_instructions", "additional_messages", "tools", "metadata", "temperature", "top_p", "stream", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format"];
    static readonly string[] ThreadAndRunFields = ["assistant_id", "thread", "model", "instructions", "tools", "tool_resources", "metadata", "temperature", "top_p", "stream", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format"];
    static readonly string[] SubmitFields = ["tool_outputs", "stream"];

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();

    static JsonResult Ok(JsonNode body) => new(200, body);

    static long NowSec() => Clock.Sec(Clock.NowMs());

    public static Result? Route(Req r)
    {
        var s = r.Segs;
        if (s[0] == "assistants")
        {
            if (s.Length == 1)
                return r.Method switch { "GET" => ListAssistants(r), "POST" => CreateAssistant(r), _ => null };
            if (s.Length == 2)
                return r.Method switch { "GET" => GetAssistant(s[1]), "POST" => ModifyAssistant(r, s[1]), "DELETE" => DeleteAssistant(s[1]), _ => null };
            return null;
        }
        if (s[0] != "threads") return null;
        if (s.Length == 1) return r.Is("POST") ? CreateThread(r) : null;
        if (s.Length == 2 && s[1] == "runs" && r.Is("POST")) return CreateThreadAndRun(r);
        var tid = s[1];
        if (s.Length == 2)
            return r.Method switch { "GET" => GetThread(tid), "POST" => ModifyThread(r, tid), "DELETE" => DeleteThread(tid), _ => null };
        if (s[2] == "messages")
        {
            if (s.Length == 3)
                return r.Method switch { "GET" => ListMessages(r, tid), "POST" => CreateMessage(r, tid), _ => null };
            if (s.Length == 4)
                return r.Method switch { "GET" => GetMessage(tid, s[3]), "POST" => ModifyMessage(r, tid, s[3]), "DELETE" => DeleteMessage(tid, s[3]), _ => null };
            return null;
        }
        if (s[2] != "runs") return null;
        if (s.Length == 3)
            return r.Method switch { "GET" => ListRuns(r, tid), "POST" => CreateRun(r, tid), _ => null };
        var rid = s[3];
        if (s.Length == 4)
            return r.Method switch { "GET" => GetRun(tid, rid), "POST" => ModifyRun(r, tid, rid), _ => null };
        if (s.Length == 5)
        {
            if (s[4] == "cancel" && r.Is("POST")) return CancelRun(tid, rid);
            if (s[4] == "submit_tool_outputs" && r.Is("POST")) return SubmitToolOutputs(r, tid, rid);
            if (s[4] == "steps" && r.Is("GET")) return ListSteps(r, tid, rid);
            return null;
        }
        if (s.Length == 6 && s[4] == "steps" && r.Is("GET")) return GetStep(tid, rid, s[5]);
        return null;
    }

    // ---------------------------------------------------------------- assistants

    static Entity FindAssistant(string id) =>
        State.Assistants.TryGetValue(id, out var a) ? a : throw ApiException.NotFound("assistant", id);

    static JsonArray ValidateTools(JsonArray a, string p)
    {
        var result = new JsonArray();
        for (int i = 0; i < a.Count; i++)
        {
            var tp = $"{p}[{i}]";
            if (a[i] is not JsonObject t) throw V.TypeErr(tp, "an object", a[i]);
            var type = V.EnumString(t, "type", ["code_interpreter", "file_search", "function"], tp, required: true);
            if (type == "function")
            {
                var fp = tp + ".function";
                if (!t.TryGetPropertyValue("function", out var fn) || fn is null) throw V.Missing(fp);
                if (fn is not JsonObject f) throw V.TypeErr(fp, "an object", fn);
                var name = V.ReqString(f, "name", fp);
                if (!FunctionName().IsMatch(name))
                    throw new ApiException(400, $"Invalid '{fp}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{{1,64}}$'.", fp + ".name", "invalid_value");
                V.OptString(f, "description", fp);
                V.OptObject(f, "parameters", fp);
                V.OptBool(f, "strict", fp);
            }
            else if (type == "file_search" && V.OptObject(t, "file_search", tp) is { } fs) V.OptInt(fs, "max_num_results", 1, 50, tp + ".file_search");
            result.Add(t.DeepClone());
        }
        return result;
    }

    static void ValidateResponseFormat(JsonObject b) => StructuredOutput.CheckResponseFormat(b);

    /// <summary>The JSON schema a response_format asks the reply to fit, or null for text.</summary>
    static JsonObject? SchemaOf(JsonNode? responseFormat) =>
        responseFormat is JsonObject o && Json.Str(o["type"]) == "json_schema"
            ? o["json_schema"]?["schema"] as JsonObject ?? new JsonObject()
            : null;

    /// <summary>Validates the assistant fields present in <paramref name="b"/> and applies them to <paramref name="json"/>.</summary>
    static void ApplyAssistantFields(JsonObject b, JsonObject json)
    {
        if (b.ContainsKey("model")) json["model"] = V.ReqString(b, "model");
        var name = V.OptString(b, "name", maxLen: 256);
        var desc = V.OptString(b, "description", maxLen: 512);
        var instr = V.OptString(b, "instructions", maxLen: 256000);
        var tools = V.OptArray(b, "tools", maxItems: 128);
        var toolsClean = tools is null ? null : ValidateTools(tools, "tools");
        var tr = V.OptObject(b, "tool_resources");
        if (tr is not null) FilesEndpoints.ValidateToolResources(tr, "tool_resources");
        var md = V.Metadata(b);
        var temp = V.OptNumber(b, "temperature", 0, 2);
        var topP = V.OptNumber(b, "top_p", 0, 1);
        ValidateResponseFormat(b);
        StructuredOutput.CheckEffort(b, "reasoning_effort");
        var effort = V.OptString(b, "reasoning_effort");

        if (name.present) json["name"] = name.value;
        if (desc.present) json["description"] = desc.value;
        if (instr.present) json["instructions"] = instr.value;
        if (b.ContainsKey("tools")) json["tools"] = toolsClean ?? new JsonArray();
        if (b.ContainsKey("tool_resources")) json["tool_resources"] = tr?.DeepClone();
        if (md.present) json["metadata"] = md.value ?? new JsonObject();
        if (temp.present) json["temperature"] = temp.value ?? 1.0;
        if (topP.present) json["top_p"] = topP.value ?? 1.0;
        if (b.ContainsKey("response_format")) json["response_format"] = b["response_format"]?.DeepClone() ?? "auto";
        if (effort.present) json["reasoning_effort"] = effort.value;
    }

    static Result CreateAssistant(Req r)
    {
        var b = r.Body;
        V.NoUnknown(b, AssistantFields);
        V.ReqString(b, "model");
        var id = Ids.New("asst_");
        var now = NowSec();
        var json = new JsonObject
        {
            ["id"] = id,
            ["object"] = "assistant",
            ["created_at"] = now,
            ["name"] = null,
            ["description"] = null,
            ["model"] = "",
            ["instructions"] = null,
            ["tools"] = new JsonArray(),
            ["tool_resources"] = null,
            ["metadata"] = new JsonObject(),
            ["temperature"] = 1.0,
            ["top_p"] = 1.0,
            ["response_format"] = "auto",
        };
        ApplyAssistantFields(b, json);
        var e = new Entity(id, now, json);
        lock (State.Gate) State.Assistants[id] = e;
        return Ok(e.Render());
    }

    static Result ListAssistants(Req r)
    {
        var q = ListQuery.Parse(r.Query);
        lock (State.Gate) return Ok(q.Page(Ordering.Asc(State.Assistants.Values), e => e.Id, e => e.Render()));
    }

    static Result GetAssistant(string id)
    {
        lock (State.Gate) return Ok(FindAssistant(id).Render());
    }

    static Result ModifyAssistant(Req r, string id)
    {
        var b = r.Body;
        V.NoUnknown(b, AssistantFields);
        lock (State.Gate)
        {
            var e = FindAssistant(id);
            var copy = (JsonObject)e.Json.DeepClone();
            ApplyAssistantFields(b, copy); // validation errors leave the stored object untouched
            e.Json = copy;
            return Ok(e.Render());
        }
    }

    static Result DeleteAssistant(string id)
    {
        lock (State.Gate)
        {
            if (!State.Assistants.Remove(id)) throw ApiException.NotFound("assistant", id);
        }
        return Ok(new JsonObject { ["id"] = id, ["object"] = "assistant.deleted", ["deleted"] = true });
    }

    // ---------------------------------------------------------------- threads

    static ThreadE FindThread(string id) =>
        State.Threads.TryGetValue(id, out var t) ? t : throw ApiException.NotFound("thread", id);

    /// <summary>Brings every run of the thread up to date (this is what makes lazily-created replies appear).</summary>
    static void AdvanceThread(ThreadE t)
    {
        var now = Clock.NowMs();
        foreach (var run in t.Runs) run.Advance(now);
    }

    static List<ParsedMessage> ParseMessages(JsonObject b, string name, string prefix)
    {
        var list = new List<ParsedMessage>();
        var arr = V.OptArray(b, name, prefix, maxItems: 32);
        if (arr is null) return list;
        for (int i = 0; i < arr.Count; i++)
        {
            var p = $"{V.P(prefix, name)}[{i}]";
            if (arr[i] is not JsonObject m) throw V.TypeErr(p, "an object", arr[i]);
            list.Add(ParseMessage(m, p));
        }
        return list;
    }

    public static ParsedMessage ParseMessage(JsonObject m, string prefix)
    {
        V.NoUnknown(m, MessageFields, prefix);
        var role = V.EnumString(m, "role", ["user", "assistant"], prefix, required: true);
        var cp = V.P(prefix, "content");
        if (!m.TryGetPropertyValue("content", out var c) || c is null) throw V.Missing(cp);
        var content = new JsonArray();
        if (Json.IsString(c))
        {
            var text = c.GetValue<string>();
            if (text.Length == 0)
                throw new ApiException(400, $"Invalid '{cp}': empty string. Expected a string with minimum length 1, but got an empty string instead.", cp, "empty_string");
            content.Add(TextPart(text));
        }
        else if (c is JsonArray parts)
        {
            if (parts.Count == 0)
                throw new ApiException(400, $"Invalid '{cp}': empty array. Expected an array with minimum length 1, but got an empty array instead.", cp, "empty_array");
            for (int i = 0; i < parts.Count; i++)
            {
                var pp = $"{cp}[{i}]";
                if (parts[i] is not JsonObject part) throw V.TypeErr(pp, "an object", parts[i]);
                var type = V.EnumString(part, "type", ["text", "image_file", "image_url"], pp, required: true);
                switch (type)
                {
                    case "text":
                        content.Add(TextPart(V.ReqString(part, "text", pp)));
                        break;
                    case "image_file":
                    {
                        var ip = pp + ".image_file";
                        if (!part.TryGetPropertyValue("image_file", out var f) || f is null) throw V.Missing(ip);
                        if (f is not JsonObject fo) throw V.TypeErr(ip, "an object", f);
                        var fileId = V.ReqString(fo, "file_id", ip);
                        FilesEndpoints.RequireFile(fileId, ip + ".file_id");
                        var detail = V.EnumString(fo, "detail", ["auto", "low", "high"], ip, dflt: "auto");
                        content.Add(new JsonObject { ["type"] = "image_file", ["image_file"] = new JsonObject { ["file_id"] = fileId, ["detail"] = detail } });
                        break;
                    }
                    default:
                    {
                        var ip = pp + ".image_url";
                        if (!part.TryGetPropertyValue("image_url", out var u) || u is null) throw V.Missing(ip);
                        if (u is not JsonObject uo) throw V.TypeErr(ip, "an object", u);
                        var url = V.ReqString(uo, "url", ip);
                        var detail = V.EnumString(uo, "detail", ["auto", "low", "high"], ip, dflt: "auto");
                        content.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url, ["detail"] = detail } });
                        break;
                    }
                }
            }
        }
        else throw V.TypeErr(cp, "a string or an array", c);

        var attachments = new JsonArray();
        var att = V.OptArray(m, "attachments", prefix);
        if (att is not null)
            for (int i = 0; i < att.Count; i++)
            {
                var ap = $"{V.P(prefix, "attachments")}[{i}]";
                if (att[i] is not JsonObject ao) throw V.TypeErr(ap, "an object", att[i]);
                FilesEndpoints.RequireFile(V.ReqString(ao, "file_id", ap), ap + ".file_id");
                var tools = V.OptArray(ao, "tools", ap);
                if (tools is not null)
                    for (int j = 0; j < tools.Count; j++)
                    {
                        var tp = $"{ap}.tools[{j}]";
                        if (tools[j] is not JsonObject to) throw V.TypeErr(tp, "an object", tools[j]);
                        V.EnumString(to, "type", ["code_interpreter", "file_search"], tp, required: true);
                    }
                attachments.Add(ao.DeepClone());
            }
        var md = V.Metadata(m, prefix);
        return new ParsedMessage(role, content, attachments, md.value ?? new JsonObject());
    }

    static JsonObject TextPart(string text) => new()
    {
        ["type"] = "text",
        ["text"] = new JsonObject { ["value"] = text, ["annotations"] = new JsonArray() },
    };

    static Entity AddMessage(ThreadE t, ParsedMessage pm, long nowSec)
    {
        var id = Ids.New("msg_");
        var e = new Entity(id, nowSec, new JsonObject
        {
            ["id"] = id,
            ["object"] = "thread.message",
            ["created_at"] = nowSec,
            ["assistant_id"] = null,
            ["thread_id"] = t.Id,
            ["run_id"] = null,
            ["status"] = "completed",
            ["incomplete_details"] = null,
            ["completed_at"] = null,
            ["incomplete_at"] = null,
            ["role"] = pm.Role,
            ["content"] = pm.Content.DeepClone(),
            ["attachments"] = pm.Attachments.DeepClone(),
            ["metadata"] = pm.Metadata.DeepClone(),
        });
        t.Messages.Add(e);
        return e;
    }

    public static string MessageText(Entity m) => string.Join("\n",
        (m.Json["content"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => Json.Str(p["type"]) == "text")
            .Select(p => Json.Str(p["text"]?["value"]) ?? ""));

    sealed record ParsedThread(List<ParsedMessage> Messages, JsonObject? ToolResources, JsonObject Metadata);

    static ParsedThread ParseThread(JsonObject b, string prefix)
    {
        V.NoUnknown(b, ThreadCreateFields, prefix);
        var msgs = ParseMessages(b, "messages", prefix);
        var tr = V.OptObject(b, "tool_resources", prefix);
        var md = V.Metadata(b, prefix);
        return new ParsedThread(msgs, (JsonObject?)tr?.DeepClone(), md.value ?? new JsonObject());
    }

    static ThreadE NewThread(ParsedThread pt)
    {
        var id = Ids.New("thread_");
        var now = NowSec();
        var t = new ThreadE(id, now, new JsonObject
        {
            ["id"] = id,
            ["object"] = "thread",
            ["created_at"] = now,
            ["tool_resources"] = pt.ToolResources,
            ["metadata"] = pt.Metadata,
        });
        foreach (var m in pt.Messages) AddMessage(t, m, now);
        State.Threads[id] = t;
        return t;
    }

    static Result CreateThread(Req r)
    {
        var pt = ParseThread(r.Body, "");
        lock (State.Gate) return Ok(NewThread(pt).Render());
    }

    static Result GetThread(string id)
    {
        lock (State.Gate) return Ok(FindThread(id).Render());
    }

    static Result ModifyThread(Req r, string id)
    {
        var b = r.Body;
        V.NoUnknown(b, ThreadModifyFields);
        var tr = V.OptObject(b, "tool_resources");
        var md = V.Metadata(b);
        lock (State.Gate)
        {
            var t = FindThread(id);
            if (b.ContainsKey("tool_resources")) t.Json["tool_resources"] = tr?.DeepClone();
            if (md.present) t.Json["metadata"] = md.value ?? new JsonObject();
            return Ok(t.Render());
        }
    }

    static Result DeleteThread(string id)
    {
        lock (State.Gate)
        {
            if (!State.Threads.Remove(id)) throw ApiException.NotFound("thread", id);
        }
        return Ok(new JsonObject { ["id"] = id, ["object"] = "thread.deleted", ["deleted"] = true });
    }

    // ---------------------------------------------------------------- messages

    static RunE? ActiveRun(ThreadE t) => t.Runs.FirstOrDefault(x => x.IsActive);

    static Result CreateMessage(Req r, string tid)
    {
        var pm = ParseMessage(r.Body, "");
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            if (ActiveRun(t) is { } active)
                throw new ApiException(400, $"Can't add messages to {t.Id} while a run {active.Id} is active.");
            return Ok(AddMessage(t, pm, NowSec()).Render());
        }
    }

    static Result ListMessages(Req r, string tid)
    {
        var q = ListQuery.Parse(r.Query);
        string? runId = r.Query.TryGetValue("run_id", out var rv) && !string.IsNullOrEmpty(rv) ? rv.ToString() : null;
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            IEnumerable<Entity> items = t.Messages;
            if (runId is not null) items = items.Where(m => Json.Str(m.Json["run_id"]) == runId);
            return Ok(q.Page(Ordering.Asc(items), e => e.Id, e => e.Render()));
        }
    }

    static Entity FindMessage(ThreadE t, string mid) =>
        t.Messages.FirstOrDefault(m => m.Id == mid) ?? throw ApiException.NotFound("message", mid);

    static Result GetMessage(string tid, string mid)
    {
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            return Ok(FindMessage(t, mid).Render());
        }
    }

    static Result ModifyMessage(Req r, string tid, string mid)
    {
        var b = r.Body;
        V.NoUnknown(b, MetadataOnly);
        var md = V.Metadata(b);
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            var m = FindMessage(t, mid);
            if (md.present) m.Json["metadata"] = md.value ?? new JsonObject();
            return Ok(m.Render());
        }
    }

    static Result DeleteMessage(string tid, string mid)
    {
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            var m = FindMessage(t, mid);
            t.Messages.Remove(m);
        }
        return Ok(new JsonObject { ["id"] = mid, ["object"] = "thread.message.deleted", ["deleted"] = true });
    }

    // ---------------------------------------------------------------- runs

    sealed record RunOptions(
        string AssistantId, string? Model, string? Instructions, bool InstructionsPresent, string? AdditionalInstructions,
        List<ParsedMessage> AdditionalMessages, JsonArray? Tools, JsonObject Metadata, double? Temperature, double? TopP,
        bool Stream, long? MaxPrompt, long? MaxCompletion, JsonNode? Truncation, JsonNode? ToolChoice, bool? Parallel,
        JsonNode? ResponseFormat, string? ReasoningEffort);

    static RunOptions ParseRunOptions(JsonObject b, bool threadAndRun)
    {
        var assistantId = V.ReqString(b, "assistant_id");
        var model = V.OptString(b, "model").value;
        var instr = V.OptString(b, "instructions", maxLen: 256000);
        var addInstr = threadAndRun ? null : V.OptString(b, "additional_instructions").value;
        var addMsgs = threadAndRun ? [] : ParseMessages(b, "additional_messages", "");
        var tools = V.OptArray(b, "tools", maxItems: 20);
        var toolsClean = tools is null ? null : ValidateTools(tools, "tools");
        var md = V.Metadata(b);
        var temp = V.OptNumber(b, "temperature", 0, 2).value;
        var topP = V.OptNumber(b, "top_p", 0, 1).value;
        var stream = V.OptBool(b, "stream") ?? false;
        var maxP = V.OptInt(b, "max_prompt_tokens", 256, int.MaxValue).value;
        var maxC = V.OptInt(b, "max_completion_tokens", 256, int.MaxValue).value;
        var trunc = V.OptObject(b, "truncation_strategy");
        if (trunc is not null)
        {
            V.EnumString(trunc, "type", ["auto", "last_messages"], "truncation_strategy", required: true);
            V.OptInt(trunc, "last_messages", 1, int.MaxValue, "truncation_strategy");
        }
        JsonNode? toolChoice = null;
        if (b.TryGetPropertyValue("tool_choice", out var tc) && tc is not null)
        {
            if (Json.IsString(tc))
            {
                var s = tc.GetValue<string>();
                if (s is not ("none" or "auto" or "required")) throw V.ValueErr("tool_choice", s, ["none", "auto", "required"]);
            }
            else if (tc is JsonObject tco)
            {
                var type = V.EnumString(tco, "type", ["function", "code_interpreter", "file_search"], "tool_choice", required: true);
                if (type == "function")
                {
                    var f = V.OptObject(tco, "function", "tool_choice", nullable: false) ?? throw V.Missing("tool_choice.function");
                    V.ReqString(f, "name", "tool_choice.function");
                }
            }
            else throw V.TypeErr("tool_choice", "a string or an object", tc);
            toolChoice = tc.DeepClone();
        }
        var parallel = V.OptBool(b, "parallel_tool_calls");
        ValidateResponseFormat(b);
        StructuredOutput.CheckEffort(b, "reasoning_effort");
        var effort = V.OptString(b, "reasoning_effort").value;
        return new RunOptions(assistantId, model, instr.value, instr.present && instr.value is not null, addInstr, addMsgs, toolsClean,
            md.value ?? new JsonObject(), temp, topP, stream, maxP, maxC, trunc?.DeepClone(), toolChoice, parallel,
            b["response_format"]?.DeepClone(), effort);
    }

    /// <summary>Creates the run (caller holds the lock and has validated everything).</summary>
    static RunE StartRun(ThreadE t, Entity asst, RunOptions o)
    {
        if (ActiveRun(t) is { } active)
            throw new ApiException(400, $"Thread {t.Id} already has an active run {active.Id}.");
        var nowMs = Clock.NowMs();
        var now = Clock.Sec(nowMs);
        foreach (var m in o.AdditionalMessages) AddMessage(t, m, now);

        var a = asst.Json;
        // Effective instructions: the run's override (or the assistant's), then additional_instructions after a blank line.
        var instructions = o.InstructionsPresent ? o.Instructions! : Json.Str(a["instructions"]) ?? "";
        if (!string.IsNullOrEmpty(o.AdditionalInstructions))
            instructions = instructions.Length == 0 ? o.AdditionalInstructions : instructions + "\n\n" + o.AdditionalInstructions;
        var tools = o.Tools ?? (JsonArray)(a["tools"]?.DeepClone() ?? new JsonArray());
        var functionNames = tools.OfType<JsonObject>()
            .Where(x => Json.Str(x["type"]) == "function")
            .Select(x => Json.Str(x["function"]?["name"]) ?? "")
            .ToHashSet();
        if (o.ToolChoice is JsonValue v && Json.Str(v) == "none") functionNames.Clear();

        var lastUser = Ordering.Asc(t.Messages).LastOrDefault(m => Json.Str(m.Json["role"]) == "user");
        var userText = lastUser is null ? "" : MessageText(lastUser);

        var id = Ids.New("run_");
        var json = new JsonObject
        {
            ["id"] = id,
            ["object"] = "thread.run",
            ["created_at"] = now,
            ["assistant_id"] = asst.Id,
            ["thread_id"] = t.Id,
            ["status"] = "queued",
            ["started_at"] = null,
            ["expires_at"] = now + 600,
            ["cancelled_at"] = null,
            ["failed_at"] = null,
            ["completed_at"] = null,
            ["required_action"] = null,
            ["last_error"] = null,
            ["model"] = o.Model ?? Json.Str(a["model"]) ?? "",
            ["instructions"] = instructions,
            ["tools"] = tools,
            ["metadata"] = o.Metadata,
            ["temperature"] = o.Temperature ?? a["temperature"]?.GetValue<double>() ?? 1.0,
            ["top_p"] = o.TopP ?? a["top_p"]?.GetValue<double>() ?? 1.0,
            ["max_prompt_tokens"] = o.MaxPrompt,
            ["max_completion_tokens"] = o.MaxCompletion,
            ["truncation_strategy"] = o.Truncation ?? new JsonObject { ["type"] = "auto", ["last_messages"] = null },
            ["incomplete_details"] = null,
            ["usage"] = null,
            ["response_format"] = o.ResponseFormat ?? a["response_format"]?.DeepClone() ?? "auto",
            ["tool_choice"] = o.ToolChoice ?? "auto",
            ["parallel_tool_calls"] = o.Parallel ?? true,
        };
        if (o.ReasoningEffort is not null) json["reasoning_effort"] = o.ReasoningEffort;
        var run = new RunE(id, now, json, t)
        {
            PhaseStartMs = nowMs,
            DurationMs = StandInModel.DelayMs(userText) ?? State.DefaultRunDurationMs,
            Instructions = instructions,
            Plan = HostedTools.WithImages(StandInModel.Plan(instructions, userText, functionNames), HostedTools.ImageCount(lastUser?.Json)),
            Schema = SchemaOf(json["response_format"]),
            UserText = userText,
            PromptTokens = StandInModel.Words(instructions) + t.Messages.Sum(m => StandInModel.Words(MessageText(m))),
        };
        if (run.Schema is not null && run.Plan is ReplyOutcome asked) run.Plan = new ReplyOutcome(StructuredOutput.Reply(run.Schema, asked.Text, userText));
        t.Runs.Add(run);
        return run;
    }

    static Result CreateRun(Req r, string tid)
    {
        var b = r.Body;
        V.NoUnknown(b, RunFields);
        var o = ParseRunOptions(b, false);
        RunE run;
        lock (State.Gate)
        {
            var t = FindThread(tid);
            var a = FindAssistant(o.AssistantId);
            AdvanceThread(t);
            run = StartRun(t, a, o);
            if (!o.Stream) return Ok(run.Render());
        }
        return Streaming.AssistantRun(run, null);
    }

    static Result CreateThreadAndRun(Req r)
    {
        var b = r.Body;
        V.NoUnknown(b, ThreadAndRunFields);
        var o = ParseRunOptions(b, true);
        var threadObj = V.OptObject(b, "thread");
        var pt = threadObj is null ? new ParsedThread([], null, new JsonObject()) : ParseThread(threadObj, "thread");
        var tr = V.OptObject(b, "tool_resources");
        RunE run;
        ThreadE t;
        lock (State.Gate)
        {
            var a = FindAssistant(o.AssistantId);
            t = NewThread(pt);
            run = StartRun(t, a, o);
            if (!o.Stream) return Ok(run.Render());
        }
        return Streaming.AssistantRun(run, t);
    }

    static RunE FindRun(ThreadE t, string rid) =>
        t.Runs.FirstOrDefault(x => x.Id == rid) ?? throw ApiException.NotFound("run", rid);

    static Result ListRuns(Req r, string tid)
    {
        var q = ListQuery.Parse(r.Query);
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            return Ok(q.Page(Ordering.Asc(t.Runs), e => e.Id, e => e.Render()));
        }
    }

    static Result GetRun(string tid, string rid)
    {
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            return Ok(FindRun(t, rid).Render());
        }
    }

    static Result ModifyRun(Req r, string tid, string rid)
    {
        var b = r.Body;
        V.NoUnknown(b, MetadataOnly);
        var md = V.Metadata(b);
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            var run = FindRun(t, rid);
            if (md.present) run.Json["metadata"] = md.value ?? new JsonObject();
            return Ok(run.Render());
        }
    }

    static Result CancelRun(string tid, string rid)
    {
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            var run = FindRun(t, rid);
            if (run.Status is not ("queued" or "in_progress" or "requires_action"))
                throw new ApiException(400, $"Cannot cancel run with status '{run.Status}'.");
            run.CancelAtMs = Clock.NowMs() + Math.Clamp(run.DurationMs / 3, 20, 1000);
            run.Status = "cancelling";
            return Ok(run.Render());
        }
    }

    static Result SubmitToolOutputs(Req r, string tid, string rid)
    {
        var b = r.Body;
        V.NoUnknown(b, SubmitFields);
        if (!b.TryGetPropertyValue("tool_outputs", out var to) || to is null) throw V.Missing("tool_outputs");
        if (to is not JsonArray outputs) throw V.TypeErr("tool_outputs", "an array", to);
        var stream = V.OptBool(b, "stream") ?? false;
        var given = new List<(string id, string output)>();
        for (int i = 0; i < outputs.Count; i++)
        {
            var p = $"tool_outputs[{i}]";
            if (outputs[i] is not JsonObject o) throw V.TypeErr(p, "an object", outputs[i]);
            var id = V.ReqString(o, "tool_call_id", p);
            var output = V.OptString(o, "output", p).value ?? "";
            given.Add((id, output));
        }
        RunE run;
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            run = FindRun(t, rid);
            if (run.Status != "requires_action")
                throw new ApiException(400, $"Runs in status \"{run.Status}\" do not accept tool outputs.");
            var expected = run.PendingCalls.Select(c => c.Id).ToList();
            var got = given.Select(g => g.id).ToList();
            if (got.Distinct().Count() != got.Count || !expected.All(got.Contains) || !got.All(expected.Contains))
                throw new ApiException(400,
                    $"Expected tool outputs for call_ids [{string.Join(", ", expected.Select(e => $"'{e}'"))}], got [{string.Join(", ", got.Select(g => $"'{g}'"))}]",
                    "tool_outputs");
            var nowMs = Clock.NowMs();
            var sec = Clock.Sec(nowMs);
            if (run.ToolStep is { } step)
            {
                foreach (var call in (step.Json["step_details"]!["tool_calls"] as JsonArray)!.OfType<JsonObject>())
                {
                    var cid = Json.Str(call["id"]);
                    call["function"]!["output"] = given.First(g => g.id == cid).output;
                }
                step.Json["status"] = "completed";
                step.Json["completed_at"] = sec;
                step.Json["usage"] = RunE.Usage(run.PromptTokens, run.CompletionTokens);
            }
            var quoted = run.PendingCalls.Select(c => (c.Call.Name, given.First(g => g.id == c.Id).output)).ToList();
            run.PromptTokens += quoted.Sum(q => StandInModel.Words(q.output));
            var reply = StandInModel.ToolReply(run.Instructions, quoted);
            run.Plan = new ReplyOutcome(run.Schema is null ? reply : StructuredOutput.Reply(run.Schema, reply, run.UserText));
            run.PendingCalls = [];
            run.Json["required_action"] = null;
            run.PhaseStartMs = nowMs;
            run.Status = "queued";
            if (!stream) return Ok(run.Render());
        }
        return Streaming.AssistantRun(run, null, resumed: true);
    }

    // ---------------------------------------------------------------- steps

    static Result ListSteps(Req r, string tid, string rid)
    {
        var q = ListQuery.Parse(r.Query);
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            var run = FindRun(t, rid);
            return Ok(q.Page(Ordering.Asc(run.Steps), e => e.Id, e => e.Render()));
        }
    }

    static Result GetStep(string tid, string rid, string sid)
    {
        lock (State.Gate)
        {
            var t = FindThread(tid);
            AdvanceThread(t);
            var run = FindRun(t, rid);
            var s = run.Steps.FirstOrDefault(x => x.Id == sid) ?? throw ApiException.NotFound("run step", sid);
            return Ok(s.Render());
        }
    }
}
