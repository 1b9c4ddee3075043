using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Changes an assistant; what is not given stays as it is.</summary>
[Cmdlet(VerbsCommon.Set, "OaiAssistant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OaiAssistant))]
public sealed class SetOaiAssistantCommand : OaiApiCmdlet
{
    /// <summary>An assistant object or id.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(AssistantIdCompleter))]
    [Alias("Id", "AssistantId")]
    [ValidateNotNull]
    public object Assistant { get; set; } = null!;

    [Parameter]
    [ValidateLength(1, 256)]
    public string? Name { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    [Parameter]
    [ValidateLength(0, 256000)]
    public string? Instructions { get; set; }

    [Parameter]
    [ValidateLength(0, 512)]
    public string? Description { get; set; }

    /// <summary>Replaces the tools: names (code_interpreter, file_search) or tool objects.</summary>
    [Parameter]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ToolNameCompleter))]
    public object[]? Tool { get; set; }

    /// <summary>Replaces the function tools with these commands (together with -Tool when both are given).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? Function { get; set; }

    /// <summary>Replaces the metadata.</summary>
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
        var id = InputResolver.AssistantId(Assistant);
        IReadOnlyList<OaiTool>? tools = Tool is null && Function is null ? null
            : ToolNameCompleter.ToTools(Tool).Concat(NewOaiAssistantCommand.FunctionTools(Function, this)).ToList();
        var options = new AssistantUpdateOptions
        {
            Name = Name,
            Model = Model,
            Instructions = Instructions,
            Description = Description,
            Tools = tools,
            Metadata = OaiMetadata.FromHashtable(Metadata),
            Temperature = Temperature,
            TopP = TopP,
        };
        if (!ShouldProcess(id, "Update assistant")) return;
        var adapter = Adapter;
        var updated = Await(ct => adapter.UpdateAssistantAsync(id, options, ct));
        if (tools is not null) ToolHandlers.Register(updated, tools);
        Emit(updated);
    }
}
