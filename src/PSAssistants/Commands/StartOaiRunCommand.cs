using System.Collections;
using System.Management.Automation;
using PSAssistants.Client;
using PSAssistants.Commands.Waiting;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Starts a run of an assistant on a thread; -Wait returns it once it has ended.</summary>
[Cmdlet(VerbsLifecycle.Start, "OaiRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ThreadSet)]
[OutputType(typeof(OaiRun))]
public sealed partial class StartOaiRunCommand : MessageInputCmdlet, IDynamicParameters
{
    private readonly RunSettingsParameters _runParameters = new();

    /// <summary>The run settings (-ReasoningEffort, -MaxOutputTokens, -JsonSchema, ...), shared with New-OaiAssistant.</summary>
    public object GetDynamicParameters() => _runParameters;

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

    /// <summary>
    /// An assistant object, id, or name (of exactly one assistant of the session); without it, -Model answers a
    /// one-shot question (with -Wait or -Stream).
    /// </summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(AssistantIdCompleter))]
    [Alias("AssistantId")]
    [ValidateNotNull]
    public object? Assistant { get; set; }

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
    [ArgumentCompleter(typeof(ModelIdCompleter))]
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
        var settings = _runParameters.ToSettings(withSampling: true);
        if (HasMessageInputs && threadId is not null)
            throw new OaiArgumentException("-ImagePath, -ImageUrl and -FilePath go with -Message (a new thread); add them to an existing thread with Add-OaiMessage.");
        if (ApproveMcpTool is not null && !(Wait || Stream))
            throw new OaiArgumentException("-ApproveMcpTool approves calls during -Wait or -Stream; without them, answer with Submit-OaiToolOutput -Approve.");
        var adapter = Adapter;
        adapter.CheckRunSettings(settings);
        var follow = Wait || Stream;
        if (Assistant is null)
        {
            OneShot(threadId, settings, follow);
            return;
        }
        var (assistantId, assistant) = ResolveAssistant(Assistant);
        var options = RunOptions(assistantId, assistant, settings);
        if (!ShouldProcess(threadId ?? "a new thread", $"Start run of assistant {options.AssistantId}")) return;
        // Runs on threads from the pipeline are queued and written by the batch (StartOaiRunCommand.Batch.cs).
        var text = follow ? new System.Text.StringBuilder() : null;
        if (StartRun(threadId, options, assistant, follow, text, queue: true) is { } run)
            Emit(follow ? WithOutput(run, settings.Over(assistant?.RunSettings), text) : run);
    }

    /// <summary>The run this call asks for, of the assistant given (or made for it).</summary>
    private RunCreateOptions RunOptions(string assistantId, OaiAssistant? assistant, OaiRunSettings settings) => new()
    {
        AssistantId = assistantId,
        Assistant = assistant,
        Model = Model,
        Instructions = Instructions,
        AdditionalInstructions = AdditionalInstructions,
        Metadata = OaiMetadata.FromHashtable(Metadata),
        Settings = settings,
        Tools = Tool is null ? null : ToolNameCompleter.ToTools(Tool),
    };

    /// <summary>Starts the run (on a new thread with -Message) and, with -Wait or -Stream, follows it to its end.</summary>
    private OaiRun? StartRun(string? threadId, RunCreateOptions options, OaiAssistant? assistant, bool follow,
        System.Text.StringBuilder? text, bool queue)
    {
        var adapter = Adapter;
        var wait = new WaitOptions
        {
            TimeoutSec = TimeoutSec,
            Print = Stream,
            CancelOnStop = !NoCancelOnStop,
            Tools = NoAutoTool ? null : NewToolAnswerer(ToolHandler, assistant),
            ApproveMcpTools = ApproveMcpTool,
            Text = text,
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
            var inputs = ResolveMessageInputs();
            var start = WithUploads(uploaded =>
            {
                var withInputs = HasMessageInputs ? NewOaiThreadCommand.WithLastMessage(thread, WithInputs(thread.Messages[^1], inputs, uploaded)) : thread;
                return Await(ct => adapter.CreateThreadAndRunAsync(withInputs, options, stream, ct));
            });
            return follow ? FollowStarted(start, wait) : start.Run!;
        }
        if (follow && queue)
        {
            StartQueued(threadId, options, wait);
            return null;
        }
        if (follow) return StartAndFollow(threadId, options, wait);
        return Await(ct => adapter.CreateRunAsync(threadId, options, ct));
    }

    /// <summary>
    /// A question without an assistant: on Responses a definition made for this run and stored nowhere; on
    /// Assistants v2 a temporary assistant, removed afterwards whatever happens (failure, Ctrl+C included).
    /// </summary>
    private void OneShot(string? threadId, OaiRunSettings settings, bool follow)
    {
        if (string.IsNullOrEmpty(Model))
            throw new PSAssistants.Client.OaiArgumentException("Start-OaiRun needs -Assistant, or -Model for a question without one.");
        if (!follow)
            throw new PSAssistants.Client.OaiArgumentException("A run without -Assistant needs -Wait or -Stream: its assistant exists only while the run is followed.");
        if (!ShouldProcess(threadId ?? "a new thread", $"Start a run of model {Model}")) return;
        var adapter = Adapter;
        OaiAssistant assistant;
        if (adapter.AssistantsAreLocal)
        {
            assistant = new OaiAssistant { Id = Protocols.Responses.AssistantStore.NewId(), Model = Model, Name = "one-shot" };
        }
        else
        {
            var temporary = new AssistantCreateOptions
            {
                Model = Model,
                Name = "PSAssistants one-shot",
                Metadata = new Dictionary<string, string> { ["psassistants_temporary"] = "true" },
            };
            assistant = Await(ct => adapter.CreateAssistantAsync(temporary, ct));
        }
        try
        {
            // Not queued: the temporary assistant must outlive the wait, which ends before the finally below.
            var text = new System.Text.StringBuilder();
            Emit(WithOutput(StartRun(threadId, RunOptions(assistant.Id, assistant, settings), assistant, follow, text, queue: false)!, settings, text));
        }
        finally
        {
            if (!adapter.AssistantsAreLocal) RemoveTemporary(adapter, assistant.Id);
        }
    }

    /// <summary>Removes a temporary assistant with a token of its own, so that it goes even after Ctrl+C.</summary>
    private void RemoveTemporary(IProtocolAdapter adapter, string id)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            Task.Run(() => adapter.DeleteAssistantAsync(id, cts.Token)).Wait(cts.Token);
        }
        catch (Exception ex) when (ex is AggregateException or OperationCanceledException)
        {
            if (!StopToken.IsCancellationRequested)
                WriteWarning($"The temporary assistant {id} could not be removed ({ex.InnerException?.Message ?? ex.Message}); remove it with Remove-OaiAssistant.");
        }
    }

    /// <summary>
    /// Fills OutputText and, when the run asked for JSON, OutputObject, once the run has completed: from the
    /// response itself (Responses) or the streamed text, else from the run's messages (one request). A reply that
    /// does not fit the schema is OaiOutputInvalid, with the run and its text as the error's target.
    /// </summary>
    private OaiRun WithOutput(OaiRun run, OaiRunSettings settings, System.Text.StringBuilder? streamed)
    {
        if (run.Status != OaiRunStatus.Completed) return run;
        var text = run.OutputText;
        if (text is null && streamed is { Length: > 0 }) text = streamed.ToString().TrimEnd();
        if (text is null)
        {
            var adapter = Adapter;
            text = Await(async ct =>
            {
                var parts = new List<string>();
                await foreach (var m in adapter.ListMessagesAsync(run.ThreadId, run.Id, new ListOptions { Order = "asc" }, ct).ConfigureAwait(false))
                    if (m.Role == "assistant" && !string.IsNullOrEmpty(m.Text)) parts.Add(m.Text);
                return parts.Count == 0 ? null : string.Join("\n\n", parts);
            });
        }
        run.OutputText = text = OaiSecrets.RedactOrNull(text);
        var schema = settings.JsonSchema ?? run.SchemaJson;
        if (schema is null || text is null) return run;
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(text);
            if (Json.JsonSchemas.Mismatch(node, System.Text.Json.Nodes.JsonNode.Parse(schema)!.AsObject()) is { } mismatch)
                throw new FormatException($"it does not fit the schema: {mismatch}");
            run.OutputObject = settings.JsonSchema is not null && settings.SchemaType is { } type
                ? Json.JsonSchemas.ToInstance(node, type)
                : Json.JsonSchemas.ToPowerShell(node);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException)
        {
            var shown = text.Length > 200 ? text[..200] + "..." : text;
            WriteError(new ErrorRecord(
                new InvalidDataException($"Run {run.Id} completed, but its reply is not the JSON asked for ({ex.Message}). The text is kept in the run's OutputText: {shown}", ex),
                "OaiOutputInvalid", ErrorCategory.InvalidResult, run));
        }
        return run;
    }
}
