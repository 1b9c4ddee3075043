// Control endpoints under /__emulator/ (no auth): request log, reset, config, faults.
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PSAssistants.Emulator;

static class Control
{
    public static async Task Handle(HttpContext ctx, string path)
    {
        var method = ctx.Request.Method.ToUpperInvariant();
        string body;
        using (var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8))
            body = await reader.ReadToEndAsync();
        var sub = path["/__emulator".Length..].Trim('/');
        try
        {
            JsonNode result = (method, sub) switch
            {
                ("GET", "requests") => Requests(),
                ("DELETE", "requests") => ClearRequests(),
                ("GET", "requests/count") => Count(),
                ("POST", "reset") => Reset(),
                ("GET", "config") => Config(),
                ("POST", "config") => SetConfig(body),
                ("GET", "faults") => GetFaults(),
                ("POST", "faults") => SetFaults(body),
                ("DELETE", "faults") => ClearFaults(),
                ("GET", "health") => new JsonObject { ["ok"] = true },
                _ => throw new ApiException(404, $"Unknown emulator control endpoint ({method} {path})"),
            };
            await Pipeline.WriteJson(ctx, 200, result);
        }
        catch (ApiException e)
        {
            await Pipeline.WriteJson(ctx, e.Status, e.Body());
        }
    }

    static JsonNode Requests()
    {
        lock (Pipeline.LogGate) return Json.Array(Pipeline.RequestLog.Select(e => (JsonNode)e.ToJson()));
    }

    static JsonNode ClearRequests()
    {
        lock (Pipeline.LogGate) Pipeline.RequestLog.Clear();
        return new JsonObject { ["ok"] = true };
    }

    static JsonNode Count()
    {
        lock (Pipeline.LogGate) return new JsonObject { ["count"] = Pipeline.RequestLog.Count };
    }

    static JsonNode Reset()
    {
        Pipeline.ResetAll();
        return new JsonObject { ["ok"] = true };
    }

    static JsonNode Config()
    {
        lock (Pipeline.LogGate)
            return new JsonObject
            {
                ["run_duration_ms"] = State.DefaultRunDurationMs,
                ["cut_stream_after_events"] = Pipeline.CutStreamAfterEvents,
                ["end_stream_after_events"] = Pipeline.EndStreamAfterEvents,
                ["file_index_ms"] = State.FileIndexMs,
                ["max_page_size"] = State.MaxPageSize,
            };
    }

    static JsonNode SetConfig(string body)
    {
        var o = Json.ParseBody(body);
        var d = V.OptInt(o, "run_duration_ms", 0, 3_600_000);
        var cut = V.OptInt(o, "cut_stream_after_events", 0, int.MaxValue);
        var end = V.OptInt(o, "end_stream_after_events", 0, int.MaxValue);
        if (d.present && d.value is { } dv) State.DefaultRunDurationMs = (int)dv;
        if (V.OptInt(o, "file_index_ms", 0, 3_600_000).value is { } fi) State.FileIndexMs = (int)fi;
        if (V.OptInt(o, "max_page_size", 0, 10_000).value is { } mp) State.MaxPageSize = (int)mp;
        if (cut.present) lock (Pipeline.LogGate) Pipeline.CutStreamAfterEvents = cut.value is { } c ? (int)c : null;
        if (end.present) lock (Pipeline.LogGate) Pipeline.EndStreamAfterEvents = end.value is { } e ? (int)e : null;
        return Config();
    }

    static JsonNode GetFaults()
    {
        lock (Pipeline.LogGate)
            return Json.Array(Pipeline.Faults.Select(f => (JsonNode)new JsonObject
            {
                ["method"] = f.Method,
                ["path_regex"] = f.PathRegex.ToString(),
                ["action"] = f.Action,
                ["status"] = f.Status,
                ["retry_after"] = f.RetryAfter,
                ["retry_after_ms"] = f.RetryAfterMs,
                ["delay_ms"] = f.DelayMs,
                ["count"] = f.Remaining,
            }));
    }

    static readonly string[] Actions = ["status", "drop_before", "drop_after", "delay", "malformed_json", "truncate", "echo_key_escaped", "redirect", "short_body"];

    static JsonNode SetFaults(string body)
    {
        JsonNode? n;
        try { n = JsonNode.Parse(body); }
        catch (System.Text.Json.JsonException) { throw new ApiException(400, "Body must be a JSON array of fault rules (or one rule object)."); }
        var arr = n switch
        {
            JsonArray a => a,
            JsonObject o => new JsonArray(o.DeepClone()),
            _ => throw new ApiException(400, "Body must be a JSON array of fault rules (or one rule object)."),
        };
        var rules = new List<FaultRule>();
        for (int i = 0; i < arr.Count; i++)
        {
            var p = $"[{i}]";
            if (arr[i] is not JsonObject o) throw V.TypeErr(p, "an object", arr[i]);
            var action = V.EnumString(o, "action", Actions, p, required: true);
            var rx = V.ReqString(o, "path_regex", p);
            Regex regex;
            try { regex = new Regex(rx, RegexOptions.CultureInvariant); }
            catch (ArgumentException e) { throw new ApiException(400, $"Invalid path_regex: {e.Message}", p + ".path_regex"); }
            rules.Add(new FaultRule
            {
                Method = V.OptString(o, "method", p).value,
                PathRegex = regex,
                Action = action,
                Status = (int)(V.OptInt(o, "status", 100, 599, p).value ?? 500),
                RetryAfter = (int?)V.OptInt(o, "retry_after", 0, int.MaxValue, p).value,
                RetryAfterMs = (int?)V.OptInt(o, "retry_after_ms", 0, int.MaxValue, p).value,
                DelayMs = (int)(V.OptInt(o, "delay_ms", 0, 600_000, p).value ?? 0),
                Remaining = (int)(V.OptInt(o, "count", 1, int.MaxValue, p).value ?? 1),
                Location = V.OptString(o, "location", p).value,
            });
        }
        lock (Pipeline.LogGate) Pipeline.Faults.AddRange(rules);
        return GetFaults();
    }

    static JsonNode ClearFaults()
    {
        lock (Pipeline.LogGate) Pipeline.Faults.Clear();
        return new JsonObject { ["ok"] = true };
    }
}
