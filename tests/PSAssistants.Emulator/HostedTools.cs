// Hosted tools of the Responses API (WebSearchTool, ImageGenTool, MCPTool and their call items) and image
// inputs, answered deterministically from the reference's schemas (openai-openapi.yaml):
//   * image inputs: a user message with input_image parts (Responses) or image_file / image_url parts
//     (Assistants v2) gets a reply that starts "I see N image(s). ".
//   * web_search: when the response has the tool, the output starts with a completed web_search_call item
//     (action search, query = the user text) and the reply ends with "Source: <title>." carrying a
//     url_citation annotation over that sentence; the URL is on the first allowed domain (else example.com).
//   * image_generation: when the response has the tool, the output starts with image_generation_call items
//     whose result is a small real PNG (base64); "[images:N]" in the user text makes N (1-4) of them; the reply
//     starts "I made N image(s). ".
//   * mcp: the emulator never contacts server_url; a server_url on a host under .invalid is a 400 whose
//     message quotes the tool's headers (a careless server, for tests of secret handling). Its stand-in server has the tools echo {text} (returns
//     the text) and add {a, b} (returns the sum), narrowed by allowed_tools. A server label not yet listed in
//     the context gets an mcp_list_tools item. "call echo({...})" in the user text calls that tool: with
//     require_approval never (or the tool in the never filter) an mcp_call item with its output and a reply
//     "echo returned: OUTPUT"; otherwise (the default, always) the response completes with only
//     mcp_approval_request items. A later response whose input holds mcp_approval_response items answers them:
//     approved calls run (mcp_call with approval_request_id), denied ones are named in the reply
//     "echo was not approved.". An approval_request_id that names no pending request is a 400.
using System.Globalization;
using System.Text.Json.Nodes;

namespace PSAssistants.Emulator;

static class HostedTools
{
    static readonly string[] McpServerTools = ["echo", "add"];

