using System.Collections;
using System.Management.Automation;
using PSAssistants.Json;

namespace PSAssistants.Commands;

/// <summary>
/// The parameters that set how a model runs, shared by New-OaiAssistant, Set-OaiAssistant (part of the assistant)
/// and Start-OaiRun (for one run, over the assistant's) as dynamic parameters, since those cmdlets have different
/// bases. Which protocol has which is the adapters' business: a setting the session's protocol has no field for
/// is refused there, before any request.
/// </summary>
public sealed class RunSettingsParameters
{
    /// <summary>How hard a reasoning model thinks: none, minimal, low, medium, high, xhigh or max.</summary>
    [Parameter]
    [ValidateSet("none", "minimal", "low", "medium", "high", "xhigh", "max")]
    public string? ReasoningEffort { get; set; }

    /// <summary>A summary of the model's reasoning: auto, concise or detailed (Responses only).</summary>
    [Parameter]
    [ValidateSet("auto", "concise", "detailed")]
    public string? ReasoningSummary { get; set; }

    /// <summary>How long the answer is: low, medium or high (Responses only).</summary>
    [Parameter]
    [ValidateSet("low", "medium", "high")]
    public string? Verbosity { get; set; }

    /// <summary>The most tokens the run may write, reasoning included (16 or more; 256 or more on Assistants v2).</summary>
    [Parameter]
    [ValidateRange(16, int.MaxValue)]
    public int? MaxOutputTokens { get; set; }

    /// <summary>The most prompt tokens the run may use (Assistants v2 only; 256 or more).</summary>
    [Parameter]
    [ValidateRange(256, int.MaxValue)]
    public int? MaxPromptTokens { get; set; }

    /// <summary>Sampling temperature, 0 to 2.</summary>
    [Parameter]
    [ValidateRange(0.0, 2.0)]
    public double? Temperature { get; set; }

    /// <summary>Nucleus sampling, 0 to 1.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double? TopP { get; set; }

    /// <summary>auto, none, required, or the name of a function tool the model must call.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ToolChoiceCompleter))]
    [ValidatePattern("^[A-Za-z0-9_-]{1,64}$")]
    public string? ToolChoice { get; set; }

    /// <summary>Whether the model may call several tools at once.</summary>
    [Parameter]
    public bool? ParallelToolCalls { get; set; }

    /// <summary>The most calls to built-in tools in one run (Responses only).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? MaxToolCalls { get; set; }

    /// <summary>auto drops the oldest context that does not fit; disabled fails instead (Responses only).</summary>
    [Parameter]
    [ValidateSet("auto", "disabled")]
    public string? Truncation { get; set; }

    /// <summary>The run sees only this many of the thread's last messages (Assistants v2 only).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? LastMessages { get; set; }

    /// <summary>Compacts the conversation once its context passes this many tokens (Responses only; 1000 or more).</summary>
    [Parameter]
    [ValidateRange(1000, int.MaxValue)]
    public int? CompactThreshold { get; set; }

    /// <summary>The JSON schema the answer must fit: a hashtable, JSON text, or a class (PowerShell or .NET).</summary>
    [Parameter]
    [ValidateNotNull]
    public object? JsonSchema { get; set; }

    /// <summary>The name of the answer's format; by default the class's name, else "response".</summary>
    [Parameter]
    [ValidatePattern("^[A-Za-z0-9_-]{1,64}$")]
    public string? SchemaName { get; set; }

    /// <summary>Sends the schema with strict: false (the model aims for it, the server does not enforce it).</summary>
    [Parameter]
    public SwitchParameter NoStrict { get; set; }

    /// <summary>Request fields the module does not model yet, merged into the request body.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? AdditionalBody { get; set; }

    /// <summary>
    /// The settings these parameters give. Temperature and top_p go in only for a run: an assistant keeps them as
    /// its own fields.
    /// </summary>
    internal OaiRunSettings ToSettings(bool withSampling)
    {
        if (Truncation is not null && LastMessages is not null)
            throw new PSAssistants.Client.OaiArgumentException("-Truncation and -LastMessages are one choice: give one of them.");
        if (JsonSchema is null && (SchemaName is not null || NoStrict))
            throw new PSAssistants.Client.OaiArgumentException("-SchemaName and -NoStrict go with -JsonSchema.");
        string? schema = null;
        Type? type = null;
        switch (InputResolver.Unwrap(JsonSchema))
        {
            case null:
                break;
            case Type t:
                schema = JsonSchemas.FromType(t);
                type = t;
                break;
            default:
                // A PSCustomObject keeps its wrapper (its properties live there); any other value is taken as it is.
                schema = JsonSchemas.FromValue(JsonSchema is PSObject { BaseObject: not PSCustomObject } wrapped ? wrapped.BaseObject : JsonSchema!);
                break;
        }
        return new OaiRunSettings
        {
            ReasoningEffort = ReasoningEffort,
            ReasoningSummary = ReasoningSummary,
            Verbosity = Verbosity,
            MaxOutputTokens = MaxOutputTokens,
            MaxPromptTokens = MaxPromptTokens,
            Temperature = withSampling ? Temperature : null,
            TopP = withSampling ? TopP : null,
            ToolChoice = ToolChoice,
            ParallelToolCalls = ParallelToolCalls,
            MaxToolCalls = MaxToolCalls,
            Truncation = Truncation,
            LastMessages = LastMessages,
            CompactThreshold = CompactThreshold,
            JsonSchema = schema,
            SchemaName = schema is null ? null : SchemaName ?? (type is null ? "response" : JsonSchemas.NameOf(type)),
            Strict = schema is null ? null : !NoStrict,
            SchemaType = type,
            AdditionalBodyJson = RequestBody.FromHashtable(AdditionalBody),
        };
    }
}

/// <summary>
/// Base of New-OaiAssistant and Set-OaiAssistant: the run settings as dynamic parameters (see
/// <see cref="RunSettingsParameters"/>); Start-OaiRun, whose base is the message-input one, offers the same object.
/// </summary>
public abstract class RunSettingsCmdlet : OaiApiCmdlet, IDynamicParameters
{
    private protected RunSettingsParameters RunParameters { get; } = new();

    /// <summary>The run-setting parameters: one object, bound by PowerShell like the cmdlet's own.</summary>
    public object GetDynamicParameters() => RunParameters;

    private protected double? Temperature => RunParameters.Temperature;

    private protected double? TopP => RunParameters.TopP;

    private protected OaiRunSettings RunSettingsFromParameters(bool withSampling) => RunParameters.ToSettings(withSampling);
}

/// <summary>Completes -ToolChoice with its modes.</summary>
public sealed class ToolChoiceCompleter : IArgumentCompleter
{
    private static readonly string[] s_modes = { "auto", "none", "required" };

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters) =>
        s_modes.Where(m => m.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase)).Select(m => new CompletionResult(m));
}
