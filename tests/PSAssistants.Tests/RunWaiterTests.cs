using System.Reflection;
using System.Runtime.CompilerServices;
using PSAssistants.Client;
using PSAssistants.Commands.Waiting;
using PSAssistants.Protocols;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// The wait for a run, step by step, against a fake adapter and a fake host: stream, resume, send again, poll,
/// reconcile, tool rounds, time-outs and Ctrl+C, with no HTTP and no PowerShell.
/// </summary>
public class RunWaiterTests
{
    private static readonly WaitTimings Fast = new() { FirstPoll = TimeSpan.FromMilliseconds(1), MaxPollInterval = TimeSpan.FromMilliseconds(2), MaxFailedPolls = 3 };

    private static OaiRun Run(string status, string id = "run_1", params OaiToolCall[] calls) => new()
    {
        Id = id,
        ThreadId = "thread_1",
        AssistantId = "asst_1",
        Status = status,
        RequiredAction = calls.Length == 0 ? null : new OaiRequiredAction { ToolCalls = calls },
    };

    private static RunEvent Updated(OaiRun run, long? seq = null) => new(RunEventKind.RunUpdated, Run: run, Sequence: seq);

    private static RunEvent Text(string text, long? seq = null) => new(RunEventKind.TextDelta, MessageId: "msg_1", Text: text, Sequence: seq);

    /// <summary>A stream of the given events that ends, or breaks off with a connection error when <paramref name="breakOff"/>.</summary>
    private static RunStart Stream(IEnumerable<RunEvent> events, bool breakOff = false, Func<CancellationToken, Task<RunStart>>? reopen = null) =>
        new(Events(events, breakOff), new Owner()) { Reopen = reopen };

