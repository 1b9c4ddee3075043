using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PSAssistants.Protocols;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Turns PowerShell commands into function tools: the JSON schema comes from the parameters of the
/// command's default parameter set (types, Mandatory, ValidateSet as enum, ValidateRange as bounds, arrays)
/// and the descriptions from its help (synopsis, parameter descriptions, else HelpMessage).
/// </summary>
internal static partial class FunctionToolFactory
{
    private static readonly HashSet<string> s_common = new(
        Cmdlet.CommonParameters.Concat(Cmdlet.OptionalCommonParameters), StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ToolName();

    public static OaiTool FromCommand(CommandInfo command, PSCmdlet context, string? description = null)
    {
        // A script is named by its file name without .ps1, which is what a tool name may hold.
        var name = CheckName(command is ExternalScriptInfo ? Path.GetFileNameWithoutExtension(command.Name) : command.Name);
        var help = HelpOf(command, context);
        return new OaiTool(OaiToolType.Function)
        {
            Name = name,
            Description = description ?? help.Synopsis ?? $"Runs the PowerShell command {command.Name}.",
            ParametersJson = Schema(command, help.Parameters),
            Strict = false,
            Handler = command,
        };
    }

    /// <summary>A tool from a name, a description and a scriptblock whose param block gives the schema.</summary>
    public static OaiTool FromScriptBlock(string name, string description, ScriptBlock script, PSCmdlet context)
    {
        CheckName(name);
        // Get-Command on a function made in a throwaway scope gives the scriptblock's parameter metadata.
        var info = context.InvokeCommand.InvokeScript(true,
            ScriptBlock.Create("param($sb) ${function:psassistants_tool_probe} = $sb; Get-Command psassistants_tool_probe -CommandType Function"),
            null, script).Select(o => o.BaseObject).OfType<CommandInfo>().Single();
        return new OaiTool(OaiToolType.Function)
        {
            Name = name,
            Description = description,
            ParametersJson = Schema(info, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)),
            Strict = false,
            Handler = script,
        };
    }

    private static string CheckName(string name) => ToolName().IsMatch(name)
        ? name
        : throw new OaiArgumentException($"'{name}' cannot be a function tool name: use 1 to 64 letters, digits, '_' or '-'.");

    private static string Schema(CommandInfo command, IReadOnlyDictionary<string, string> descriptions)
    {
        var set = command.ParameterSets.FirstOrDefault(s => s.IsDefault) ?? command.ParameterSets.FirstOrDefault();
        var parameters = set?.Parameters.Where(p => !s_common.Contains(p.Name)).ToList() ?? new List<CommandParameterInfo>();

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "object");
            w.WriteStartObject("properties");
            foreach (var p in parameters)
            {
                w.WriteStartObject(p.Name);
                WriteType(w, p.ParameterType, p.Attributes);
                var text = descriptions.TryGetValue(p.Name, out var d) && d.Length > 0 ? d : p.HelpMessage;
                if (!string.IsNullOrWhiteSpace(text)) w.WriteString("description", text.Trim());
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartArray("required");
            foreach (var p in parameters.Where(p => p.IsMandatory)) w.WriteStringValue(p.Name);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteType(Utf8JsonWriter w, Type type, IEnumerable<Attribute> attributes)
    {
        var attrs = attributes.ToList();
        if (type.IsArray && type != typeof(byte[]))
        {
            w.WriteString("type", "array");
            w.WriteStartObject("items");
            WriteType(w, type.GetElementType()!, attrs);
            w.WriteEndObject();
            return;
        }
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var json = t == typeof(SwitchParameter) || t == typeof(bool) ? "boolean"
            : t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte) || t == typeof(uint) || t == typeof(ulong) ? "integer"
            : t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? "number"
            : typeof(IDictionary).IsAssignableFrom(t) ? "object"
            : "string";
        w.WriteString("type", json);

        var values = attrs.OfType<ValidateSetAttribute>().FirstOrDefault()?.ValidValues
            ?? (t.IsEnum ? Enum.GetNames(t).ToList() : null);
        if (values is not null)
        {
            w.WriteStartArray("enum");
            foreach (var v in values) w.WriteStringValue(v);
            w.WriteEndArray();
        }
        if (attrs.OfType<ValidateRangeAttribute>().FirstOrDefault() is { } range && json is "integer" or "number")
        {
            WriteBound(w, "minimum", range.MinRange);
            WriteBound(w, "maximum", range.MaxRange);
        }
        if (t == typeof(DateTime) || t == typeof(DateTimeOffset)) w.WriteString("format", "date-time");
    }

