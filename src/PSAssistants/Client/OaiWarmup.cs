using System.Management.Automation;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PSAssistants.Json;
using PSAssistants.Protocols.AssistantsV2;
using PSAssistants.Protocols.Common;
using PSAssistants.Protocols.Responses;

namespace PSAssistants.Client;

/// <summary>Starts <see cref="OaiWarmup"/> when PowerShell imports the module (autoload included).</summary>
public sealed class OaiModuleInitializer : IModuleAssemblyInitializer
{
    /// <summary>Called by PowerShell once the module's assembly is loaded; returns at once.</summary>
    public void OnImport() => OaiWarmup.Start();
}

/// <summary>
/// Builds the JSON metadata of every wire type on a background thread while the first command runs.
/// </summary>
/// <remarks>
/// A fresh process spent most of its first requests' extra time JIT-compiling System.Text.Json's generic
/// metadata for the wire types (JsonPropertyInfo&lt;long&gt;, &lt;double?&gt;, ...): code over value types
/// that no ReadyToRun image outside the framework can hold (bench/results.md, Cold). Done here, on the second
/// core, the requests find it ready. Pure CPU work on the module's own types: no request, file or session, and
/// nothing it fails on matters, since the same work is then simply done on first use. PSASSISTANTS_WARMUP=0
/// turns it off (for measuring).
/// </remarks>
internal static class OaiWarmup
{
    private static int s_started;

    public static void Start()
    {
        if (Environment.GetEnvironmentVariable("PSASSISTANTS_WARMUP") == "0") return;
        if (Interlocked.Exchange(ref s_started, 1) != 0) return;
        var thread = new Thread(Run) { IsBackground = true, Name = "PSAssistants warm-up", Priority = ThreadPriority.BelowNormal };
        thread.Start();
    }

    private static void Run()
    {
        try
        {
            // The protocols' contexts first: their types are the first requests' bodies and answers.
            foreach (var context in new JsonSerializerContext[] { AssistantsJson.Default, ResponsesJson.Default, WireJson.Default, FilesJson.Default })
                Prepare(context);
        }
        catch (Exception)
        {
            // Never let a warm-up failure reach the host: the work is redone on first use anyway.
        }
    }

    /// <summary>Configures every object type of the context: reads "{}" into it and writes the result back.</summary>
    internal static int Prepare(JsonSerializerContext context)
    {
        var prepared = 0;
        // The generated context has one JsonTypeInfo<T> property per type it knows, nested types included.
        foreach (var property in context.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var type = property.PropertyType;
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(JsonTypeInfo<>)) continue;
            try
            {
                var info = context.GetTypeInfo(type.GetGenericArguments()[0]);
                if (info is null || info.Kind != JsonTypeInfoKind.Object) continue;
                var value = JsonSerializer.Deserialize("{}"u8, info);
                if (value is not null) JsonSerializer.SerializeToUtf8Bytes(value, info);
                prepared++;
            }
            catch (Exception)
            {
                // A type that cannot be read from "{}" (a required member, a polymorphic base) is prepared on first use.
            }
        }
        return prepared;
    }
}
