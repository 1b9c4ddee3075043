// The "limit" of bench/Bench.ps1: the requests PSAssistants makes, made by one reused HttpClient and
// System.Text.Json (source-generated) into small classes, with the same headers as the module
// (Authorization: Bearer, OpenAI-Beta on Assistants paths, User-Agent, Accept, Idempotency-Key on POSTs).
// It also seeds large threads fast and times raw event streams. Every mode prints one JSON line per result.
//
//   RawClient get      --base URL --path /assistants/ID --type assistant|messages|items --count N [--warmup W] [--serve 1] [--gap-us N]
//   RawClient post-message --base URL --thread ID --count N [--warmup W]
//   RawClient list     --base URL --path /threads/ID/messages --type messages|items
//   RawClient seed     --base URL --protocol assistants|responses --count N [--parallel P]
//   RawClient stream   --base URL --protocol assistants|responses --delay-ms D [--reps R] [--assistant ID]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PSAssistants.Bench;

internal static class Program
{
    private static string s_base = "";
    private static bool s_assistants = true;
    private static HttpClient s_http = null!;
    /// <summary>--gap-us: busy time between calls, to see what a caller that does work between requests pays.</summary>
    private static long s_gapTicks;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0) return Usage();
        var mode = args[0];
        var opts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
        s_base = Get(opts, "base").TrimEnd('/');
        s_assistants = Get(opts, "protocol", "assistants") == "assistants";
        var key = Get(opts, "key", "sk-bench-raw");
        s_gapTicks = Int(opts, "gap-us", 0) * Stopwatch.Frequency / 1_000_000;

        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.All,
            UseCookies = false,
            UseProxy = false,
            MaxConnectionsPerServer = 64,
        };
        s_http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        s_http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        s_http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "PSAssistants.Bench.Raw/1.0 (.NET " + Environment.Version + ")");
        s_http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (s_assistants) s_http.DefaultRequestHeaders.TryAddWithoutValidation("OpenAI-Beta", "assistants=v2");

        switch (mode)
        {
            case "get":
                await GetLoop(Get(opts, "path"), Get(opts, "type", "assistant"), Int(opts, "count", 1000), Int(opts, "warmup", 200),
                    opts.ContainsKey("serve"));
                return 0;
            case "list":
                await ListAll(Get(opts, "path"), Get(opts, "type", "messages"));
                return 0;
            case "post-message":
                await PostMessageLoop(Get(opts, "thread"), Int(opts, "count", 1000), Int(opts, "warmup", 50));
                return 0;
            case "seed":
                await Seed(Int(opts, "count", 1000), Int(opts, "parallel", 8));
                return 0;
            case "stream":
                await Stream(Int(opts, "delay-ms", 500), Int(opts, "reps", 1), opts.GetValueOrDefault("assistant"), Get(opts, "model", "gpt-4"));
                return 0;
            default:
                return Usage();
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: RawClient get|post-message|seed|stream --base URL ... (see Program.cs)");
        return 2;
    }

    private static string Get(Dictionary<string, string> o, string name, string? fallback = null) =>
        o.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

    private static int Int(Dictionary<string, string> o, string name, int fallback) =>
        o.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static void Emit(Dictionary<string, object?> result) =>
        Console.WriteLine(JsonSerializer.Serialize(result, RawJson.Default.DictionaryStringObject));

    // ------------------------------------------------------------------ per-call loops

    private static async Task<object> GetOnce(string path, string type)
    {
        using var response = await s_http.GetAsync(s_base + path, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        return type switch
        {
            "assistant" => (await JsonSerializer.DeserializeAsync(stream, RawJson.Default.Assistant).ConfigureAwait(false))!,
            "messages" => (await JsonSerializer.DeserializeAsync(stream, RawJson.Default.MessageList).ConfigureAwait(false))!,
            "items" => (await JsonSerializer.DeserializeAsync(stream, RawJson.Default.ItemList).ConfigureAwait(false))!,
            _ => throw new ArgumentException("--type is assistant, messages or items"),
        };
    }

    /// <summary>
    /// N timed GETs after a warm-up. With --serve, stays up after the warm-up and times one round of N calls per
    /// line read from stdin (until EOF), so a driver can interleave rounds with its own without restarting.
    /// </summary>
    private static async Task GetLoop(string path, string type, int count, int warmup, bool serve)
    {
        for (var i = 0; i < warmup; i++) await GetOnce(path, type);
        if (!serve)
        {
            await GetRound(path, type, count);
            return;
        }
        Emit(new() { ["mode"] = "ready" });
        while (Console.ReadLine() is { } line && line.Trim() != "quit") await GetRound(path, type, count);
    }

    private static async Task GetRound(string path, string type, int count)
    {
        var bytes = GC.GetTotalAllocatedBytes(true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await GetOnce(path, type);
            if (s_gapTicks > 0) { var until = Stopwatch.GetTimestamp() + s_gapTicks; while (Stopwatch.GetTimestamp() < until) { } }
        }
        watch.Stop();
        bytes = GC.GetTotalAllocatedBytes(true) - bytes;
        Emit(new()
        {
            ["mode"] = "get",
            ["count"] = count,
            ["total_ms"] = watch.Elapsed.TotalMilliseconds,
            ["ms_per_call"] = watch.Elapsed.TotalMilliseconds / count,
            ["bytes_per_call"] = bytes / count,
        });
    }

    /// <summary>Walks a whole list, 100 per page, oldest first, as Get-OaiMessage does.</summary>
    private static async Task ListAll(string path, string type)
    {
        await GetOnce(path + "?limit=1&order=asc", type); // warm up the connection and the serializer
        var bytes = GC.GetTotalAllocatedBytes(true);
        var watch = Stopwatch.StartNew();
        double firstPage = 0;
        int pages = 0, count = 0;
        string? after = null;
        while (true)
        {
            var page = await GetOnce(path + "?limit=100&order=asc" + (after is null ? "" : "&after=" + after), type);
            pages++;
            bool more;
            if (page is MessageList m) { count += m.Data?.Count ?? 0; after = m.LastId; more = m.HasMore && m.Data is { Count: > 0 }; }
            else { var i = (ItemList)page; count += i.Data?.Count ?? 0; after = i.LastId; more = i.HasMore && i.Data is { Count: > 0 }; }
            if (pages == 1) firstPage = watch.Elapsed.TotalMilliseconds;
            if (!more) break;
        }
        Emit(new()
        {
            ["mode"] = "list",
            ["count"] = count,
            ["pages"] = pages,
            ["first_page_ms"] = firstPage,
            ["total_ms"] = watch.Elapsed.TotalMilliseconds,
            ["allocated_bytes"] = GC.GetTotalAllocatedBytes(true) - bytes,
        });
    }

    private static async Task<Message> PostMessage(string threadId, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{s_base}/threads/{threadId}/messages");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "raw-" + Guid.NewGuid().ToString("N"));
        request.Content = JsonContent(new CreateMessage { Role = "user", Content = text }, RawJson.Default.CreateMessage);
        using var response = await s_http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        return (await JsonSerializer.DeserializeAsync(stream, RawJson.Default.Message).ConfigureAwait(false))!;
    }

    private static async Task PostMessageLoop(string threadId, int count, int warmup)
    {
        const string text = "I need to solve the equation `3x + 11 = 14`. Can you help me?";
        for (var i = 0; i < warmup; i++) await PostMessage(threadId, text);
        var bytes = GC.GetTotalAllocatedBytes(true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) await PostMessage(threadId, text);
        watch.Stop();
        bytes = GC.GetTotalAllocatedBytes(true) - bytes;
        Emit(new()
        {
            ["mode"] = "post-message",
            ["count"] = count,
            ["ms_per_call"] = watch.Elapsed.TotalMilliseconds / count,
            ["bytes_per_call"] = bytes / count,
        });
    }

    private static ByteArrayContent JsonContent<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, info));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static async Task<string> PostJson(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, s_base + path);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await s_http.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"POST {path}: HTTP {(int)response.StatusCode}: {text}");
        return text;
    }

    private static string IdOf(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    // ------------------------------------------------------------------ seeding large threads

    /// <summary>
    /// Makes a thread (conversation) of exactly N user messages: the create call takes the first batch
    /// (the emulator allows 32 messages / 20 items), the rest go in parallel (Assistants: one message per
    /// request; Responses: 20 items per request).
    /// </summary>
    private static async Task Seed(int count, int parallel)
    {
        var watch = Stopwatch.StartNew();
        static string Text(int i) => "Message " + i.ToString(CultureInfo.InvariantCulture) + ": what is 3x + 11 = 14 when x is unknown?";
        static string Messages(int from, int n, bool items)
        {
            var sb = new StringBuilder("[");
            for (var i = 0; i < n; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(items ? "{\"type\":\"message\",\"role\":\"user\",\"content\":" : "{\"role\":\"user\",\"content\":")
                  .Append(JsonSerializer.Serialize(Text(from + i), RawJson.Default.String)).Append('}');
            }
            return sb.Append(']').ToString();
        }

        var first = Math.Min(count, s_assistants ? 32 : 20);
        var requests = 1;
        string id;
        if (s_assistants)
        {
            id = IdOf(await PostJson("/threads", "{\"messages\":" + Messages(0, first, false) + "}"));
            var todo = Enumerable.Range(first, count - first);
            await Parallel.ForEachAsync(todo, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) =>
                await PostJson($"/threads/{id}/messages", "{\"role\":\"user\",\"content\":" + JsonSerializer.Serialize(Text(i), RawJson.Default.String) + "}"));
            requests += count - first;
        }
        else
        {
            id = IdOf(await PostJson("/conversations", "{\"items\":" + Messages(0, first, true) + "}"));
            var batches = new List<(int From, int N)>();
            for (var from = first; from < count; from += 20) batches.Add((from, Math.Min(20, count - from)));
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (b, _) =>
                await PostJson($"/conversations/{id}/items", "{\"items\":" + Messages(b.From, b.N, true) + "}"));
            requests += batches.Count;
        }
        Emit(new() { ["mode"] = "seed", ["thread"] = id, ["count"] = count, ["requests"] = requests, ["ms"] = watch.Elapsed.TotalMilliseconds });
    }

    // ------------------------------------------------------------------ raw event streams

    /// <summary>
    /// The floor of the wait-latency method: a run of duration D (the emulator's [delay:D]) is started with
    /// stream: true and its events are read until the terminal one; latency = (return - start) - D, where
    /// start is taken just before the POST, as Bench.ps1 does for Start-OaiRun -Wait.
    /// </summary>
    private static async Task Stream(int delayMs, int reps, string? assistantId, string model)
    {
        var text = $"[delay:{delayMs}] I need to solve the equation `3x + 11 = 14`. Can you help me?";
        if (s_assistants && assistantId is null)
            assistantId = IdOf(await PostJson("/assistants", "{\"model\":\"" + model + "\",\"name\":\"Math Tutor\"}"));
        for (var rep = 0; rep < reps; rep++)
        {
            string thread;
            string body;
            string path;
            if (s_assistants)
            {
                thread = IdOf(await PostJson("/threads", "{\"messages\":[{\"role\":\"user\",\"content\":" + JsonSerializer.Serialize(text, RawJson.Default.String) + "}]}"));
                path = $"/threads/{thread}/runs";
                body = "{\"assistant_id\":\"" + assistantId + "\",\"stream\":true}";
            }
            else
            {
                thread = IdOf(await PostJson("/conversations", "{\"items\":[{\"type\":\"message\",\"role\":\"user\",\"content\":" + JsonSerializer.Serialize(text, RawJson.Default.String) + "}]}"));
                path = "/responses";
                body = "{\"model\":\"" + model + "\",\"conversation\":\"" + thread + "\",\"background\":true,\"store\":true,\"stream\":true}";
            }

            var watch = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Post, s_base + path);
            request.Headers.Accept.Clear();
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await s_http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var events = 0;
            string? terminal = null;
            string? line;
            while (terminal is null && (line = await reader.ReadLineAsync()) is not null)
            {
                if (!line.StartsWith("event: ", StringComparison.Ordinal)) continue;
                events++;
                var name = line[7..];
                if (name is "thread.run.completed" or "thread.run.failed" or "thread.run.expired" or "thread.run.cancelled"
                    or "response.completed" or "response.failed" or "response.incomplete" or "response.cancelled")
                    terminal = name;
            }
            var elapsed = watch.Elapsed.TotalMilliseconds;
            Emit(new()
            {
                ["mode"] = "stream",
                ["delay_ms"] = delayMs,
                ["elapsed_ms"] = elapsed,
                ["latency_ms"] = elapsed - delayMs,
                ["events"] = events,
                ["terminal"] = terminal,
            });
        }
    }
}

