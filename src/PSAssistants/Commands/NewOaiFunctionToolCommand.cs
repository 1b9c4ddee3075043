using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Makes a function tool from a PowerShell command, or from a name, a description and a scriptblock:
/// the model sees the name, the description and a JSON schema of the parameters; calls run the command here.
/// </summary>
[Cmdlet(VerbsCommon.New, "OaiFunctionTool", DefaultParameterSetName = CommandSet)]
[OutputType(typeof(OaiTool))]
public sealed class NewOaiFunctionToolCommand : OaiCmdlet
{
    private const string CommandSet = "Command";
    private const string ScriptSet = "ScriptBlock";

    /// <summary>A command (Get-Command output) or a command name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = CommandSet)]
    [ValidateNotNull]
    public object Command { get; set; } = null!;

    /// <summary>The function's name as the model sees it: 1 to 64 letters, digits, _ or -.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptSet)]
    [ValidatePattern("^[A-Za-z0-9_-]{1,64}$")]
    public string Name { get; set; } = "";

    /// <summary>What the tool does, for the model. With a command: replaces its help synopsis.</summary>
    [Parameter(ParameterSetName = CommandSet)]
    [Parameter(Mandatory = true, ParameterSetName = ScriptSet)]
    [ValidateNotNullOrEmpty]
    public string? Description { get; set; }

    /// <summary>The code that answers a call; its param block gives the parameters.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ScriptSet)]
    [ValidateNotNull]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        if (ParameterSetName == ScriptSet)
        {
            Emit(FunctionToolFactory.FromScriptBlock(Name, Description!, ScriptBlock, this));
            return;
        }
        var command = InputResolver.Unwrap(Command) switch
        {
            CommandInfo c => c,
            string name => InvokeCommand.GetCommand(name, CommandTypes.Function | CommandTypes.Cmdlet | CommandTypes.ExternalScript)
                ?? throw new OaiArgumentException($"There is no command '{name}'."),
            _ => throw new OaiArgumentException($"-Command takes a command (Get-Command output) or a command name, not '{Command}'."),
        };
        Emit(FunctionToolFactory.FromCommand(command, this, Description));
    }
}
