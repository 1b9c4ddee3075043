using System.Management.Automation;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Turns what arrives on the pipeline or in a parameter into ids: any object that carries a thread
/// (a thread, a message, a run) or an id string targets that thread; a run targets that run.
/// </summary>
internal static class InputResolver
{
    public static object? Unwrap(object? value) => value is PSObject pso ? pso.BaseObject : value;

    public static string ThreadId(object? input) => Unwrap(input) switch
    {
        OaiThread t => t.Id,
        OaiMessage m => m.ThreadId,
        OaiRun r => r.ThreadId,
        string s when s.Length > 0 => s,
        _ => Property(input, "ThreadId") ?? Property(input, "thread_id")
             ?? throw new OaiArgumentException($"Cannot tell a thread from {Describe(input)}: pass a thread, message or run object, or a thread id."),
    };

    public static string AssistantId(object? input) => Unwrap(input) switch
    {
        OaiAssistant a => a.Id,
        OaiRun { AssistantId: { } id } => id,
        OaiMessage { AssistantId: { } id } => id,
        string s when s.Length > 0 => s,
        // Objects of this module that name no assistant are refused rather than read by their own Id.
        OaiThread or OaiRun or OaiMessage or OaiSession => throw NotAnAssistant(input),
        // Deserialized assistants (Import-Clixml, ConvertFrom-Json) keep their Id.
        PSCustomObject => Property(input, "AssistantId") ?? Property(input, "Id") ?? throw NotAnAssistant(input),
        _ => Property(input, "AssistantId") ?? throw NotAnAssistant(input),
    };

    private static OaiArgumentException NotAnAssistant(object? input) =>
        new($"Cannot tell an assistant from {Describe(input)}: pass an assistant object or an assistant id.");

    public static OaiRun? AsRun(object? input) => Unwrap(input) as OaiRun;

    private static string? Property(object? input, string name) =>
        input is PSObject pso && pso.Properties[name]?.Value is { } v && v.ToString() is { Length: > 0 } s ? s : null;

    private static string Describe(object? input) => Unwrap(input) is { } o ? $"a {o.GetType().Name} ('{o}')" : "nothing";
}
