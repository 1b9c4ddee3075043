using PSAssistants.Protocols.Responses;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// What a Responses session remembers of messages, for the fields a conversation item does not carry
/// (CreatedAt, RunId, AssistantId): filled only where the session saw the message, never guessed.
/// </summary>
public class MessageRecordsTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static OaiMessage Message(string id, string role, string thread = "conv_1") =>
        new() { Id = id, Role = role, ThreadId = thread };

    [Fact]
    public void A_reply_of_a_response_gets_its_run_assistant_and_time()
    {
        var records = new MessageRecords();
        records.LearnResponse("resp_1", "asst_local_a", T0, new[] { "msg_reply" });
        var m = Message("msg_reply", "assistant");
        records.Fill(m, null);
        Assert.Equal("resp_1", m.RunId);
        Assert.Equal("asst_local_a", m.AssistantId);
        Assert.Equal(T0, m.CreatedAt);
    }

    [Fact]
    public void A_user_message_never_gets_an_assistant()
    {
        var records = new MessageRecords();
        records.LearnResponse("resp_1", "asst_local_a", T0, new[] { "msg_odd" });
        var m = Message("msg_odd", "user");
        records.Fill(m, null);
        Assert.Null(m.AssistantId);
    }

    [Fact]
    public void An_added_message_gets_its_time_and_no_run()
    {
        var records = new MessageRecords();
        records.LearnAdded("msg_q", T0);
        var m = Message("msg_q", "user");
        records.Fill(m, null);
        Assert.Equal(T0, m.CreatedAt);
        Assert.Null(m.RunId);
    }

    [Fact]
    public void The_first_messages_of_a_thread_share_its_time_only_when_their_position_is_known()
    {
        var records = new MessageRecords();
        records.LearnThreadStart("conv_1", T0, 2);
        var first = Message("msg_1", "user");
        var second = Message("msg_2", "user");
        var third = Message("msg_3", "user");
        var unknown = Message("msg_4", "user");
        records.Fill(first, 0);
        records.Fill(second, 1);
        records.Fill(third, 2);
        records.Fill(unknown, null);
        Assert.Equal(T0, first.CreatedAt);
        Assert.Equal(T0, second.CreatedAt);
        Assert.Null(third.CreatedAt);
        Assert.Null(unknown.CreatedAt);
    }

    [Fact]
    public void What_the_wire_told_is_not_overwritten()
    {
        var records = new MessageRecords();
        records.LearnResponse("resp_1", "asst_local_a", T0, new[] { "msg_r" });
        var m = new OaiMessage { Id = "msg_r", Role = "assistant", ThreadId = "conv_1", RunId = "resp_2", CreatedAt = T0.AddSeconds(5) };
        records.Fill(m, null);
        Assert.Equal("resp_2", m.RunId);
        Assert.Equal(T0.AddSeconds(5), m.CreatedAt);
    }

    [Fact]
    public void It_forgets_the_oldest_beyond_its_capacity()
    {
        var records = new MessageRecords();
        for (var i = 0; i <= 10_000; i++) records.LearnAdded("msg_" + i, T0);
        var oldest = Message("msg_0", "user");
        var newest = Message("msg_10000", "user");
        records.Fill(oldest, null);
        records.Fill(newest, null);
        Assert.Null(oldest.CreatedAt);
        Assert.Equal(T0, newest.CreatedAt);
    }
}
