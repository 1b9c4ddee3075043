using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Creates an assistant: a model with instructions and tools.</summary>
[Cmdlet(VerbsCommon.New, "OaiAssistant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ModelSet)]
[OutputType(typeof(OaiAssistant))]
public sealed class NewOaiAssistantCommand : AssistantDefinitionCmdlet
{
    private const string ModelSet = "Model";
    private const string PromptSet = "Prompt";

    /// <summary>The assistant's name.</summary>
    [Parameter(Position = 0)]
    [ValidateLength(1, 256)]
    public string? Name { get; set; }

    /// <summary>The model to run on, such as gpt-4o.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ModelSet)]
    [Parameter(ParameterSetName = PromptSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelIdCompleter))]
    public string? Model { get; set; }

    /// <summary>A prompt stored in the dashboard (pmpt_...), sent as prompt {id, version}. Responses only.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PromptSet)]
    [ValidateNotNullOrEmpty]
    public string? PromptId { get; set; }

    /// <summary>The version of the stored prompt (-PromptId); its current version when not given.</summary>
    [Parameter(ParameterSetName = PromptSet)]
    [ValidateNotNullOrEmpty]
    public string? PromptVersion { get; set; }

    /// <inheritdoc/>
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
            Tools = DefinedTools() ?? Array.Empty<OaiTool>(),
            Metadata = OaiMetadata.FromHashtable(Metadata),
            Temperature = Temperature,
            TopP = TopP,
            Settings = RunSettingsFromParameters(withSampling: false),
        };
        var adapter = Adapter;
        adapter.CheckRunSettings(options.Settings);
        if (PromptId is not null && string.Equals(CurrentSession.BaseUri.Host, "api.openai.com", StringComparison.OrdinalIgnoreCase))
        {
            WriteWarning("OpenAI shut down reusable prompt objects (v1/prompts) on 2026-11-30: -PromptId works only with servers that still serve them. " +
                "Keep the prompt in an assistant definition instead (-Instructions, then Export-OaiAssistant / Import-OaiAssistant).");
        }
        if (!ShouldProcess(Name ?? Model ?? PromptId, "Create assistant")) return;
        Emit(WithHandlers(Await(ct => adapter.CreateAssistantAsync(options, ct)), options.Tools));
    }
}

/// <summary>
/// Completes and converts the tool names -Tool takes as strings. Every hosted tool completes; mcp needs a
/// server, so it completes to a New-OaiTool call to fill in.
/// </summary>
public sealed class ToolNameCompleter : IArgumentCompleter
{
    /// <summary>The tools a name alone defines.</summary>
    internal static readonly string[] BuiltIn = { OaiToolType.CodeInterpreter, OaiToolType.FileSearch, OaiToolType.WebSearch, OaiToolType.ImageGeneration };

    private const string McpTemplate = "(New-OaiTool -Mcp -ServerLabel name -ServerUrl https://)";

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        foreach (var n in BuiltIn.Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
            yield return new CompletionResult(n, n, CompletionResultType.ParameterValue, n);
        if (OaiToolType.Mcp.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            yield return new CompletionResult(McpTemplate, "mcp", CompletionResultType.ParameterValue, "A remote MCP server: New-OaiTool -Mcp");
    }

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
                case string s when s.Equals(OaiToolType.Mcp, StringComparison.OrdinalIgnoreCase):
                    throw new OaiArgumentException("An MCP tool needs its server: use New-OaiTool -Mcp -ServerLabel <label> -ServerUrl <https URL>.");
                default:
                    throw new OaiArgumentException($"'{item}' is not a tool: use {string.Join(", ", BuiltIn)}, or a tool object (New-OaiTool, New-OaiFunctionTool).");
            }
        }
        return result;
    }
}
