// Server-Sent Events for Assistants runs (protocol-notes §2.5) and Responses (§3 "Responses streaming").
// Streams do not own any state: they follow the same lazily-computed timeline as polling clients,
// sleeping until each transition and emitting snapshots of the stored objects.
using System.Text;
using System.Text.Json.Nodes;

namespace PSAssistants.Emulator;

/// <summary>A stream ended on purpose by the "end_stream_after_events" control setting (answered 200, no terminal event).</summary>
sealed class StreamEndedEarly() : OperationCanceledException("stream ended by emulator control setting");

/// <summary>Writes Server-Sent Events; honours the one-shot "cut_stream_after_events" and "end_stream_after_events" control settings.</summary>
sealed class SseWriter(HttpContext http, int? cutAfter, int? endAfter = null)
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
        // A cut after 0 events closes the stream before its first event: writing that event first (and cutting
        // after it) would let a fast reader see the run named, depending on who wins the race with the reset.
        if (cutAfter is 0)
        {
            Http.Abort();
            throw new OperationCanceledException("stream cut by emulator control setting");
        }
        // An abort can overtake the head just flushed, so the client may never see the stream open; a clean end
        // after 0 events always shows it open and empty: what a reader sees of a stream broken before its first event.
        if (endAfter is 0) await EndEarly();
    }

    async Task EndEarly()
    {
        await Http.Response.CompleteAsync();
        throw new StreamEndedEarly();
    }

    /// <summary>Writes "event: name\ndata: data\n\n" and flushes. Throws OperationCanceledException after a cut.</summary>
    public async Task Event(string name, string data)
    {
        var text = $"event: {name}\ndata: {data}\n\n";
        await Http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), Aborted);
        await Http.Response.Body.FlushAsync(Aborted);
        _count++;
        if (cutAfter is { } n && _count >= n)
        {
            Http.Abort();
            throw new OperationCanceledException("stream cut by emulator control setting");
        }
        if (endAfter is { } e && _count >= e) await EndEarly();
    }

    public Task Event(string name, JsonNode data) => Event(name, Json.Text(data));

    public async Task WaitUntil(long ms)
    {
        // loop: a timer may fire a millisecond before the wall clock reaches the target
        long d;
        while ((d = ms - Clock.NowMs()) > 0) await Task.Delay((int)Math.Min(d, int.MaxValue), Aborted);
    }
}

static class Streaming
{
    static JsonObject Snap(Entity e, Action<JsonObject>? tweak = null)
    {
        lock (State.Gate)
        {
            var j = e.Render();
            tweak?.Invoke(j);
            return j;
        }
    }

    // ------------------------------------------------------------------ Assistants

    /// <summary>thread.created? → run.created/queued → run.in_progress → step/message created → deltas → completed … → done.</summary>
    public static Result AssistantRun(RunE run, ThreadE? createdThread, bool resumed = false) => new StreamResult(async w =>
    {
        if (createdThread is not null) await w.Event("thread.created", Snap(createdThread));
        if (resumed)
        {
            Entity? toolStep;
            lock (State.Gate) toolStep = run.ToolStep;
            if (toolStep is not null) await w.Event("thread.run.step.completed", Snap(toolStep));
        }
        else await w.Event("thread.run.created", Snap(run, j => j["status"] = "queued"));
        await w.Event("thread.run.queued", Snap(run, j => j["status"] = "queued"));

        long tIP, tEnd;
        lock (State.Gate)
        {
            tIP = run.PhaseStartMs + run.DurationMs / 3;
            tEnd = run.PhaseStartMs + run.DurationMs;
        }
        await w.WaitUntil(tIP);
        string status = Advance(run);
        if (status is "cancelling" or "cancelled")
        {
            await Cancelled(w, run);
            await w.Event("done", "[DONE]");
            return;
        }
        await w.Event("thread.run.in_progress", Snap(run, j => j["status"] = "in_progress"));

        ReplyOutcome? reply;
        JsonObject draftMsg, draftStep;
        lock (State.Gate)
        {
            reply = run.Plan as ReplyOutcome;
            draftMsg = run.DraftMessageJson();
            draftStep = run.DraftStepJson();
        }
        if (reply is not null)
        {
            await w.Event("thread.run.step.created", draftStep);
            await w.Event("thread.run.step.in_progress", draftStep);
            await w.Event("thread.message.created", draftMsg);
            await w.Event("thread.message.in_progress", draftMsg);
            var chunks = StandInModel.Chunks(reply.Text);
            for (int k = 0; k < chunks.Count; k++)
            {
                await w.WaitUntil(tIP + (k + 1) * (tEnd - tIP) / (chunks.Count + 1));
                if (Advance(run) is "cancelling" or "cancelled") break;
                await w.Event("thread.message.delta", new JsonObject
                {
                    ["id"] = run.ReplyMsgId,
                    ["object"] = "thread.message.delta",
                    ["delta"] = new JsonObject
                    {
                        ["content"] = new JsonArray(new JsonObject
                        {
                            ["index"] = 0,
                            ["type"] = "text",
                            ["text"] = new JsonObject { ["value"] = chunks[k], ["annotations"] = new JsonArray() },
                        }),
                    },
                });
            }
        }
        await w.WaitUntil(tEnd);
        status = Advance(run);
        switch (status)
        {
            case "completed":
            {
                Entity? msg, step;
                lock (State.Gate)
                {
                    msg = run.ReplyMsg;
                    step = run.ReplyStep;
                }
                if (msg is not null) await w.Event("thread.message.completed", Snap(msg));
                if (step is not null) await w.Event("thread.run.step.completed", Snap(step));
                await w.Event("thread.run.completed", Snap(run));
                break;
            }
            case "requires_action":
            {
                Entity? toolStep;
                lock (State.Gate) toolStep = run.ToolStep;
                if (toolStep is not null)
                {
                    await w.Event("thread.run.step.created", Snap(toolStep));
                    await w.Event("thread.run.step.in_progress", Snap(toolStep));
                }
                await w.Event("thread.run.requires_action", Snap(run));
                break;
            }
            case "failed":
                await w.Event("thread.run.failed", Snap(run));
                break;
            case "expired":
                await w.Event("thread.run.expired", Snap(run));
                break;
            case "cancelling":
            case "cancelled":
                await Cancelled(w, run);
                break;
        }
        await w.Event("done", "[DONE]");
    }) { Replay = () => AssistantRun(run, createdThread, resumed) };

