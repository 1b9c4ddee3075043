using System.Text.Json.Nodes;

namespace PSAssistants.Emulator;

/// <summary>One parsed API request (path already stripped of /v1 and split into segments).</summary>
sealed class Req
{
    public required HttpContext Http { get; init; }
    public required string Method { get; init; }
    public required string[] Segs { get; init; }
    public required string RawBody { get; init; }
    /// <summary>The body's bytes as received (file uploads are binary multipart/form-data).</summary>
    public byte[] RawBytes { get; init; } = [];
    JsonObject? _body;
    public JsonObject Body => _body ??= Json.ParseBody(RawBody);
    public IQueryCollection Query => Http.Request.Query;
    public bool Is(string method) => Method == method;
}

abstract class Result;

sealed class JsonResult(int status, JsonNode body) : Result
{
    public int Status { get; } = status;
    public JsonNode Body { get; } = body;
}

/// <summary>An answer computed asynchronously (e.g. a non-background response that waits for completion).</summary>
sealed class DeferredResult(Func<Task<Result>> run) : Result
{
    public Func<Task<Result>> Run { get; } = run;
}

/// <summary>A text/event-stream answer; the writer drives the stream itself.</summary>
sealed class StreamResult(Func<SseWriter, Task> run) : Result
{
    public Func<SseWriter, Task> Run { get; } = run;

    /// <summary>Streams the same object's events again: what a repeated Idempotency-Key gets.</summary>
    public Func<Result>? Replay { get; init; }
}

/// <summary>A stored object: id, created_at (unix s), insertion sequence and its wire JSON.</summary>
class Entity
{
    public Entity(string id, long createdAtSec, JsonObject json)
    {
        Id = id;
        CreatedAt = createdAtSec;
        Seq = Ids.NextSeq();
        Json = json;
    }
    public string Id { get; }
    public long CreatedAt { get; }
    public long Seq { get; }
    public JsonObject Json { get; set; }
    public JsonObject Render() => (JsonObject)Json.DeepClone();
}

static class Ordering
{
    public static List<T> Asc<T>(IEnumerable<T> items) where T : Entity =>
        items.OrderBy(e => e.CreatedAt).ThenBy(e => e.Seq).ToList();
}
