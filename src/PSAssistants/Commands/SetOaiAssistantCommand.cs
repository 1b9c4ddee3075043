using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;

namespace PSAssistants.Commands;

/// <summary>Changes an assistant; what is not given stays as it is.</summary>
[Cmdlet(VerbsCommon.Set, "OaiAssistant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OaiAssistant))]
public sealed class SetOaiAssistantCommand : AssistantDefinitionCmdlet
{
    /// <summary>An assistant object, id, or name (of exactly one assistant of the session).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(AssistantIdCompleter))]
    [Alias("Id", "AssistantId")]
    [ValidateNotNull]
    public object Assistant { get; set; } = null!;

    /// <summary>The new name.</summary>
    [Parameter]
    [ValidateLength(1, 256)]
    public string? Name { get; set; }

    /// <summary>The new model.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModelIdCompleter))]
    public string? Model { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var id = AssistantIdOf(Assistant);
        var tools = DefinedTools();
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
            Settings = RunSettingsFromParameters(withSampling: false),
        };
        var adapter = Adapter;
        adapter.CheckRunSettings(options.Settings);
        if (!ShouldProcess(id, "Update assistant")) return;
        Emit(WithHandlers(Await(ct => adapter.UpdateAssistantAsync(id, options, ct)), tools ?? Array.Empty<OaiTool>()));
    }
}
