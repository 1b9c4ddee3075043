// The request pipeline: request log, faults, auth, beta header, idempotency, routing, writing answers.
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PSAssistants.Emulator;

sealed class LogEntry
{
    public required string Method;
    public required string Path;
    public required string Query;
    public required JsonObject Headers;
    public required string Body;
    public int Status;

    public JsonObject ToJson() => new()
    {
        ["method"] = Method,
        ["path"] = Path,
        ["query"] = Query,
        ["headers"] = Headers.DeepClone(),
        ["body"] = Body,
        ["status"] = Status,
    };
}

sealed class FaultRule
{
    public string? Method;
    public required Regex PathRegex;
    public required string Action;
    public int Status = 500;
    public int? RetryAfter;
    public int? RetryAfterMs;
    public int DelayMs;
    public int Remaining = 1;
    public string? Location;
}

sealed record StoredAnswer(int Status, string Body, string ContentType, Func<Result>? Replay = null);

static class Pipeline
{
    public static readonly object LogGate = new();
    public static readonly List<LogEntry> RequestLog = [];
    public static readonly List<FaultRule> Faults = [];
    public static readonly Dictionary<string, StoredAnswer> Idempotency = [];
    /// <summary>One-shot: the next stream closes abruptly after this many events.</summary>
    public static int? CutStreamAfterEvents;
    /// <summary>One-shot: the next stream ends cleanly after this many events, its answer's head always sent first.</summary>
    public static int? EndStreamAfterEvents;

    public static void ResetAll()
    {
        lock (LogGate)
        {
            RequestLog.Clear();
            Faults.Clear();
            Idempotency.Clear();
            CutStreamAfterEvents = null;
            EndStreamAfterEvents = null;
        }
        // A page cap left by one test file must not page the next file's lists.
        State.MaxPageSize = 0;
        lock (State.Gate) State.ResetAll();
    }

    public static int? TakeStreamCut()
    {
        lock (LogGate)
        {
            var n = CutStreamAfterEvents;
            CutStreamAfterEvents = null;
            return n;
        }
    }

    public static int? TakeStreamEnd()
    {
        lock (LogGate)
        {
            var n = EndStreamAfterEvents;
            EndStreamAfterEvents = null;
            return n;
        }
    }

    static readonly string[] AssistantsRoots = ["assistants", "threads"];