    private static async IAsyncEnumerable<RunEvent> Events(IEnumerable<RunEvent> events, bool breakOff, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var e in events)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            yield return e;
        }
        if (breakOff) throw new OaiApiException(OaiErrorKind.Connection, "connection reset");
    }

    private sealed class Owner : IDisposable
    {
        public void Dispose()
        {
        }
    }

    [Fact]
    public void A_run_the_server_did_not_stream_is_polled_until_it_ends()
    {
        var runs = new FakeRuns();
        runs.Polls.Enqueue(Run(OaiRunStatus.InProgress));
        runs.Polls.Enqueue(Run(OaiRunStatus.Completed));
        var host = new FakeWaitHost { Streaming = false };

        var result = new RunWaiter(runs.Adapter, host, new WaitOptions(), Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.False(result.TimedOut);
        Assert.Equal(new[] { "CreateRun", "GetRun", "GetRun" }, runs.Calls);
        Assert.True(host.ProgressCompleted);
    }

    [Fact]
    public void A_streamed_run_ends_with_its_stream_and_makes_no_other_request()
    {
        var runs = new FakeRuns
        {
            Started = Stream(new[] { Updated(Run(OaiRunStatus.InProgress)), Text("Hello"), new RunEvent(RunEventKind.MessageDone, MessageId: "msg_1"), Updated(Run(OaiRunStatus.Completed)) }),
        };
        var host = new FakeWaitHost();

        var result = new RunWaiter(runs.Adapter, host, new WaitOptions { Print = true }, Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.Equal(new[] { "StartRunStream" }, runs.Calls);
        Assert.Equal("Hello\n", host.Printed);
    }

    [Fact]
    public void A_stream_cut_after_a_text_delta_is_resumed_after_its_last_event_and_prints_nothing_twice()
    {
        var runs = new FakeRuns
        {
            Started = Stream(new[] { Updated(Run(OaiRunStatus.InProgress), 1), Text("Hel", 2) }, breakOff: true),
        };
        runs.Resumes.Enqueue(Stream(new[] { Text("lo", 3), Updated(Run(OaiRunStatus.Completed), 4) }));
        runs.Polls.Enqueue(Run(OaiRunStatus.Completed));
        runs.Messages.Add(new OaiMessage { Id = "msg_1", ThreadId = "thread_1", Role = "assistant", Text = "Hello" });
        var host = new FakeWaitHost();

        var result = new RunWaiter(runs.Adapter, host, new WaitOptions { Print = true }, Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.Equal(new long?[] { 2 }, runs.ResumedAfter);
        // After a break the server's record is read (reconcile) and the messages are compared with what was printed.
        Assert.Equal(new[] { "StartRunStream", "ResumeRunStream", "GetRun", "ListMessages" }, runs.Calls);
        Assert.Equal("Hello\n", host.Printed);
    }

    [Fact]
    public void A_stream_broken_before_it_names_the_run_is_sent_again_and_makes_one_run()
    {
        var reopened = 0;
        var runs = new FakeRuns
        {
            Started = Stream(Array.Empty<RunEvent>(), breakOff: true, reopen: _ =>
            {
                reopened++;
                return Task.FromResult(Stream(new[] { Updated(Run(OaiRunStatus.Completed)) }));
            }),
        };
        var host = new FakeWaitHost();

        var result = new RunWaiter(runs.Adapter, host, new WaitOptions(), Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.Equal(1, reopened);
        Assert.Equal(new[] { "StartRunStream" }, runs.Calls);
    }

    [Fact]
    public void A_stream_that_never_names_the_run_gives_up_after_the_calls_retries()
    {
        var reopened = 0;
        RunStart Broken() => Stream(Array.Empty<RunEvent>(), breakOff: true, reopen: _ => { reopened++; return Task.FromResult(Broken()); });
        var runs = new FakeRuns { Started = Broken() };
        var host = new FakeWaitHost { MaxRetries = 2 };

        var ex = Assert.Throws<OaiApiException>(() =>
            new RunWaiter(runs.Adapter, host, new WaitOptions(), Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" }));

        Assert.Equal(OaiErrorKind.Connection, ex.Kind);
        Assert.Equal(2, reopened);
    }

    [Fact]
    public void Requires_action_with_one_call_is_answered_once_and_the_wait_goes_on_to_the_end()
    {
        var call = new OaiToolCall { Id = "call_1", Name = "Get-Date", Arguments = "{}" };
        var runs = new FakeRuns
        {
            Started = Stream(new[] { Updated(Run(OaiRunStatus.InProgress)), Updated(Run(OaiRunStatus.RequiresAction, "run_1", call)) }),
            Submitted = Stream(new[] { Updated(Run(OaiRunStatus.InProgress)), Updated(Run(OaiRunStatus.Completed)) }),
        };
        var tools = new FakeTools();
        var host = new FakeWaitHost();

        var result = new RunWaiter(runs.Adapter, host, new WaitOptions { Tools = tools }, Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.Equal(new[] { "call_1" }, tools.Answered);
        var submitted = Assert.Single(runs.SubmittedOutputs);
        Assert.Equal(new ToolOutput("call_1", "answer to call_1"), Assert.Single(submitted));
        Assert.Equal(new[] { "StartRunStream", "SubmitToolOutputs" }, runs.Calls);
    }

    /// <summary>
    /// The stream the answer opens breaks before its first event, and the run, read again, still shows the calls
    /// just answered (the server has not moved it yet). That state is old: the wait polls the same run on, and
    /// neither runs the function again nor submits again, nor sends the answer again.
    /// </summary>
    [Fact]
    public void A_stream_after_the_answers_that_breaks_before_its_first_event_is_followed_by_reading_the_same_run_again()
    {
        var call = new OaiToolCall { Id = "call_1", Name = "Get-Date", Arguments = "{}" };
        var resent = 0;
        var runs = new FakeRuns
        {
            ToolOutputsContinueRun = true,
            Started = Stream(new[] { Updated(Run(OaiRunStatus.InProgress)), Updated(Run(OaiRunStatus.RequiresAction, "run_1", call)) }),
            Submitted = Stream(Array.Empty<RunEvent>(), breakOff: true, reopen: _ => { resent++; return Task.FromResult(Stream(new[] { Updated(Run(OaiRunStatus.Completed)) })); }),
        };
        // Only reached by a wait that answers call_1 a second time.
        runs.Submitted = Stream(new[] { Updated(Run(OaiRunStatus.Completed)) });
        runs.Polls.Enqueue(Run(OaiRunStatus.RequiresAction, "run_1", call));
        runs.Polls.Enqueue(Run(OaiRunStatus.InProgress));
        runs.Polls.Enqueue(Run(OaiRunStatus.Completed));
        var tools = new FakeTools();

        var result = new RunWaiter(runs.Adapter, new FakeWaitHost(), new WaitOptions { Tools = tools }, Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.Equal(new[] { "call_1" }, tools.Answered);
        Assert.Single(runs.SubmittedOutputs);
        Assert.Equal(0, resent);
        Assert.Equal(new[] { "StartRunStream", "SubmitToolOutputs", "GetRun", "GetRun", "GetRun" }, runs.Calls);
    }

    /// <summary>
    /// Where the answer starts a new run (Responses: a new response), the run that asked never changes, so reading
    /// it again would show the same calls for ever: the answer is sent again with its Idempotency-Key (the server
    /// gives back the run it made), and the function is not run again.
    /// </summary>
    [Fact]
    public void Where_the_answer_starts_a_new_run_a_stream_broken_before_its_first_event_is_sent_again_and_the_calls_are_not_answered_twice()
    {
        var call = new OaiToolCall { Id = "call_1", Name = "Get-Date", Arguments = "{}" };
        var resent = 0;
        var runs = new FakeRuns
        {
            ToolOutputsContinueRun = false,
            Started = Stream(new[] { Updated(Run(OaiRunStatus.InProgress)), Updated(Run(OaiRunStatus.RequiresAction, "resp_1", call)) }),
            Submitted = Stream(Array.Empty<RunEvent>(), breakOff: true, reopen: _ =>
            {
                resent++;
                return Task.FromResult(Stream(new[] { Updated(Run(OaiRunStatus.InProgress, "resp_2")), Updated(Run(OaiRunStatus.Completed, "resp_2")) }));
            }),
            PollForever = Run(OaiRunStatus.RequiresAction, "resp_1", call), // the response that asked stays as it was
        };
        runs.Submitted = Stream(new[] { Updated(Run(OaiRunStatus.Completed, "resp_3")) }); // only reached by answering call_1 again
        var tools = new FakeTools();

        var result = new RunWaiter(runs.Adapter, new FakeWaitHost(), new WaitOptions { Tools = tools }, Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.Equal("resp_2", result.Run.Id);
        Assert.Equal(new[] { "call_1" }, tools.Answered);
        Assert.Single(runs.SubmittedOutputs);
        Assert.Equal(1, resent);
        Assert.Equal(new[] { "StartRunStream", "SubmitToolOutputs" }, runs.Calls);
    }

    /// <summary>
    /// Time runs out while the stream the answers opened has not named the new run (Responses): the wait reports the
    /// time-out with the run as last seen, as it did before; it does not send the answers again and again.
    /// </summary>
    [Fact]
    public void A_wait_that_runs_out_of_time_before_the_answers_stream_names_its_run_reports_the_time_out()
    {
        var call = new OaiToolCall { Id = "call_1", Name = "Get-Date", Arguments = "{}" };
        var resent = 0;
        var runs = new FakeRuns
        {
            ToolOutputsContinueRun = false,
            Started = Stream(new[] { Updated(Run(OaiRunStatus.RequiresAction, "resp_1", call)) }),
            Submitted = new RunStart(Silent(), new Owner())
            {
                Reopen = _ => { resent++; return Task.FromResult(new RunStart(Silent(), new Owner())); },
            },
        };
        var tools = new FakeTools();

        var result = new RunWaiter(runs.Adapter, new FakeWaitHost(), new WaitOptions { Tools = tools, TimeoutSec = 1 }, Fast)
            .StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.True(result.TimedOut);
        Assert.Equal("resp_1", result.Run.Id);
        Assert.Equal(0, resent);
        Assert.Equal(new[] { "call_1" }, tools.Answered);
    }

    /// <summary>A stream that says nothing until the wait gives up on it.</summary>
    private static async IAsyncEnumerable<RunEvent> Silent([EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Delay(Timeout.Infinite, ct);
        yield break;
    }

    /// <summary>Submit-OaiToolOutput -Wait: the same rule for answers the user submitted (v2: the run is read again, the answers are not sent again).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void After_Submit_OaiToolOutput_a_stream_broken_before_its_first_event_sends_the_answers_again_only_where_they_start_a_new_run(bool continues)
    {
        var call = new OaiToolCall { Id = "call_1", Name = "Get-Date", Arguments = "{}" };
        var asked = Run(OaiRunStatus.RequiresAction, "run_1", call);
        var resent = 0;
        var runs = new FakeRuns { ToolOutputsContinueRun = continues };
        runs.Polls.Enqueue(asked);
        runs.Polls.Enqueue(Run(OaiRunStatus.Completed));
        var broken = Stream(Array.Empty<RunEvent>(), breakOff: true, reopen: _ =>
        {
            resent++;
            return Task.FromResult(Stream(new[] { Updated(Run(OaiRunStatus.Completed, "run_2")) }));
        });

        var result = new RunWaiter(runs.Adapter, new FakeWaitHost(), new WaitOptions(), Fast).FollowAnswered(asked, new[] { "call_1" }, broken);

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        if (continues)
        {
            Assert.Equal(0, resent);
            Assert.Equal(new[] { "GetRun", "GetRun" }, runs.Calls);
        }
        else
        {
            Assert.Equal(1, resent);
            Assert.Empty(runs.Calls);
        }
    }

    [Fact]
    public void Without_tools_a_wait_returns_the_run_at_requires_action()
    {
        var call = new OaiToolCall { Id = "call_1", Name = "Get-Date" };
        var runs = new FakeRuns { Started = Stream(new[] { Updated(Run(OaiRunStatus.RequiresAction, "run_1", call)) }) };

        var result = new RunWaiter(runs.Adapter, new FakeWaitHost(), new WaitOptions(), Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.RequiresAction, result.Run.Status);
        Assert.Equal(new[] { "StartRunStream" }, runs.Calls);
    }

    [Fact]
    public void A_wait_that_runs_out_of_time_returns_the_run_as_last_seen()
    {
        var runs = new FakeRuns { PollForever = Run(OaiRunStatus.InProgress) };
        var host = new FakeWaitHost { Streaming = false };

        var result = new RunWaiter(runs.Adapter, host, new WaitOptions { TimeoutSec = 1 }, Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.True(result.TimedOut);
        Assert.Equal(OaiRunStatus.InProgress, result.Run.Status);
        Assert.Contains("GetRun", runs.Calls);
    }

    [Fact]
    public void Polls_that_keep_failing_end_the_wait_with_the_last_error()
    {
        var runs = new FakeRuns { PollError = new OaiApiException(OaiErrorKind.Server, "boom") { StatusCode = 500 } };
        var host = new FakeWaitHost { Streaming = false };

        var ex = Assert.Throws<OaiApiException>(() =>
            new RunWaiter(runs.Adapter, host, new WaitOptions(), Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" }));

        Assert.Equal("boom", ex.Message);
        Assert.Equal(Fast.MaxFailedPolls, runs.Calls.Count(c => c == "GetRun"));
        Assert.Equal(Fast.MaxFailedPolls - 1, host.Verbose.Count(v => v.Contains("still waiting", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Ctrl_C_cancels_the_run_on_the_server_unless_told_not_to(bool cancelOnStop)
    {
        var host = new FakeWaitHost { Streaming = false };
        var runs = new FakeRuns { PollForever = Run(OaiRunStatus.InProgress), OnPoll = host.Stop };

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new RunWaiter(runs.Adapter, host, new WaitOptions { CancelOnStop = cancelOnStop }, Fast).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" }));

        Assert.Equal(cancelOnStop, runs.Calls.Contains("CancelRun"));
    }

    [Fact]
    public void A_run_already_ended_is_returned_without_a_request()
    {
        var runs = new FakeRuns();

        var result = new RunWaiter(runs.Adapter, new FakeWaitHost(), new WaitOptions(), Fast).FollowExisting(Run(OaiRunStatus.Completed));

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.Empty(runs.Calls);
    }

    private sealed class FakeTools : IToolAnswerer
    {
        public List<string> Answered { get; } = new();

        public IReadOnlyList<ToolOutput> Answer(OaiRun run, IEnumerable<OaiToolCall> calls) =>
            calls.Select(c => { Answered.Add(c.Id); return new ToolOutput(c.Id, "answer to " + c.Id); }).ToList();
    }

    /// <summary>
    /// The adapter calls a wait makes, recorded by name. The adapter itself is a proxy that forwards each call to
    /// the method of the same name here, so members added to IProtocolAdapter later need no change to this fake.
    /// </summary>
    internal sealed class FakeRuns
    {
        public FakeRuns() => Adapter = AdapterProxy.For(this);

        public IProtocolAdapter Adapter { get; }
        public List<string> Calls { get; } = new();
        public RunStart? Started { get; set; }

        /// <summary>Queues the answer to the next SubmitToolOutputs (each submission takes the next one).</summary>
        public RunStart? Submitted { set { if (value is not null) Submits.Enqueue(value); } }

        public Queue<RunStart> Submits { get; } = new();

        /// <summary>Assistants v2 answers: tool outputs continue the same run; Responses (false) starts a new one.</summary>
        public bool ToolOutputsContinueRun { get; set; } = true;
        public Queue<RunStart?> Resumes { get; } = new();
        public List<long?> ResumedAfter { get; } = new();
        public Queue<OaiRun> Polls { get; } = new();
        public OaiRun? PollForever { get; set; }
        public OaiApiException? PollError { get; set; }
        public Action? OnPoll { get; set; }
        public List<OaiMessage> Messages { get; } = new();
        public List<IReadOnlyList<ToolOutput>> SubmittedOutputs { get; } = new();

        public Task<OaiRun> CreateRunAsync(string threadId, RunCreateOptions options, CancellationToken ct)
        {
            Calls.Add("CreateRun");
            return Task.FromResult(Run(OaiRunStatus.Queued));
        }

        public Task<RunStart> StartRunStreamAsync(string threadId, RunCreateOptions options, CancellationToken ct)
        {
            Calls.Add("StartRunStream");
            return Task.FromResult(Started ?? throw new InvalidOperationException("no stream set"));
        }

        public Task<RunStart?> ResumeRunStreamAsync(OaiRun run, long? afterSequence, CancellationToken ct)
        {
            Calls.Add("ResumeRunStream");
            ResumedAfter.Add(afterSequence);
            return Task.FromResult(Resumes.Count > 0 ? Resumes.Dequeue() : null);
        }

        public Task<OaiRun> GetRunAsync(string threadId, string runId, CancellationToken ct)
        {
            Calls.Add("GetRun");
            OnPoll?.Invoke();
            if (PollError is { } error) throw error;
            return Task.FromResult(Polls.Count > 0 ? Polls.Dequeue() : PollForever ?? throw new InvalidOperationException("no poll answer set"));
        }

        public Task<RunStart> SubmitToolOutputsAsync(OaiRun run, IReadOnlyList<ToolOutput> outputs, bool stream, CancellationToken ct)
        {
            Calls.Add("SubmitToolOutputs");
            SubmittedOutputs.Add(outputs);
            return Task.FromResult(Submits.Count > 0 ? Submits.Dequeue() : throw new InvalidOperationException("no submit answer set"));
        }

        public Task<OaiRun> CancelRunAsync(string threadId, string runId, CancellationToken ct)
        {
            Calls.Add("CancelRun");
            return Task.FromResult(Run(OaiRunStatus.Cancelled));
        }

        public IAsyncEnumerable<OaiMessage> ListMessagesAsync(string threadId, string? runId, ListOptions options, CancellationToken ct)
        {
            Calls.Add("ListMessages");
            return Each(Messages);
        }

        private static async IAsyncEnumerable<OaiMessage> Each(List<OaiMessage> messages)
        {
            foreach (var m in messages)
            {
                await Task.Yield();
                yield return m;
            }
        }
    }

    /// <summary>Forwards IProtocolAdapter calls to the target's method of the same name and parameters; anything else is not part of a wait.</summary>
    public class AdapterProxy : DispatchProxy
    {
        private object _target = null!;

        internal static IProtocolAdapter For(object target)
        {
            var proxy = Create<IProtocolAdapter, AdapterProxy>();
            ((AdapterProxy)(object)proxy)._target = target;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            var parameters = method!.GetParameters().Select(p => p.ParameterType).ToArray();
            var own = _target.GetType().GetMethod(method.Name, parameters)
                ?? throw new NotSupportedException($"The fake adapter has no {method.Name}: a wait should not call it.");
            try
            {
                return own.Invoke(_target, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }
    }
}

/// <summary>The host a cmdlet would be: Await blocks on the task; the streams are recorded.</summary>
internal sealed class FakeWaitHost : IWaitHost
{
    private readonly CancellationTokenSource _stop = new();

    public CancellationToken StopToken => _stop.Token;
    public bool Streaming { get; init; } = true;
    public int MaxRetries { get; init; } = 2;
    public string Printed { get; private set; } = "";

    /// <summary>Each write to the host, in order: what was written by the time a piece of text was handed over.</summary>
    public List<string> Writes { get; } = new();
    public List<string> Verbose { get; } = new();
    public bool ProgressCompleted { get; private set; }

    public void Stop() => _stop.Cancel();

    public T Await<T>(Func<CancellationToken, Task<T>> operation) => operation(_stop.Token).GetAwaiter().GetResult();

    public void WriteVerbose(string text) => Verbose.Add(text);

    public void WriteHostText(string text)
    {
        Printed += text;
        Writes.Add(text);
    }

    public void ShowProgress(OaiRun run, TimeSpan elapsed)
    {
    }

    public void CompleteProgress() => ProgressCompleted = true;
}
