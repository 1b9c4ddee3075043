using Xunit;

namespace PSAssistants.Tests;

/// <summary>OaiObject: an object keeps the session that made it, and hands it to the parts that travel alone.</summary>
public class RememberedSessionTests
{
    [Fact]
    public void The_first_session_wins_so_passing_an_object_on_never_rehomes_it()
    {
        var (a, b) = (T.Session(project: "a"), T.Session(project: "b"));
        var thread = new OaiThread { Id = "thread_1" };
        Assert.Null(thread.Session);
        thread.Remember(a);
        thread.Remember(b);
        Assert.Same(a, thread.Session);
    }

    [Fact]
    public void A_messages_parts_and_a_runs_tool_calls_remember_it_with_them()
    {
        var s = T.Session();
        var annotation = new OaiMessageAnnotation("file_path") { FileId = "file-1" };
        var part = new OaiMessageContent("text") { Text = "x", Annotations = new[] { annotation } };
        var message = new OaiMessage { Id = "msg_1", Content = new[] { part } };
        message.Remember(s);
        Assert.Same(s, part.Session);
        Assert.Same(s, annotation.Session);

        var call = new OaiToolCall { Id = "call_1" };
        var run = new OaiRun { Id = "run_1", RequiredAction = new OaiRequiredAction { ToolCalls = new[] { call } } };
        run.Remember(s);
        Assert.Same(s, call.Session);

        var stepCall = new OaiToolCall { Id = "call_2" };
        new OaiRunStep { Id = "step_1", ToolCalls = new[] { stepCall } }.Remember(s);
        Assert.Same(s, stepCall.Session);
    }

    [Fact]
    public void A_run_without_a_required_action_is_stamped_without_failing() =>
        new OaiRun { Id = "run_2" }.Remember(T.Session());
}
