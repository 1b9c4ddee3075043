using PSAssistants.Client;
using PSAssistants.Commands.Waiting;
using PSAssistants.Protocols;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// -Stream's printer: a session's API key the model repeats is masked even when the stream splits it across
/// pieces, and ordinary text still goes out piece by piece (checked by the order of the host's writes).
/// </summary>
public class RunTextPrinterTests
{
    /// <summary>The API key of a session made here: registered as every session's key is.</summary>
    private const string Key = "pins-Zq7-SECRET-4242";

    public RunTextPrinterTests()
    {
        _ = T.Create(new() { ApiKey = OaiSessions.ToSecureString(Key), BaseUri = T.Base, Protocol = OaiProtocol.Assistants });
        Assert.True(OaiSecrets.Contains("x " + Key), "the session did not register its key");
    }

    private static void AssertNoKeyPart(FakeWaitHost host) =>
        Assert.All(host.Writes, w => Assert.DoesNotContain("pins-", w, StringComparison.Ordinal));

    [Fact]
    public void A_key_split_across_two_pieces_is_masked_and_the_text_before_it_is_written_at_once()
    {
        var host = new FakeWaitHost();
        var printer = new RunTextPrinter(host);

        printer.Print("msg_1", "Your key is pins-Zq7-SE");
        Assert.Equal(new[] { "Your key is " }, host.Writes);
        printer.Print("msg_1", "CRET-4242. Keep it safe. ");
        printer.EndMessage("msg_1");

        Assert.Equal("Your key is ***. Keep it safe. \n", host.Printed);
        AssertNoKeyPart(host);
    }

    [Fact]
    public void A_key_split_across_three_pieces_is_masked_and_only_its_possible_start_waits()
    {
        var host = new FakeWaitHost();
        var printer = new RunTextPrinter(host);

        printer.Print("msg_1", "Here: pin");
        Assert.Equal(new[] { "Here: " }, host.Writes);
        printer.Print("msg_1", "s-Zq7-SECR");
        Assert.Equal(new[] { "Here: " }, host.Writes); // all of it could still be the key
        printer.Print("msg_1", "ET-4242 done.");
        Assert.Equal(new[] { "Here: ", "*** done." }, host.Writes);
        printer.EndMessage("msg_1");

        Assert.Equal("Here: *** done.\n", host.Printed);
        AssertNoKeyPart(host);
    }

    [Fact]
    public void Ordinary_text_is_written_piece_by_piece_as_it_arrives()
    {
        var host = new FakeWaitHost();
        var printer = new RunTextPrinter(host);

        printer.Print("msg_1", "Hello, ");
        Assert.Equal(new[] { "Hello, " }, host.Writes);
        printer.Print("msg_1", "world. ");
        Assert.Equal(new[] { "Hello, ", "world. " }, host.Writes);
        printer.Print("msg_1", "x = 1.");
        Assert.Equal(new[] { "Hello, ", "world. ", "x = 1." }, host.Writes);
    }

    [Fact]
    public void An_end_that_only_looked_like_the_start_of_a_key_is_written_when_its_message_ends()
    {
        var host = new FakeWaitHost();
        var printer = new RunTextPrinter(host);

        printer.Print("msg_1", "It ends in pins-Zq");
        Assert.Equal(new[] { "It ends in " }, host.Writes);
        printer.Print("msg_2", "Next.");
        printer.EndMessage("msg_2");
        printer.Print("msg_3", "Last pins-");
        printer.EndLine();

        Assert.Equal(new[] { "It ends in ", "pins-Zq", "Next.", "\n", "Last ", "pins-", "\n" }, host.Writes);
    }

    [Fact]
    public void A_stream_broken_inside_a_key_prints_the_rest_from_the_servers_masked_text_once()
    {
        var runs = new RunWaiterTests.FakeRuns
        {
            Started = Stream(new[]
            {
                new RunEvent(RunEventKind.RunUpdated, Run: Run(OaiRunStatus.InProgress), Sequence: 1),
                new RunEvent(RunEventKind.TextDelta, MessageId: "msg_1", Text: "Key: pins-Zq7", Sequence: 2),
            }),
        };
        runs.Polls.Enqueue(Run(OaiRunStatus.Completed));
        // What the adapter gives: the message's text with the key masked whole.
        runs.Messages.Add(new OaiMessage { Id = "msg_1", ThreadId = "thread_1", Role = "assistant", Text = "Key: *** end" });
        var host = new FakeWaitHost { Streaming = true };

        var result = new RunWaiter(runs.Adapter, host, new WaitOptions { Print = true },
            new WaitTimings { FirstPoll = TimeSpan.FromMilliseconds(1), MaxPollInterval = TimeSpan.FromMilliseconds(2) })
            .StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal(OaiRunStatus.Completed, result.Run.Status);
        Assert.Equal("Key: *** end\n", host.Printed);
        AssertNoKeyPart(host);
    }

    [Fact]
    public void A_streamed_run_masks_a_key_split_across_its_text_deltas()
    {
        var runs = new RunWaiterTests.FakeRuns
        {
            Started = Stream(new[]
            {
                new RunEvent(RunEventKind.RunUpdated, Run: Run(OaiRunStatus.InProgress)),
                new RunEvent(RunEventKind.TextDelta, MessageId: "msg_1", Text: "The key: pi"),
                new RunEvent(RunEventKind.TextDelta, MessageId: "msg_1", Text: "ns-Zq7-"),
                new RunEvent(RunEventKind.TextDelta, MessageId: "msg_1", Text: "SECRET-4242!"),
                new RunEvent(RunEventKind.MessageDone, MessageId: "msg_1"),
                new RunEvent(RunEventKind.RunUpdated, Run: Run(OaiRunStatus.Completed)),
            }),
        };
        var host = new FakeWaitHost();

        new RunWaiter(runs.Adapter, host, new WaitOptions { Print = true }).StartAndFollow("thread_1", new RunCreateOptions { AssistantId = "asst_1" });

        Assert.Equal("The key: ***!\n", host.Printed);
        AssertNoKeyPart(host);
        Assert.Equal(new[] { "StartRunStream" }, runs.Calls);
    }

    private static OaiRun Run(string status) => new() { Id = "run_1", ThreadId = "thread_1", AssistantId = "asst_1", Status = status };

    private static RunStart Stream(IEnumerable<RunEvent> events, bool breakOff = true) => new(Events(events, breakOff), new Nothing());

    private static async IAsyncEnumerable<RunEvent> Events(IEnumerable<RunEvent> events, bool breakOff)
    {
        foreach (var e in events)
        {
            await Task.Yield();
            yield return e;
        }
        if (breakOff && !events.Any(e => e.Run?.IsTerminal == true)) throw new OaiApiException(OaiErrorKind.Connection, "connection reset");
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