    public static async Task Handle(HttpContext ctx)
    {
        ctx.Response.Headers["x-request-id"] = Ids.RequestId();
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/__emulator", StringComparison.Ordinal))
        {
            await Control.Handle(ctx, path);
            return;
        }

        byte[] bytes;
        using (var buffer = new MemoryStream())
        {
            await ctx.Request.Body.CopyToAsync(buffer);
            bytes = buffer.ToArray();
        }
        // A file upload is logged as its parts' headers and sizes, not as megabytes of binary.
        var body = Multipart.IsMultipart(ctx.Request.ContentType) ? Multipart.Describe(bytes, ctx.Request.ContentType!) : Encoding.UTF8.GetString(bytes);
        var headers = new JsonObject();
        foreach (var h in ctx.Request.Headers)
            headers[h.Key.ToLowerInvariant()] = h.Value.ToString();
        var method = ctx.Request.Method.ToUpperInvariant();
        var entry = new LogEntry
        {
            Method = method,
            Path = path,
            Query = ctx.Request.QueryString.HasValue ? ctx.Request.QueryString.Value!.TrimStart('?') : "",
            Headers = headers,
            Body = body,
        };
        lock (LogGate) RequestLog.Add(entry);

        FaultRule? fault = null;
        lock (LogGate)
        {
            fault = Faults.FirstOrDefault(f => (f.Method is null || string.Equals(f.Method, method, StringComparison.OrdinalIgnoreCase)) && f.PathRegex.IsMatch(path));
            if (fault is not null && --fault.Remaining <= 0) Faults.Remove(fault);
        }

        try
        {
            switch (fault?.Action)
            {
                case "status":
                {
                    if (fault.RetryAfter is { } ra) ctx.Response.Headers["Retry-After"] = ra.ToString();
                    if (fault.RetryAfterMs is { } ram) ctx.Response.Headers["retry-after-ms"] = ram.ToString();
                    var (type, code, msg) = fault.Status switch
                    {
                        429 => ("requests", "rate_limit_exceeded", "Rate limit reached for requests (fault injected by the emulator). Please try again later."),
                        >= 500 => ("server_error", (string?)null, "The server had an error while processing your request. Sorry about that! (fault injected by the emulator)"),
                        _ => ("invalid_request_error", (string?)null, $"Fault injected by the emulator (status {fault.Status})."),
                    };
                    await WriteJson(ctx, fault.Status, ApiException.ErrorBody(msg, type, null, code));
                    entry.Status = fault.Status;
                    return;
                }
                case "redirect":
                    ctx.Response.Headers.Location = fault.Location ?? "/";
                    await WriteRaw(ctx, fault.Status, "", "text/plain", null);
                    entry.Status = fault.Status;
                    return;
                case "echo_key_escaped":
                {
                    // As some servers do: quote the credential they refused, every character a JSON \u escape.
                    var key = ctx.Request.Headers["api-key"].FirstOrDefault()
                        ?? ctx.Request.Headers.Authorization.FirstOrDefault()?.Replace("Bearer ", "", StringComparison.Ordinal) ?? "";
                    var escaped = string.Concat(key.Select(c => $"\\u{(int)c:x4}"));
                    var text = "{\"error\":{\"message\":\"Incorrect API key provided: " + escaped
                        + ".\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}";
                    await WriteRaw(ctx, fault.Status, text, "application/json", null);
                    entry.Status = fault.Status;
                    return;
                }
                case "drop_before":
                    entry.Status = 0;
                    ctx.Abort();
                    return;
                case "delay":
                    await Task.Delay(fault.DelayMs, ctx.RequestAborted);
                    break;
            }

            var (result, stored) = await Dispatch(ctx, method, path, body, bytes);
            if (fault?.Action == "drop_after")
            {
                entry.Status = 0;
                ctx.Abort();
                return;
            }
            if (stored?.Replay is { } again)
            {
                result = again();
                stored = null;
            }
            if (stored is not null)
            {
                entry.Status = stored.Status;
                await WriteRaw(ctx, stored.Status, stored.Body, stored.ContentType, fault);
                return;
            }
            switch (result)
            {
                case JsonResult j:
                    entry.Status = j.Status;
                    await WriteRaw(ctx, j.Status, Json.Text(j.Body), "application/json", fault);
                    break;
                case BytesResult b:
                    entry.Status = b.Status;
                    await WriteBytes(ctx, b.Status, b.Body, b.ContentType, fault);
                    break;
                case StreamResult s:
                    entry.Status = 200;
                    var w = new SseWriter(ctx, TakeStreamCut(), TakeStreamEnd());
                    try
                    {
                        await w.Start();
                        await s.Run(w);
                    }
                    catch (StreamEndedEarly) { }
                    catch (OperationCanceledException) { entry.Status = 0; }
                    catch (IOException) { entry.Status = 0; }
                    break;
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            entry.Status = 0;
        }
        catch (Exception ex) when (!ctx.Response.HasStarted)
        {
            // an emulator bug: answer like the real API's 500 and say what happened on stderr
            Console.Error.WriteLine($"emulator error on {method} {path}: {ex}");
            entry.Status = 500;
            await WriteJson(ctx, 500, ApiException.ErrorBody("The server had an error while processing your request. Sorry about that!", "server_error", null, null));
        }
    }

    /// <summary>Auth, beta header, idempotency replay and routing. Returns either a result or a stored answer to replay.</summary>
    /// <summary>Requests with an Idempotency-Key that are still being worked on; a duplicate waits for the first.</summary>
    static readonly Dictionary<string, TaskCompletionSource<StoredAnswer?>> InFlight = [];

    static async Task<(Result? result, StoredAnswer? stored)> Dispatch(HttpContext ctx, string method, string path, string body, byte[] bytes)
    {
        Result result;
        string? idemKey = method == "POST" && ctx.Request.Headers.TryGetValue("Idempotency-Key", out var ik) && !string.IsNullOrEmpty(ik) ? ik.ToString() : null;
        TaskCompletionSource<StoredAnswer?>? mine = null;
        try
        {
            CheckAuth(ctx);
            var segs = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segs.Length > 0 && segs[0] == "v1") segs = segs[1..];
            // Azure OpenAI's v1 API lives under /openai/v1 on the resource's host.
            else if (segs.Length > 1 && segs[0] == "openai" && segs[1] == "v1") segs = segs[2..];
            if (segs.Length == 0) throw InvalidUrl(method, path);
            if (AssistantsRoots.Contains(segs[0])) CheckBeta(ctx);
            while (idemKey is not null && mine is null)
            {
                Task<StoredAnswer?> other;
                lock (LogGate)
                {
                    if (Idempotency.TryGetValue(idemKey, out var prior))
                    {
                        ctx.Response.Headers["idempotent-replayed"] = "true";
                        return (null, prior);
                    }
                    if (InFlight.TryGetValue(idemKey, out var tcs)) other = tcs.Task;
                    else
                    {
                        mine = new TaskCompletionSource<StoredAnswer?>(TaskCreationOptions.RunContinuationsAsynchronously);
                        InFlight[idemKey] = mine;
                        break;
                    }
                }
                await other; // then look again: replay its answer, or do the work if it stored none
            }
            var req = new Req { Http = ctx, Method = method, Segs = segs, RawBody = body, RawBytes = bytes };
            result = AssistantsApi.Route(req) ?? ResponsesApi.Route(req) ?? FilesEndpoints.Route(req) ?? ModelsApi.Route(req) ?? throw InvalidUrl(method, path);
            while (result is DeferredResult d) result = await d.Run();
        }
        catch (ApiException e)
        {
            result = new JsonResult(e.Status, e.Body());
        }
        catch when (mine is not null)
        {
            lock (LogGate) InFlight.Remove(idemKey!);
            mine.TrySetResult(null);
            throw;
        }
        if (mine is not null)
        {
            StoredAnswer? toStore = null;
            lock (LogGate)
            {
                if (result is JsonResult jr && jr.Status < 500)
                {
                    toStore = new StoredAnswer(jr.Status, Json.Text(jr.Body), "application/json");
                    Idempotency.TryAdd(idemKey!, toStore);
                }
                else if (result is StreamResult { Replay: { } replay })
                {
                    // A streamed create is replayed as the stream of the object it created, not created again.
                    toStore = new StoredAnswer(200, "", "text/event-stream", replay);
                    Idempotency.TryAdd(idemKey!, toStore);
                }
                InFlight.Remove(idemKey!);
            }
            mine.TrySetResult(toStore);
        }
        return (result, null);
    }