// Small classes: what a hand-written client would read.
internal sealed class Assistant
{
    public string Id { get; set; } = "";
    public long CreatedAt { get; set; }
    public string? Name { get; set; }
    public string? Model { get; set; }
    public string? Instructions { get; set; }
}

internal sealed class CreateMessage
{
    public string Role { get; set; } = "user";
    public string Content { get; set; } = "";
}

internal sealed class Message
{
    public string Id { get; set; } = "";
    public long CreatedAt { get; set; }
    public string? ThreadId { get; set; }
    public string? Role { get; set; }
    public List<MessageContent>? Content { get; set; }
}

internal sealed class MessageContent
{
    public string Type { get; set; } = "";
    public MessageText? Text { get; set; }
}

internal sealed class MessageText
{
    public string? Value { get; set; }
}

internal sealed class MessageList
{
    public List<Message>? Data { get; set; }
    public string? LastId { get; set; }
    public bool HasMore { get; set; }
}

internal sealed class Item
{
    public string? Id { get; set; }
    public string? Type { get; set; }
    public string? Role { get; set; }
    public List<ItemContent>? Content { get; set; }
}

internal sealed class ItemContent
{
    public string Type { get; set; } = "";
    public string? Text { get; set; }
}

internal sealed class ItemList
{
    public List<Item>? Data { get; set; }
    public string? LastId { get; set; }
    public bool HasMore { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Assistant))]
[JsonSerializable(typeof(CreateMessage))]
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(MessageList))]
[JsonSerializable(typeof(ItemList))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(int))]
internal sealed partial class RawJson : JsonSerializerContext
{
}
