using System.Collections;
using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>The parameters that define an assistant, shared by New-OaiAssistant and Set-OaiAssistant.</summary>
public abstract class AssistantDefinitionCmdlet : RunSettingsCmdlet
{
    /// <summary>The system instructions every run of the assistant starts with.</summary>
    [Parameter]
    [ValidateLength(0, 256000)]
    public string? Instructions { get; set; }

    /// <summary>A description of the assistant, up to 512 characters.</summary>
    [Parameter]
    [ValidateLength(0, 512)]
    public string? Description { get; set; }

    /// <summary>Tools by name (code_interpreter, file_search, web_search, image_generation) or as OaiTool objects (New-OaiTool, New-OaiFunctionTool).</summary>
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

    /// <summary>Up to 16 key-value pairs to store with the assistant.</summary>
    [Parameter]
    public Hashtable? Metadata { get; set; }


    /// <summary>The tools these parameters define, or null when none of the tool parameters was given.</summary>
    private protected IReadOnlyList<OaiTool>? DefinedTools()
    {
        if (Tool is null && Function is null && CodeInterpreterFileId is null && VectorStoreId is null) return null;
        var tools = ToolNameCompleter.ToTools(Tool).Concat(FunctionTools()).ToList();
        return FileToolResources.Apply(tools, CodeInterpreterFileId, VectorStoreId);
    }

    /// <summary>
    /// The server keeps a tool's name and schema; the command behind it stays in this process: it is registered
    /// for later waits and put back on the returned assistant's tools.
    /// </summary>
    private protected static OaiAssistant WithHandlers(OaiAssistant assistant, IReadOnlyList<OaiTool> tools)
    {
        ToolHandlers.Register(assistant, tools);
        Client.McpHeaders.Register(assistant.Id, tools);
        assistant.Tools = assistant.Tools.Select(t => t.Handler is null && tools.FirstOrDefault(o => o.Handler is not null && o.Name == t.Name) is { } local
            ? new OaiTool(t.Type) { Name = t.Name, Description = t.Description, ParametersJson = t.ParametersJson, Strict = t.Strict, Handler = local.Handler }
            : t).ToArray();
        return assistant;
    }

    /// <summary>The tools of -Function: commands (Get-Command output) or command names.</summary>
    private IEnumerable<OaiTool> FunctionTools()
    {
        foreach (var item in Function ?? Array.Empty<object>())
        {
            var command = InputResolver.Unwrap(item) switch
            {
                CommandInfo c => c,
                string name => InvokeCommand.GetCommand(name, CommandTypes.Function | CommandTypes.Cmdlet | CommandTypes.ExternalScript)
                    ?? throw new OaiArgumentException($"There is no command '{name}' to hand over as a function tool."),
                _ => throw new OaiArgumentException($"-Function takes commands (Get-Command output) or command names, not '{item}'."),
            };
            yield return FunctionToolFactory.FromCommand(command, this);
        }
    }
}