    static ApiException InvalidUrl(string method, string path) =>
        new(404, $"Invalid URL ({method} {path})");

    static void CheckAuth(HttpContext ctx)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        string token = "";
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = auth[7..].Trim();
        // Azure OpenAI takes a resource key in the api-key header instead of a bearer token.
        else if (auth.Length == 0) token = ctx.Request.Headers["api-key"].ToString().Trim();
        if (token.Length == 0)
            throw new ApiException(401,
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), " +
                "or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. " +
                "You can obtain an API key from https://platform.openai.com/account/api-keys.",
                null, "invalid_api_key");
        if (token.StartsWith("sk-invalid", StringComparison.Ordinal))
        {
            var tail = token.Length > 8 ? token[^4..] : "";
            throw new ApiException(401,
                $"Incorrect API key provided: sk-****{tail}. You can find your API key at https://platform.openai.com/account/api-keys.",
                null, "invalid_api_key");
        }
    }

    static void CheckBeta(HttpContext ctx)
    {
        var beta = ctx.Request.Headers["OpenAI-Beta"].ToString();
        if (!beta.Contains("assistants=v2", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(400,
                "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
                null, "invalid_beta");
    }

    public static async Task WriteJson(HttpContext ctx, int status, JsonNode body) =>
        await WriteRaw(ctx, status, Json.Text(body), "application/json", null);

    static async Task WriteRaw(HttpContext ctx, int status, string text, string contentType, FaultRule? fault)
    {
        if (fault?.Action == "malformed_json")
        {
            status = 200;
            text = text.Length > 2 ? text[..(text.Length / 2)] + "\"}{,," : "{\"broken\": ";
        }
        await WriteBytes(ctx, status, Encoding.UTF8.GetBytes(text), contentType, fault);
    }

    /// <summary>Writes a body; the truncate fault announces 64 bytes more than it sends, then cuts the connection.</summary>
    static async Task WriteBytes(HttpContext ctx, int status, byte[] bytes, string contentType, FaultRule? fault)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        if (fault?.Action == "truncate")
        {
            ctx.Response.ContentLength = bytes.Length + 64;
            await ctx.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
            return;
        }
        if (fault?.Action == "short_body")
        {
            // No Content-Length (chunked), half the body, then a clean end: only the file's known size tells.
            await ctx.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            return;
        }
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes);
    }
}
