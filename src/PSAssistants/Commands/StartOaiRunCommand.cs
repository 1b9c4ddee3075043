using System.Collections;
using System.Management.Automation;
using PSAssistants.Client;
using PSAssistants.Commands.Waiting;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Starts a run of an assistant on a thread; -Wait returns it once it has ended.</summary>
[Cmdlet(VerbsLifecycle.Start, "OaiRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ThreadSet)]
[OutputType(typeof(OaiRun))]
public sealed partial class StartOaiRunCommand : MessageInputCmdlet
{
    private const string ThreadSet = "Thread";
    private const string NewThreadSet = "NewThread";

    /// <summary>A thread id, or an object that carries one (thread, message, run).</summary>
    // Not positional, so that `$thread | Start-OaiRun $assistant` binds the assistant to -Assistant.
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ThreadSet)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("ThreadId")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    /// <summary>Starts the run on a new thread that holds these user messages (create thread and run).</summary>
    [Parameter(Mandatory = true, ParameterSetName = NewThreadSet)]
    [ValidateNotNullOrEmpty]
    public string[] Message { get; set; } = Array.Empty<string>();

    /// <summary>An assistant object, id, or name (of exactly one assistant of the session).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(AssistantIdCompleter))]
    [Alias("AssistantId")]
    [ValidateNotNull]
    public object Assistant { get; set; } = null!;

    /// <summary>Replaces the assistant's instructions for this run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Instructions { get; set; }

    /// <summary>Appended to the instructions for this run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AdditionalInstructions { get; set; }

    /// <summary>The model for this run, instead of the assistant's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>Up to 16 key-value pairs to store with the run.</summary>
    [Parameter]
    public Hashtable? Metadata { get; set; }

    /// <summary>Returns the run once it has ended (or requires action), following its event stream when the server streams.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Writes the assistant's text to the host as it arrives, then returns the run as -Wait does.</summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>With -Wait or -Stream: the longest to wait, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSec { get; set; }

    /// <summary>
    /// With -Wait or -Stream and threads from the pipeline: how many runs go at once. Each run starts as its
    /// thread arrives; the runs are written in input order.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int ThrottleLimit { get; set; } = 5;

    /// <summary>Leaves the run going on the server when the wait is stopped with Ctrl+C (by default it is cancelled).</summary>
    [Parameter]
    public SwitchParameter NoCancelOnStop { get; set; }

    /// <summary>Answers for tool calls by function name, overriding the assistant's: @{ name = { param($arguments) ... } }.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? ToolHandler { get; set; }

    /// <summary>Returns the run at requires_action instead of answering its tool calls.</summary>
    [Parameter]
    public SwitchParameter NoAutoTool { get; set; }

    /// <summary>Tools for this run instead of the assistant's: names (code_interpreter, web_search, ...) or tool objects (New-OaiTool).</summary>
    [Parameter]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ToolNameCompleter))]
    public object[]? Tool { get; set; }

    /// <summary>
    /// MCP tools whose calls -Wait approves: a tool name, or server_label/name. Any other approval request returns
    /// the run at requires_action; nothing is approved unless named here.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ApproveMcpTool { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var threadId = ParameterSetName == ThreadSet ? InputResolver.ThreadId(Thread) : null;
        var (assistantId, assistant) = ResolveAssistant(Assistant);
        var options = new RunCreateOptions
        {
            AssistantId = assistantId,
            Assistant = assistant,
            Model = Model,
            Instructions = Instructions,
            AdditionalInstructions = AdditionalInstructions,
            Metadata = OaiMetadata.FromHashtable(Metadata),
            Tools = Tool is null ? null : ToolNameCompleter.ToTools(Tool),
        };
        if (HasMessageInputs && threadId is not null)
            throw new OaiArgumentException("-ImagePath, -ImageUrl and -FilePath go with -Message (a new thread); add them to an existing thread with Add-OaiMessage.");
        if (ApproveMcpTool is not null && !(Wait || Stream))
            throw new OaiArgumentException("-ApproveMcpTool approves calls during -Wait or -Stream; without them, answer with Submit-OaiToolOutput -Approve.");
        var inputs = ResolveMessageInputs();
        if (!ShouldProcess(threadId ?? "a new thread", $"Start run of assistant {options.AssistantId}")) return;
        var adapter = Adapter;
        var follow = Wait || Stream;
        var wait = new WaitOptions
        {
            TimeoutSec = TimeoutSec,
            Print = Stream,
            CancelOnStop = !NoCancelOnStop,
            Tools = NoAutoTool ? null : NewToolAnswerer(ToolHandler, assistant),
            ApproveMcpTools = ApproveMcpTool,
        };
        if (threadId is null)
        {
            var thread = new ThreadCreateOptions
            {
                Messages = Message.Select(m => string.IsNullOrWhiteSpace(m)
                    ? throw new OaiArgumentException("-Message holds an empty message.")
                    : new MessageCreateOptions { Content = m }).ToList(),
            };
            var stream = follow && CurrentSession.Streaming;
            var start = WithUploads(uploaded =>
            {
                var withInputs = HasMessageInputs ? NewOaiThreadCommand.WithLastMessage(thread, WithInputs(thread.Messages[^1], inputs, uploaded)) : thread;
                return Await(ct => adapter.CreateThreadAndRunAsync(withInputs, options, stream, ct));
            });
            Emit(follow ? FollowStarted(start, wait) : start.Run);
            return;
        }
        if (follow)
        {
            StartQueued(threadId, options, wait);
            return;
        }
        Emit(Await(ct => adapter.CreateRunAsync(threadId, options, ct)));
    }
}