    private static void WriteBound(Utf8JsonWriter w, string name, object? value)
    {
        if (value is IConvertible c && value is not string)
        {
            w.WriteNumber(name, c.ToDecimal(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private sealed record HelpText(string? Synopsis, IReadOnlyDictionary<string, string> Parameters);

    /// <summary>The command's help, read through Get-Help; a synopsis that is only the syntax is not a description.</summary>
    private static HelpText HelpOf(CommandInfo command, PSCmdlet context)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        PSObject? help;
        try
        {
            help = context.InvokeCommand.InvokeScript(true,
                ScriptBlock.Create("param($n) Get-Help -Name $n -ErrorAction Ignore 2>$null | Select-Object -First 1"), null,
                command is ExternalScriptInfo script ? script.Path : command.Name)
                .FirstOrDefault();
        }
        catch (RuntimeException)
        {
            help = null;
        }
        if (help is null) return new HelpText(null, parameters);

        var synopsis = help.Properties["Synopsis"]?.Value?.ToString()?.Trim();
        if (string.IsNullOrEmpty(synopsis) || synopsis.StartsWith(command.Name, StringComparison.OrdinalIgnoreCase) || synopsis.Contains(" [<CommonParameters>]"))
            synopsis = null;

        if (help.Properties["parameters"]?.Value is PSObject ps && ps.Properties["parameter"]?.Value is { } list)
        {
            foreach (var item in LanguagePrimitives.GetEnumerable(list) ?? new[] { list })
            {
                var p = PSObject.AsPSObject(item);
                var name = p.Properties["name"]?.Value?.ToString();
                var text = p.Properties["description"]?.Value is { } d
                    ? string.Join(" ", (LanguagePrimitives.GetEnumerable(d) ?? new[] { d }).Cast<object>()
                        .Select(x => PSObject.AsPSObject(x).Properties["Text"]?.Value?.ToString()).Where(x => !string.IsNullOrWhiteSpace(x)))
                    : null;
                if (name is not null && !string.IsNullOrWhiteSpace(text)) parameters[name] = text!.Trim();
            }
        }
        return new HelpText(synopsis, parameters);
    }
}

/// <summary>
/// Handlers of function tools handed over in this process, by assistant and tool name. The server keeps only
/// a tool's name and schema; the command behind it lives here, so a later Wait-OaiRun can still answer.
/// </summary>
internal static class ToolHandlers
{
    private static readonly ConcurrentDictionary<(string AssistantId, string Name), object> s_handlers = new();

    public static void Register(OaiAssistant assistant, IEnumerable<OaiTool> tools)
    {
        foreach (var tool in tools.Where(t => t.Type == OaiToolType.Function && t.Name is not null && t.Handler is not null))
        {
            s_handlers[(assistant.Id, tool.Name!)] = tool.Handler!;
        }
    }

    public static object? Find(string? assistantId, string name) =>
        assistantId is not null && s_handlers.TryGetValue((assistantId, name), out var h) ? h : null;
}

/// <summary>
/// Answers a run's tool calls on the pipeline thread: each call runs the command handed over for it and
/// its output goes back as JSON; an error goes back to the model as an error result instead of ending the
/// run; a function the user did not hand over is refused and reported to the model, never run.
/// </summary>
internal sealed class ToolAnswerer : Waiting.IToolAnswerer
{
    private const int JsonDepth = 5;
    private readonly OaiApiCmdlet _cmdlet;
    private readonly IDictionary? _overrides;
    private readonly OaiAssistant? _assistant;
    private readonly Func<string, OaiAssistant?> _fetchAssistant;
    private OaiAssistant? _fetched;

    public ToolAnswerer(OaiApiCmdlet cmdlet, IDictionary? overrides, OaiAssistant? assistant, Func<string, OaiAssistant?> fetchAssistant)
    {
        _cmdlet = cmdlet;
        _overrides = overrides;
        _assistant = assistant;
        _fetchAssistant = fetchAssistant;
    }

    public IReadOnlyList<ToolOutput> Answer(OaiRun run, IEnumerable<OaiToolCall> calls) =>
        calls.Select(call => new ToolOutput(call.Id, Answer(run, call))).ToList();

    private string Answer(OaiRun run, OaiToolCall call)
    {
        var name = call.Name ?? "";
        var handler = Override(name) ?? Allowed(run, name);
        if (handler is null)
        {
            _cmdlet.WriteWarning($"The model asked for the function '{name}', which was not handed over to this assistant; it was not run.");
            return Error($"The function '{name}' is not available to this assistant; it was not run.");
        }

        Hashtable arguments;
        try
        {
            arguments = ParseArguments(call.Arguments);
        }
        catch (JsonException ex)
        {
            return Error($"The arguments of '{name}' are not a JSON object: {ex.Message}");
        }

        _cmdlet.WriteVerbose($"Running tool '{name}' for run {run.Id}.");
        try
        {
            // Overrides take the arguments as one hashtable; commands and tool scriptblocks are splatted.
            var script = handler is ScriptBlock && Override(name) is not null
                ? "param($__h, $__a) $ErrorActionPreference = 'Stop'; & $__h $__a"
                : "param($__h, $__a) $ErrorActionPreference = 'Stop'; & $__h @__a";
            var output = _cmdlet.InvokeCommand.InvokeScript(true, ScriptBlock.Create(script), null, handler, arguments);
            return ToJson(output);
        }
        catch (Exception ex) when (ex is RuntimeException or ArgumentException or InvalidOperationException)
        {
            _cmdlet.WriteVerbose($"Tool '{name}' failed: {ex.Message}");
            return Error($"{name} failed: {ex.Message}");
        }
    }

    private object? Override(string name)
    {
        if (_overrides is null) return null;
        foreach (DictionaryEntry e in _overrides)
        {
            if (string.Equals(e.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase))
                return InputResolver.Unwrap(e.Value);
        }
        return null;
    }

    /// <summary>
    /// Only a function tool of the assistant whose command was handed over in this process may run. A command
    /// that merely shares the tool's name is never run: an imported or server-side definition could name
    /// anything. In a new process, hand the commands over again (-Function or -ToolHandler).
    /// </summary>
    private object? Allowed(OaiRun run, string name)
    {
        var assistant = _assistant ?? (_fetched ??= run.AssistantId is null ? null : _fetchAssistant(run.AssistantId));
        var tool = assistant?.Tools.FirstOrDefault(t => t.Type == OaiToolType.Function && string.Equals(t.Name, name, StringComparison.Ordinal));
        if (tool is null) return null;
        return tool.Handler ?? ToolHandlers.Find(assistant!.Id, name);
    }

    private static Hashtable ParseArguments(string? json)
    {
        var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(json)) return table;
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("Expected an object.");
        foreach (var p in doc.RootElement.EnumerateObject()) table[p.Name] = ToValue(p.Value);
        return table;
    }

    private static object? ToValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (l is >= int.MinValue and <= int.MaxValue ? (object)(int)l : l) : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(ToValue).ToArray(),
        JsonValueKind.Object => e.EnumerateObject().Aggregate(new Hashtable(StringComparer.OrdinalIgnoreCase), (h, p) => { h[p.Name] = ToValue(p.Value); return h; }),
        _ => null,
    };

    /// <summary>A single string goes back as it is; anything else as JSON, depth-limited like ConvertTo-Json.</summary>
    private string ToJson(IList<PSObject> output)
    {
        if (output.Count == 0) return "";
        if (output.Count == 1 && output[0]?.BaseObject is string s) return s;
        object value = output.Count == 1 ? output[0] : output.ToArray();
        return _cmdlet.InvokeCommand.InvokeScript(true,
            ScriptBlock.Create($"param($v) ConvertTo-Json -InputObject $v -Depth {JsonDepth} -Compress -WarningAction Ignore"), null, value)
            .FirstOrDefault()?.ToString() ?? "";
    }

    private static string Error(string message)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("error", message);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
