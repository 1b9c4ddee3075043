// Structured output and the run options of today's models, written from the reference only:
// ResponseFormatJsonSchema (Assistants: response_format {type: json_schema, json_schema: {name, schema, strict}}),
// TextResponseFormatJsonSchema (Responses: text.format {type: json_schema, name, schema, strict}), Reasoning,
// ReasoningEffort, Verbosity, ContextManagementParam. A run that asks for JSON gets a reply that fits the schema
// it gave, built deterministically from the schema; "[badjson]" in the user text makes the reply plain text instead,
// so a client's handling of a reply that does not parse can be tested.
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PSAssistants.Emulator;

static partial class StructuredOutput
{
    public static readonly string[] Efforts = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];
    public static readonly string[] Summaries = ["auto", "concise", "detailed"];
    public static readonly string[] Verbosities = ["low", "medium", "high"];

    /// <summary>What a reply that was asked for JSON says when "[badjson]" is in the user text.</summary>
    public const string BadJsonReply = "Sorry, I can only answer in prose today.";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex FormatName();

    /// <summary>ReasoningEffort: one of the enum or null; param is where it sits (reasoning_effort, reasoning.effort).</summary>
    public static void CheckEffort(JsonObject o, string name, string prefix = "")
    {
        if (!o.TryGetPropertyValue(name, out var n) || n is null) return;
        V.EnumString(o, name, Efforts, prefix);
    }

    /// <summary>Responses' reasoning {effort, summary, ...}: enums checked, other fields of Reasoning allowed.</summary>
    public static void CheckReasoning(JsonObject? reasoning)
    {
        if (reasoning is null) return;
        V.NoUnknown(reasoning, ["mode", "effort", "summary", "context", "generate_summary"], "reasoning");
        CheckEffort(reasoning, "effort", "reasoning");
        if (reasoning["summary"] is not null) V.EnumString(reasoning, "summary", Summaries, "reasoning");
        if (reasoning["generate_summary"] is not null) V.EnumString(reasoning, "generate_summary", Summaries, "reasoning");
        if (reasoning["context"] is not null) V.EnumString(reasoning, "context", ["auto", "current_turn", "all_turns"], "reasoning");
    }

    /// <summary>Responses' text {format, verbosity}: returns the JSON schema asked for, or null.</summary>
    public static JsonObject? CheckText(JsonObject? text)
    {
        if (text is null) return null;
        V.NoUnknown(text, ["format", "verbosity"], "text");
        if (text["verbosity"] is not null) V.EnumString(text, "verbosity", Verbosities, "text");
        var format = V.OptObject(text, "format", "text");
        if (format is null) return null;
        var type = V.EnumString(format, "type", ["text", "json_schema", "json_object"], "text.format", required: true);
        if (type != "json_schema")
        {
            V.NoUnknown(format, ["type"], "text.format");
            return null;
        }
        V.NoUnknown(format, ["type", "name", "schema", "strict", "description"], "text.format");
        return CheckSchemaFormat(format, "text.format");
    }

    /// <summary>Assistants' response_format: "auto", {type: text|json_object}, or {type: json_schema, json_schema: {...}}.</summary>
    public static JsonObject? CheckResponseFormat(JsonObject b)
    {
        if (!b.TryGetPropertyValue("response_format", out var rf) || rf is null) return null;
        if (Json.IsString(rf))
        {
            if (rf.GetValue<string>() != "auto") throw V.ValueErr("response_format", rf.GetValue<string>(), ["auto"]);
            return null;
        }
        if (rf is not JsonObject o) throw V.TypeErr("response_format", "an object", rf);
        var type = V.EnumString(o, "type", ["text", "json_object", "json_schema"], "response_format", required: true);
        if (type != "json_schema") return null;
        var inner = V.OptObject(o, "json_schema", "response_format", nullable: false) ?? throw V.Missing("response_format.json_schema");
        V.NoUnknown(inner, ["name", "schema", "strict", "description"], "response_format.json_schema");
        return CheckSchemaFormat(inner, "response_format.json_schema");
    }

    /// <summary>The response format's schema, or a schema-less {} when none was given.</summary>
    static JsonObject CheckSchemaFormat(JsonObject f, string p)
    {
        var name = V.ReqString(f, "name", p);
        if (!FormatName().IsMatch(name))
            throw new ApiException(400, $"Invalid '{p}.name': '{name}'. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' and is at most 64 characters long.", p + ".name", "invalid_value");
        V.OptString(f, "description", p);
        var strict = V.OptBool(f, "strict", p) ?? false;
        var schema = V.OptObject(f, "schema", p) ?? new JsonObject();
        if (strict) CheckStrict(schema, schema, p + ".schema");
        return schema;
    }

    /// <summary>Strict mode's rules for objects: every property required, additionalProperties false.</summary>
    static void CheckStrict(JsonObject node, JsonObject root, string p)
    {
        if (Json.Str(node["type"]) == "object" || node["properties"] is JsonObject)
        {
            var props = node["properties"] as JsonObject ?? new JsonObject();
            if (node["additionalProperties"] is not JsonValue ap || !Json.IsBool(ap) || ap.GetValue<bool>())
                throw new ApiException(400, $"Invalid schema for response_format '{p}': In context=(), 'additionalProperties' is required to be supplied and to be false.", p, "invalid_json_schema");
            var required = (node["required"] as JsonArray)?.Select(Json.Str).ToHashSet() ?? [];
            foreach (var kv in props)
            {
                if (!required.Contains(kv.Key))
                    throw new ApiException(400, $"Invalid schema for response_format '{p}': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing '{kv.Key}'.", p, "invalid_json_schema");
                if (kv.Value is JsonObject child) CheckStrict(child, root, p);
            }
        }
        if (node["items"] is JsonObject items) CheckStrict(items, root, p);
        foreach (var key in new[] { "anyOf", "oneOf", "allOf" })
            if (node[key] is JsonArray alts)
                foreach (var alt in alts.OfType<JsonObject>()) CheckStrict(alt, root, p);
        foreach (var key in new[] { "$defs", "definitions" })
            if (node[key] is JsonObject defs)
                foreach (var kv in defs)
                    if (kv.Value is JsonObject d) CheckStrict(d, root, p);
    }

    /// <summary>A reply that fits <paramref name="schema"/>: strings carry <paramref name="text"/>, the rest is fixed.</summary>
    public static string Reply(JsonObject schema, string text, string userText) =>
        userText.Contains("[badjson]", StringComparison.OrdinalIgnoreCase) ? BadJsonReply : Json.Text(Instance(schema, schema, text, 0));

    static JsonNode? Instance(JsonObject s, JsonObject root, string text, int depth)
    {
        if (depth > 16) return null;
        if (s["$ref"] is JsonValue r && Json.Str(r) is { } reference && Resolve(root, reference) is { } target)
            return Instance(target, root, text, depth + 1);
        if (s.ContainsKey("const")) return s["const"]?.DeepClone();
        if (s["enum"] is JsonArray e && e.Count > 0) return e[0]?.DeepClone();
        foreach (var key in new[] { "anyOf", "oneOf" })
            if (s[key] is JsonArray alts && alts.OfType<JsonObject>().FirstOrDefault(a => Json.Str(a["type"]) != "null") is { } alt)
                return Instance(alt, root, text, depth + 1);
        var type = s["type"] switch
        {
            JsonArray types => types.Select(Json.Str).FirstOrDefault(t => t != "null"),
            var t => Json.Str(t),
        };
        type ??= s["properties"] is not null ? "object" : s["items"] is not null ? "array" : "string";
        switch (type)
        {
            case "object":
                var o = new JsonObject();
                if (s["properties"] is JsonObject props)
                    foreach (var kv in props)
                        o[kv.Key] = kv.Value is JsonObject ps ? Instance(ps, root, text, depth + 1) : null;
                return o;
            case "array":
                var count = s["minItems"] is JsonValue mi && Json.IsInt(mi) ? Math.Max(1, mi.GetValue<int>()) : 1;
                var a = new JsonArray();
                for (var i = 0; i < count; i++) a.Add(s["items"] is JsonObject items ? Instance(items, root, text, depth + 1) : text);
                return a;
            case "integer": return JsonValue.Create(s["minimum"] is JsonValue min && Json.IsNumber(min) ? (long)Math.Ceiling(min.GetValue<double>()) : 1L);
            case "number": return JsonValue.Create(s["minimum"] is JsonValue nmin && Json.IsNumber(nmin) ? nmin.GetValue<double>() : 1.5);
            case "boolean": return JsonValue.Create(true);
            case "null": return null;
            default:
                return Json.Str(s["format"]) switch
                {
                    "date-time" => "2026-01-02T03:04:05Z",
                    "date" => "2026-01-02",
                    _ => text,
                };
        }
    }

    static JsonObject? Resolve(JsonObject root, string reference)
    {
        if (reference == "#") return root;
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) return null;
        JsonNode? node = root;
        foreach (var part in reference[2..].Split('/')) node = (node as JsonObject)?[part.Replace("~1", "/").Replace("~0", "~")];
        return node as JsonObject;
    }
}
