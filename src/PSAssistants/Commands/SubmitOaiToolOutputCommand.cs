using System.Collections;
using System.Management.Automation;
using PSAssistants.Client;
using PSAssistants.Commands.Waiting;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>
/// Answers the tool calls of a run in requires_action, for scripts that answer them themselves
/// (Start-OaiRun -NoAutoTool), and approves or denies its MCP approval requests. All calls and requests of the
/// run are answered in one request.
/// </summary>
[Cmdlet(VerbsLifecycle.Submit, "OaiToolOutput", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiRun))]
public sealed class SubmitOaiToolOutputCommand : OaiApiCmdlet
{
    /// <summary>The run in requires_action.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public OaiRun Run { get; set; } = null!;

    /// <summary>The answers: tool call id → output (text as it is, anything else as JSON).</summary>
    [Parameter(Position = 0)]
    [ValidateNotNull]
    public Hashtable? ToolOutput { get; set; }

    /// <summary>MCP approval requests to approve: their ids, or the tool call objects of the run's RequiredAction.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Approve { get; set; }

    /// <summary>MCP approval requests to deny: their ids, or the tool call objects.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Deny { get; set; }

    /// <summary>Follows the run to its end, as Start-OaiRun -Wait does (tool calls of later rounds are returned, not answered).</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait: the longest to wait, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    /// <summary>With -Wait: leaves the run going on the server when stopped with Ctrl+C (by default it is cancelled).</summary>
    [Parameter]
    public SwitchParameter NoCancelOnStop { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var calls = Run.RequiredAction?.ToolCalls ?? Array.Empty<OaiToolCall>();
        if (calls.Count == 0)
            throw new OaiArgumentException($"Run {Run.Id} is '{Run.Status}' and asks for no tool output.");
        var answers = ToolOutput ?? new Hashtable();
        var approve = Ids(Approve);
        var deny = Ids(Deny);
        if (approve.Intersect(deny, StringComparer.Ordinal).FirstOrDefault() is { } both)
            throw new OaiArgumentException($"{both} is both approved and denied.");
        var outputs = new List<ToolOutput>();
        foreach (var call in calls)
        {
            if (call.IsApprovalRequest)
            {
                // Only what the user names is approved; a request left out is an error, never a silent yes or no.
                if (approve.Contains(call.Id)) outputs.Add(new ToolOutput(call.Id, "") { Approve = true });
                else if (deny.Contains(call.Id)) outputs.Add(new ToolOutput(call.Id, "") { Approve = false });
                else throw new OaiArgumentException($"MCP approval request {call.Id} ({call.ServerLabel}/{call.Name}) is neither in -Approve nor in -Deny; all requests of a run are answered together.");
                continue;
            }
            var entry = answers.Keys.Cast<object>().FirstOrDefault(k => string.Equals(k?.ToString(), call.Id, StringComparison.Ordinal));
            if (entry is null)
                throw new OaiArgumentException($"-ToolOutput has no answer for tool call {call.Id} ({call.Name}); all calls of a run are answered together.");
            outputs.Add(new ToolOutput(call.Id, AsText(answers[entry])));
        }
        var unknown = answers.Keys.Cast<object>().Select(k => k?.ToString())
            .Where(k => calls.All(c => c.Id != k || c.IsApprovalRequest))
            .Concat(approve.Concat(deny).Where(id => calls.All(c => c.Id != id || !c.IsApprovalRequest))).ToList();
        if (unknown.Count > 0) throw new OaiArgumentException($"Run {Run.Id} has no tool call or approval request {string.Join(", ", unknown)} to answer that way.");

        if (!ShouldProcess(Run.Id, $"Submit {outputs.Count} tool output(s)")) return;
        var adapter = Adapter;
        var run = Run;
        if (Wait)
        {
            var stream = CurrentSession.Streaming;
            var start = Await(ct => adapter.SubmitToolOutputsAsync(run, outputs, stream, ct));
            Emit(FollowAnswered(run, outputs, start, new WaitOptions { TimeoutSec = TimeoutSec, CancelOnStop = !NoCancelOnStop }));
            return;
        }
        var started = Await(ct => adapter.SubmitToolOutputsAsync(run, outputs, stream: false, ct));
        Emit(started.Run);
    }

    private static HashSet<string> Ids(object[]? items) => (items ?? Array.Empty<object>())
        .Select(i => InputResolver.Unwrap(i) switch
        {
            OaiToolCall c => c.Id,
            string s when s.Length > 0 => s,
            var other => throw new OaiArgumentException($"-Approve and -Deny take approval request ids or tool call objects, not '{other}'."),
        }).ToHashSet(StringComparer.Ordinal);

    private string AsText(object? value) => InputResolver.Unwrap(value) switch
    {
        null => "",
        string s => s,
        var other => InvokeCommand.InvokeScript(true, ScriptBlock.Create("param($v) ConvertTo-Json -InputObject $v -Depth 5 -Compress -WarningAction Ignore"), null, other)
            .FirstOrDefault()?.ToString() ?? "",
    };
}