    static string Advance(RunE run)
    {
        lock (State.Gate)
        {
            run.Advance(Clock.NowMs());
            return run.Status;
        }
    }

    static async Task Cancelled(SseWriter w, RunE run)
    {
        await w.Event("thread.run.cancelling", Snap(run, j =>
        {
            j["status"] = "cancelling";
            j["cancelled_at"] = null;
        }));
        long at;
        lock (State.Gate) at = run.CancelAtMs;
        await w.WaitUntil(at);
        Advance(run);
        Entity? toolStep;
        lock (State.Gate) toolStep = run.ToolStep;
        if (toolStep is not null && Snap(toolStep)["status"]?.GetValue<string>() == "cancelled")
            await w.Event("thread.run.step.cancelled", Snap(toolStep));
        await w.Event("thread.run.cancelled", Snap(run));
    }

    // ------------------------------------------------------------------ Responses

    sealed record Ev(long At, string Type, Func<JsonObject> Build);

    /// <summary>The full, deterministic event timeline of a response; sequence_number = index.</summary>
    static List<Ev> Timeline(ResponseE r)
    {
        var ev = new List<Ev>();
        long t0 = r.T0Ms, tIP = r.InProgressAtMs, tEnd = r.EndAtMs;

        JsonObject Lifecycle(string status, bool final)
        {
            lock (State.Gate)
            {
                r.Advance(final ? Math.Max(Clock.NowMs(), tEnd) : Clock.NowMs());
                var j = r.Render();
                if (!final)
                {
                    j["status"] = status;
                    j["output"] = new JsonArray();
                    j["usage"] = null;
                    j["completed_at"] = null;
                    j["error"] = null;
                }
                return j;
            }
        }

        var initial = r.Background ? "queued" : "in_progress";
        ev.Add(new Ev(t0, "response.created", () => new JsonObject { ["response"] = Lifecycle(initial, false) }));
        if (r.Background)
        {
            ev.Add(new Ev(t0, "response.queued", () => new JsonObject { ["response"] = Lifecycle("queued", false) }));
        }
        ev.Add(new Ev(tIP, "response.in_progress", () => new JsonObject { ["response"] = Lifecycle("in_progress", false) }));

        switch (r.Plan)
        {
            case ReplyOutcome reply:
            {
                // The hosted tools' items come first, then the reply (none while approvals are pending).
                for (int k = 0; k < r.Hosted.Count; k++)
                {
                    var hosted = r.Hosted[k];
                    var index = k;
                    ev.Add(new Ev(tIP, "response.output_item.added", () =>
                    {
                        var draft = (JsonObject)hosted.DeepClone();
                        if (draft.ContainsKey("status")) draft["status"] = "in_progress";
                        if (draft.ContainsKey("result")) draft["result"] = null;
                        return new JsonObject { ["output_index"] = index, ["item"] = draft };
                    }));
                    ev.Add(new Ev(tIP, "response.output_item.done", () => new JsonObject { ["output_index"] = index, ["item"] = hosted.DeepClone() }));
                }
                if (r.PendingApproval)
                {
                    ev.Add(new Ev(tEnd, "response.completed", () => new JsonObject { ["response"] = Lifecycle("completed", true) }));
                    break;
                }
                var id = r.OutputMsgId;
                var mi = r.Hosted.Count;
                ev.Add(new Ev(tIP, "response.output_item.added", () => new JsonObject { ["output_index"] = mi, ["item"] = r.DraftMessage() }));
                ev.Add(new Ev(tIP, "response.content_part.added", () => new JsonObject
                {
                    ["item_id"] = id, ["output_index"] = mi, ["content_index"] = 0, ["part"] = ResponseE.TextPart(""),
                }));
                var chunks = StandInModel.Chunks(reply.Text);
                for (int k = 0; k < chunks.Count; k++)
                {
                    var chunk = chunks[k];
                    ev.Add(new Ev(tIP + (k + 1) * (tEnd - tIP) / (chunks.Count + 1), "response.output_text.delta", () => new JsonObject
                    {
                        ["item_id"] = id, ["output_index"] = mi, ["content_index"] = 0, ["delta"] = chunk, ["logprobs"] = new JsonArray(),
                    }));
                }
                ev.Add(new Ev(tEnd, "response.output_text.done", () => new JsonObject
                {
                    ["item_id"] = id, ["output_index"] = mi, ["content_index"] = 0, ["text"] = reply.Text, ["logprobs"] = new JsonArray(),
                }));
                ev.Add(new Ev(tEnd, "response.content_part.done", () => new JsonObject
                {
                    ["item_id"] = id, ["output_index"] = mi, ["content_index"] = 0, ["part"] = ResponseE.TextPart(reply.Text),
                }));
                ev.Add(new Ev(tEnd, "response.output_item.done", () => new JsonObject { ["output_index"] = mi, ["item"] = r.FinalMessage(reply.Text) }));
                ev.Add(new Ev(tEnd, "response.completed", () => new JsonObject { ["response"] = Lifecycle("completed", true) }));
                break;
            }
            case ToolCallsOutcome:
            {
                for (int i = 0; i < r.Calls.Count; i++)
                {
                    var c = r.Calls[i];
                    var index = i;
                    var mid = tIP + (tEnd - tIP) / 2;
                    ev.Add(new Ev(tIP, "response.output_item.added", () => new JsonObject { ["output_index"] = index, ["item"] = r.CallItem(c, "in_progress", false) }));
                    ev.Add(new Ev(mid, "response.function_call_arguments.delta", () => new JsonObject
                    {
                        ["item_id"] = c.ItemId, ["output_index"] = index, ["delta"] = c.Call.Arguments,
                    }));
                    ev.Add(new Ev(tEnd, "response.function_call_arguments.done", () => new JsonObject
                    {
                        ["item_id"] = c.ItemId, ["name"] = c.Call.Name, ["output_index"] = index, ["arguments"] = c.Call.Arguments,
                    }));
                    ev.Add(new Ev(tEnd, "response.output_item.done", () => new JsonObject { ["output_index"] = index, ["item"] = r.CallItem(c, "completed") }));
                }
                ev.Add(new Ev(tEnd, "response.completed", () => new JsonObject { ["response"] = Lifecycle("completed", true) }));
                break;
            }
            default:
                ev.Add(new Ev(tEnd, "response.failed", () => new JsonObject { ["response"] = Lifecycle("failed", true) }));
                break;
        }
        return ev;
    }

    /// <summary>Streams the response's events with sequence_number ≥ <paramref name="fromSeq"/>; ends after the terminal event.</summary>
    public static Result Response(ResponseE r, long fromSeq) => new StreamResult(async w =>
    {
        var events = Timeline(r);
        for (int seq = (int)Math.Max(0, fromSeq); seq < events.Count; seq++)
        {
            var e = events[seq];
            await w.WaitUntil(e.At);
            lock (State.Gate)
            {
                r.Advance(Clock.NowMs());
                if (r.Status == "cancelled") return; // a cancelled background response: the stream just ends
            }
            var payload = new JsonObject { ["type"] = e.Type, ["sequence_number"] = seq };
            foreach (var kv in e.Build().ToList())
                payload[kv.Key] = kv.Value?.DeepClone();
            await w.Event(e.Type, payload);
        }
    }) { Replay = () => Response(r, 0) };
}
