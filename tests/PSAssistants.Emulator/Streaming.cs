using System.Text;

namespace PSAssistants.Emulator;

/// <summary>Writes Server-Sent Events; honours the one-shot "cut_stream_after_events" control setting.</summary>
sealed class SseWriter(HttpContext http, int? cutAfter)
{
    int _count;
    public HttpContext Http { get; } = http;
    public CancellationToken Aborted => Http.RequestAborted;

    public async Task Start()
    {
        Http.Response.StatusCode = 200;
        Http.Response.ContentType = "text/event-stream; charset=utf-8";
        Http.Response.Headers.CacheControl = "no-cache";
        await Http.Response.Body.FlushAsync(Aborted);
    }

    /// <summary>Writes "event: name\ndata: data\n\n" and flushes. Throws OperationCanceledException after a cut.</summary>
    public async Task Event(string name, string data)
    {
        var sb = new StringBuilder();
        sb.Append("event: ").Append(name).Append('\n');
        sb.Append("data: ").Append(data).Append("\n\n");
        await Http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()), Aborted);
        await Http.Response.Body.FlushAsync(Aborted);
        _count++;
        if (cutAfter is { } n && _count >= n)
        {
            Http.Abort();
            throw new OperationCanceledException("stream cut by emulator control setting");
        }
    }
}

static partial class Streaming
{
    public static Result AssistantRun(RunE run, ThreadE? createdThread, bool resumed = false) =>
        throw new ApiException(400, "Streaming is not implemented yet in the emulator.", "stream");

    public static Result Response(ResponseE resp, long fromSeq) =>
        throw new ApiException(400, "Streaming is not implemented yet in the emulator.", "stream");
}
