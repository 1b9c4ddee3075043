using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Creates an assistant: a model with instructions and tools.</summary>
[Cmdlet(VerbsCommon.New, "OaiAssistant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ModelSet)]
[OutputType(typeof(OaiAssistant))]
public sealed class NewOaiAssistantCommand : OaiApiCmdlet
{
    private const string ModelSet = "Model";
    private const string PromptSet = "Prompt";

    [Parameter(Position = 0)]
    [ValidateLength(1, 256)]
    public string? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ModelSet)]
    [Parameter(ParameterSetName = PromptSet)]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>A prompt stored in the dashboard (pmpt_...), sent as prompt {id, version}. Responses only.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PromptSet)]
    [ValidateNotNullOrEmpty]
    public string? PromptId { get; set; }

    [Parameter(ParameterSetName = PromptSet)]
    [ValidateNotNullOrEmpty]
    public string? PromptVersion { get; set; }

    [Parameter]
    [ValidateLength(0, 256000)]
    public string? Instructions { get; set; }

    [Parameter]
    [ValidateLength(0, 512)]
    public string? Description { get; set; }

    /// <summary>Tools by name (code_interpreter, file_search) or as OaiTool objects.</summary>
    [Parameter]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ToolNameCompleter))]
    public object[]? Tool { get; set; }

    /// <summary>PowerShell commands (CommandInfo objects or names) the assistant may call as function tools.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Function { get; set; }

    /// <summary>Files (ids or OaiFile objects) the code_interpreter tool may read; adds the tool when -Tool does not name it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CodeInterpreterFileId { get; set; }

    /// <summary>Vector stores (ids or OaiVectorStore objects) the file_search tool searches; adds the tool when -Tool does not name it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? VectorStoreId { get; set; }

    [Parameter]
    public Hashtable? Metadata { get; set; }

    [Parameter]
    [ValidateRange(0.0, 2.0)]
    public double? Temperature { get; set; }

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double? TopP { get; set; }

    protected override void ProcessItem()
    {
        var options = new AssistantCreateOptions
        {
            Model = Model,
            PromptId = PromptId is null ? null : Client.OaiId.Check(PromptId, "prompt"),
            PromptVersion = PromptVersion,
            Name = Name,
            Description = Description,
            Instructions = Instructions,
            Tools = FileToolResources.Apply(ToolNameCompleter.ToTools(Tool).Concat(FunctionTools()).ToList(), CodeInterpreterFileId, VectorStoreId),
            Metadata = OaiMetadata.FromHashtable(Metadata),
            Temperature = Temperature,
            TopP = TopP,
        };
        if (!ShouldProcess(Name ?? Model ?? PromptId, "Create assistant")) return;
        var adapter = Adapter;
        var created = Await(ct => adapter.CreateAssistantAsync(options, ct));
        // The server keeps a tool's name and schema; the command behind it stays in this process.
        ToolHandlers.Register(created, options.Tools);
        created.Tools = created.Tools.Select(t => t.Handler is null && options.Tools.FirstOrDefault(o => o.Handler is not null && o.Name == t.Name) is { } local
            ? new OaiTool(t.Type) { Name = t.Name, Description = t.Description, ParametersJson = t.ParametersJson, Strict = t.Strict, Handler = local.Handler }
            : t).ToArray();
        Emit(created);
    }

    private IEnumerable<OaiTool> FunctionTools() => FunctionTools(Function, this);

    /// <summary>The tools of -Function: commands (Get-Command output) or command names.</summary>
    internal static IEnumerable<OaiTool> FunctionTools(object[]? functions, PSCmdlet context)
    {
        foreach (var item in functions ?? Array.Empty<object>())
        {
            var command = InputResolver.Unwrap(item) switch
            {
                CommandInfo c => c,
                string name => context.InvokeCommand.GetCommand(name, CommandTypes.Function | CommandTypes.Cmdlet | CommandTypes.ExternalScript)
                    ?? throw new ArgumentException($"There is no command '{name}' to hand over as a function tool."),
                _ => throw new ArgumentException($"-Function takes commands (Get-Command output) or command names, not '{item}'."),
            };
            yield return FunctionToolFactory.FromCommand(command, context);
        }
    }
}

/// <summary>Completes and converts the built-in tool names.</summary>
public sealed class ToolNameCompleter : IArgumentCompleter
{
    internal static readonly string[] BuiltIn = { "code_interpreter", "file_search" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters) =>
        BuiltIn.Where(n => n.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
               .Select(n => new CompletionResult(n));

    internal static IReadOnlyList<OaiTool> ToTools(object[]? tools)
    {
        if (tools is null) return Array.Empty<OaiTool>();
        var result = new List<OaiTool>(tools.Length);
        foreach (var item in tools)
        {
            switch (InputResolver.Unwrap(item))
            {
                case OaiTool t:
                    result.Add(t);
                    break;
                case string s when BuiltIn.Contains(s, StringComparer.OrdinalIgnoreCase):
                    result.Add(new OaiTool(s.ToLowerInvariant()));
                    break;
                default:
                    throw new ArgumentException($"'{item}' is not a tool: use {string.Join(" or ", BuiltIn)}, or a tool object.");
            }
        }
        return result;
    }
}
