using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using PSAssistants.Commands.Waiting;
using PSAssistants.Protocols;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// A wait through the real adapters and client over a fake transport: what goes on the wire when a stream breaks
/// off, and what is printed. Each test pins a behaviour nothing else pinned.
/// </summary>
public sealed class WaitOverWireTests : IDisposable
{
    private readonly ResponsesHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string Compact(string json) => JsonNode.Parse(json)!.ToJsonString();

    private static HttpResponseMessage Sse(params (string Event, string Data)[] events) => new(HttpStatusCode.OK)
    {
        Content = new StringContent(string.Concat(events.Select(e => $"event: {e.Event}\ndata: {e.Data}\n\n")), Encoding.UTF8, "text/event-stream"),
    };

    private static string ResponseEvent(string type, int seq, string response) =>
        $$"""{"type":"{{type}}","sequence_number":{{seq}},"response":{{Compact(response)}}}""";

    private static string Delta(int seq, string text) =>
        $$"""{"type":"response.output_text.delta","sequence_number":{{seq}},"item_id":"msg_1","output_index":0,"content_index":0,"delta":"{{text}}","logprobs":[]}""";

    [Fact]
    public async Task A_resumed_Responses_stream_asks_starting_after_the_last_event_and_prints_nothing_twice()
    {
        var assistant = await _h.Adapter.CreateAssistantAsync(new AssistantCreateOptions { Model = "gpt-4o", Instructions = "Be brief." }, default);
        var inProgress = RF.Response(status: "in_progress", completedAt: "null");
        var completed = RF.Response(output: "[" + RF.OutputMessage("msg_1", "Hello") + "]");
        // The first stream is cut right after a text delta: no terminal event.
        _h.Handler.Enqueue(() => Sse(("response.created", ResponseEvent("response.created", 1, inProgress)), ("response.output_text.delta", Delta(2, "Hel"))));
        _h.Handler.Enqueue(() => Sse(("response.output_text.delta", Delta(3, "lo")), ("response.completed", ResponseEvent("response.completed", 4, completed))));
        _h.Handler.Fallback = (_, _) => Task.FromResult(Respond.Json(completed));
        var host = new FakeWaitHost();

        var result = new RunWaiter(_h.Adapter, host, new WaitOptions { Print = true })
            .StartAndFollow("conv_abc", new RunCreateOptions { AssistantId = assistant.Id });

        Assert.Equal("completed", result.Run.Status);
        var resume = _h.Handler.Requests[1];
        Assert.Equal("GET", resume.Method);
        Assert.EndsWith("/responses/resp_abc", resume.Path);
        Assert.Equal("true", resume.QueryValue("stream"));
        Assert.Equal("2", resume.QueryValue("starting_after"));
        Assert.Equal("Hello\n", host.Printed);
    }

    [Fact]
    public void A_stream_that_breaks_before_it_names_its_run_is_sent_again_with_the_same_Idempotency_Key()
    {
        var (adapter, handler) = T.Adapter();
        // Broken before its first event: an event stream that ends at once.
        handler.Enqueue(() => Sse());
        handler.Enqueue(() => Sse(("thread.run.created", Compact(Fixtures.Run(status: "queued"))),
            ("thread.run.completed", Compact(Fixtures.Run(status: "completed"))), ("done", "[DONE]")));
        var host = new FakeWaitHost();

        var result = new RunWaiter(adapter, host, new WaitOptions()).StartAndFollow("thread_abc", new RunCreateOptions { AssistantId = "asst_abc123" });

        Assert.Equal("completed", result.Run.Status);
        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("POST", r.Method));
        Assert.All(handler.Requests, r => Assert.EndsWith("/threads/thread_abc/runs", r.Path));
        var key = handler.Requests[0].Header("Idempotency-Key");
        Assert.False(string.IsNullOrEmpty(key));
        Assert.Equal(key, handler.Requests[1].Header("Idempotency-Key"));
    }
}