    /// <summary>Validates the hosted tools of a POST /responses tools array (true when the type is one of them).</summary>
    public static bool Validate(JsonObject t, string type, string p)
    {
        switch (type)
        {
            case "web_search":
            case "web_search_2025_08_26":
            {
                V.OptBool(t, "external_web_access", p);
                V.EnumString(t, "search_context_size", ["low", "medium", "high"], p, dflt: "medium");
                if (V.OptObject(t, "filters", p) is { } f && V.OptArray(f, "allowed_domains", p + ".filters") is { } domains)
                    for (int i = 0; i < domains.Count; i++)
                        if (!Json.IsString(domains[i])) throw V.TypeErr($"{p}.filters.allowed_domains[{i}]", "a string", domains[i]);
                if (V.OptObject(t, "user_location", p) is { } loc)
                {
                    V.EnumString(loc, "type", ["approximate"], p + ".user_location", dflt: "approximate");
                    foreach (var k in new[] { "country", "region", "city", "timezone" }) V.OptString(loc, k, p + ".user_location");
                }
                return true;
            }
            case "image_generation":
            {
                V.EnumString(t, "quality", ["low", "medium", "high", "auto"], p, dflt: "auto");
                V.OptString(t, "size", p, nullable: false);
                V.EnumString(t, "output_format", ["png", "webp", "jpeg"], p, dflt: "png");
                V.OptInt(t, "output_compression", 0, 100, p);
                V.EnumString(t, "background", ["transparent", "opaque", "auto"], p, dflt: "auto");
                V.OptInt(t, "partial_images", 0, 3, p);
                V.OptString(t, "model", p, nullable: false);
                return true;
            }
            case "mcp":
            {
                V.ReqString(t, "server_label", p, allowEmpty: false);
                var url = V.OptString(t, "server_url", p, nullable: false).value;
                var connector = V.OptString(t, "connector_id", p, nullable: false).value;
                if (url is null && connector is null && !t.ContainsKey("tunnel_id"))
                    throw new ApiException(400, $"Missing required parameter: '{p}.server_url'.", p + ".server_url", "missing_required_parameter");
                if (url is not null && !Uri.TryCreate(url, UriKind.Absolute, out _))
                    throw new ApiException(400, $"Invalid '{p}.server_url': not a valid URL.", p + ".server_url", "invalid_value");
                // A server the emulator treats as unreachable (host under .invalid): the error quotes the headers
                // it would have sent, as a careless server might, so tests can show that a client never repeats them.
                if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase))
                    throw new ApiException(400, $"Error retrieving tool list from MCP server '{Json.Str(t["server_label"])}' with headers {Json.Text(t["headers"])}: the host cannot be reached.", p + ".server_url", "http_error");
                V.OptString(t, "server_description", p, nullable: false);
                V.OptString(t, "authorization", p, nullable: false);
                if (V.OptObject(t, "headers", p) is { } headers)
                    foreach (var kv in headers)
                        if (!Json.IsString(kv.Value)) throw V.TypeErr($"{p}.headers.{kv.Key}", "a string", kv.Value);
                if (t.TryGetPropertyValue("allowed_tools", out var at) && at is not null)
                {
                    if (at is JsonArray names)
                    {
                        for (int i = 0; i < names.Count; i++)
                            if (!Json.IsString(names[i])) throw V.TypeErr($"{p}.allowed_tools[{i}]", "a string", names[i]);
                    }
                    else if (at is JsonObject filter) ValidateFilter(filter, p + ".allowed_tools");
                    else throw V.TypeErr(p + ".allowed_tools", "an array or an object", at);
                }
                if (t.TryGetPropertyValue("require_approval", out var ra) && ra is not null)
                {
                    if (Json.IsString(ra))
                    {
                        var s = ra.GetValue<string>();
                        if (s is not ("always" or "never")) throw V.ValueErr(p + ".require_approval", s, ["always", "never"]);
                    }
                    else if (ra is JsonObject ro)
                    {
                        V.NoUnknown(ro, ["always", "never"], p + ".require_approval");
                        if (V.OptObject(ro, "always", p + ".require_approval") is { } a) ValidateFilter(a, p + ".require_approval.always");
                        if (V.OptObject(ro, "never", p + ".require_approval") is { } n) ValidateFilter(n, p + ".require_approval.never");
                    }
                    else throw V.TypeErr(p + ".require_approval", "a string or an object", ra);
                }
                return true;
            }
            default:
                return false;
        }
    }

    static void ValidateFilter(JsonObject f, string p)
    {
        V.NoUnknown(f, ["tool_names", "read_only"], p);
        V.OptBool(f, "read_only", p);
        if (V.OptArray(f, "tool_names", p) is { } names)
            for (int i = 0; i < names.Count; i++)
                if (!Json.IsString(names[i])) throw V.TypeErr($"{p}.tool_names[{i}]", "a string", names[i]);
    }

    /// <summary>Validates an input_image part: detail (required) and exactly one of image_url and file_id, which must exist.</summary>
    public static void ValidateInputImage(JsonObject part, string p)
    {
        V.EnumString(part, "detail", ["low", "high", "auto", "original"], p, required: true);
        var url = V.OptString(part, "image_url", p).value;
        var file = V.OptString(part, "file_id", p).value;
        if (url is null && file is null)
            throw new ApiException(400, $"Missing required parameter: '{p}.image_url' or '{p}.file_id'.", p, "missing_required_parameter");
        if (file is not null) FilesEndpoints.RequireFile(file, p + ".file_id");
    }

    /// <summary>How many images a message holds: input_image (Responses), image_file and image_url (Assistants) parts.</summary>
    public static int ImageCount(JsonObject? message) =>
        (message?["content"] as JsonArray ?? []).OfType<JsonObject>()
            .Count(part => Json.Str(part["type"]) is "input_image" or "image_file" or "image_url");

    public static string SeeImages(int n) => n == 0 ? "" : n == 1 ? "I see 1 image. " : $"I see {n} images. ";

    /// <summary>The text a reply starts with for the images of the last user message.</summary>
    public static Outcome WithImages(Outcome plan, int images) =>
        images > 0 && plan is ReplyOutcome r ? new ReplyOutcome(SeeImages(images) + r.Text) : plan;

    sealed record McpServer(string Label, JsonObject Tool);

    /// <summary>
    /// What the hosted tools of a response do before its reply: the output items they add, and the reply
    /// text they shape. Runs under State.Gate when the response is created.
    /// </summary>
    public static void Plan(ResponseE resp, JsonArray tools, List<JsonObject> history, List<JsonObject> input, string userText)
    {
        if (resp.Plan is not ReplyOutcome reply) return;
        var text = reply.Text;
        var items = resp.Hosted;
        var byType = tools.OfType<JsonObject>().ToLookup(t => Json.Str(t["type"]) ?? "");

        // MCP: approvals answered in this input first, then listing, then new calls.
        var servers = byType["mcp"].Select(t => new McpServer(Json.Str(t["server_label"]) ?? "", t)).ToList();
        var context = history.Concat(input).ToList();
        var answers = input.Where(i => Json.Str(i["type"]) == "mcp_approval_response").ToList();
        if (answers.Count > 0)
        {
            var lines = new List<string>();
            foreach (var answer in answers)
            {
                var requestId = Json.Str(answer["approval_request_id"]) ?? "";
                var request = history.LastOrDefault(i => Json.Str(i["type"]) == "mcp_approval_request" && Json.Str(i["id"]) == requestId)
                    ?? throw new ApiException(400, $"No MCP approval request found with id '{requestId}'.", "input");
                var label = Json.Str(request["server_label"]) ?? "";
                var name = Json.Str(request["name"]) ?? "";
                var args = Json.Str(request["arguments"]) ?? "{}";
                if (answer["approve"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True)
                {
                    var output = Run(name, args);
                    items.Add(CallItem(label, name, args, output, requestId));
                    lines.Add($"{name} returned: {output}");
                }
                else lines.Add($"{name} was not approved.");
            }
            resp.Plan = new ReplyOutcome(StandInModel.Greeting(resp.Json["instructions"] is JsonValue iv ? Json.Str(iv) : null) + string.Join("\n", lines));
            return;
        }
        var pending = false;
        var called = new List<string>();
        foreach (var server in servers)
        {
            var allowed = AllowedTools(server.Tool);
            var listed = context.Any(i => Json.Str(i["type"]) == "mcp_list_tools" && Json.Str(i["server_label"]) == server.Label);
            if (!listed) items.Add(ListItem(server.Label, allowed));
            foreach (var call in StandInModel.FindCalls(userText, allowed))
            {
                if (NeedsApproval(server.Tool, call.Name))
                {
                    items.Add(new JsonObject
                    {
                        ["id"] = Ids.New("mcpr_"),
                        ["type"] = "mcp_approval_request",
                        ["server_label"] = server.Label,
                        ["name"] = call.Name,
                        ["arguments"] = call.Arguments,
                    });
                    pending = true;
                }
                else
                {
                    var output = Run(call.Name, call.Arguments);
                    items.Add(CallItem(server.Label, call.Name, call.Arguments, output, null));
                    called.Add($"{call.Name} returned: {output}");
                }
            }
        }
        if (pending)
        {
            resp.PendingApproval = true;
            return;
        }
        if (called.Count > 0) text = StandInModel.Greeting(resp.Json["instructions"] is JsonValue gv ? Json.Str(gv) : null) + string.Join("\n", called);

        if (byType["image_generation"].Any())
        {
            var n = Math.Clamp(ImagesWanted(userText), 1, 4);
            for (int k = 0; k < n; k++)
            {
                items.Add(new JsonObject
                {
                    ["type"] = "image_generation_call",
                    ["id"] = Ids.New("ig_"),
                    ["status"] = "completed",
                    ["result"] = Convert.ToBase64String(Artifacts.ChartPng),
                });
            }
            text = (n == 1 ? "I made 1 image. " : $"I made {n} images. ") + text;
        }

        if (byType["web_search"].Concat(byType["web_search_2025_08_26"]).FirstOrDefault() is { } search)
        {
            var domain = (search["filters"]?["allowed_domains"] as JsonArray)?.Select(Json.Str).FirstOrDefault(d => !string.IsNullOrEmpty(d)) ?? "example.com";
            var query = userText.Length > 100 ? userText[..100] : userText;
            var url = $"https://{domain}/search-result";
            items.Add(new JsonObject
            {
                ["id"] = Ids.New("ws_"),
                ["type"] = "web_search_call",
                ["status"] = "completed",
                ["action"] = new JsonObject
                {
                    ["type"] = "search",
                    ["query"] = query,
                    ["sources"] = new JsonArray(new JsonObject { ["type"] = "url", ["url"] = url }),
                },
            });
            var title = "Search result from " + domain;
            var sentence = $"Source: {title}.";
            var start = text.Length + 1;
            text = text + " " + sentence;
            resp.Citations.Add(new JsonObject
            {
                ["type"] = "url_citation",
                ["url"] = url,
                ["start_index"] = start,
                ["end_index"] = start + sentence.Length,
                ["title"] = title,
            });
        }
        resp.Plan = new ReplyOutcome(text);
    }

    static int ImagesWanted(string userText)
    {
        var m = System.Text.RegularExpressions.Regex.Match(userText, @"\[images:(\d)\]");
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
    }

    static List<string> AllowedTools(JsonObject tool)
    {
        var names = tool["allowed_tools"] switch
        {
            JsonArray a => a.Select(Json.Str).Where(n => n is not null).Cast<string>().ToList(),
            JsonObject f when f["tool_names"] is JsonArray a => a.Select(Json.Str).Where(n => n is not null).Cast<string>().ToList(),
            _ => McpServerTools.ToList(),
        };
        return McpServerTools.Where(names.Contains).ToList();
    }

    static bool NeedsApproval(JsonObject tool, string name)
    {
        var ra = tool["require_approval"];
        if (ra is null) return true; // the reference's default is always
        if (Json.Str(ra) is { } s) return s != "never";
        if (ra is JsonObject o)
        {
            if ((o["never"]?["tool_names"] as JsonArray)?.Any(n => Json.Str(n) == name) == true) return false;
            if ((o["always"]?["tool_names"] as JsonArray)?.Any(n => Json.Str(n) == name) == true) return true;
        }
        return true;
    }

    static string Run(string name, string arguments)
    {
        JsonObject? args = null;
        try { args = JsonNode.Parse(arguments) as JsonObject; }
        catch (System.Text.Json.JsonException) { }
        return name switch
        {
            "echo" => Json.Str(args?["text"]) ?? "",
            "add" => V.Fmt(Num(args?["a"]) + Num(args?["b"])),
            _ => "",
        };
    }

    static double Num(JsonNode? n) => Json.IsNumber(n) ? n!.GetValue<double>() : double.TryParse(Json.Str(n), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0;

    static JsonObject ListItem(string label, List<string> allowed)
    {
        var tools = new JsonArray();
        foreach (var name in allowed)
        {
            tools.Add(new JsonObject
            {
                ["name"] = name,
                ["description"] = name == "echo" ? "Returns the text it is given." : "Adds two numbers.",
                ["input_schema"] = name == "echo"
                    ? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "string" } }, ["required"] = new JsonArray("text") }
                    : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["a"] = new JsonObject { ["type"] = "number" }, ["b"] = new JsonObject { ["type"] = "number" } }, ["required"] = new JsonArray("a", "b") },
                ["annotations"] = null,
            });
        }
        return new JsonObject
        {
            ["id"] = Ids.New("mcpl_"),
            ["type"] = "mcp_list_tools",
            ["server_label"] = label,
            ["tools"] = tools,
            ["error"] = null,
        };
    }

    static JsonObject CallItem(string label, string name, string arguments, string output, string? approvalRequestId) => new()
    {
        ["id"] = Ids.New("mcp_"),
        ["type"] = "mcp_call",
        ["server_label"] = label,
        ["name"] = name,
        ["arguments"] = arguments,
        ["output"] = output,
        ["error"] = null,
        ["status"] = "completed",
        ["approval_request_id"] = approvalRequestId,
    };

    /// <summary>
    /// Stores an mcp_approval_response input item in its resource form (MCPApprovalResponseResource), which
    /// the reference gives an id and lists request_id among its required fields.
    /// </summary>
    public static JsonObject NormalizeApprovalResponse(JsonObject o, string p)
    {
        var requestId = V.ReqString(o, "approval_request_id", p);
        if (!o.TryGetPropertyValue("approve", out var approve) || approve is null) throw V.Missing(p + ".approve");
        if (!Json.IsBool(approve)) throw V.TypeErr(p + ".approve", "a boolean", approve);
        var reason = V.OptString(o, "reason", p).value;
        return new JsonObject
        {
            ["type"] = "mcp_approval_response",
            ["id"] = Json.Str(o["id"]) ?? Ids.New("mcpa_"),
            ["request_id"] = requestId,
            ["approval_request_id"] = requestId,
            ["approve"] = approve.DeepClone(),
            ["reason"] = reason,
        };
    }
}
