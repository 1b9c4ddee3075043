using System.Text.Json;
using PSAssistants.Client;
using PSAssistants.Protocols.AssistantsV2;
using PSAssistants.Protocols.Responses;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// The import-time warm-up (OaiWarmup) builds the wire types' JSON metadata ahead of the first requests; what
/// it prepares must be what the requests then use, and it must leave the wire format alone.
/// </summary>
public class WarmupTests
{
    [Fact]
    public void Prepare_reads_and_writes_every_object_type_of_the_Assistants_context()
    {
        // A context of its own, so no other test has configured its types yet. Every root type of the
        // context (assistants, threads, messages, runs, their lists and requests) is an object type it prepares.
        var context = new AssistantsJson(new JsonSerializerOptions(AssistantsJson.Default.Options));

        var prepared = OaiWarmup.Prepare(context);

        Assert.True(prepared >= 17, $"only {prepared} types prepared");
    }

    [Fact]
    public void Prepare_covers_the_Responses_types_and_leaves_their_JSON_unchanged()
    {
        var body = "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1699073476,\"status\":\"completed\",\"output\":[]}"u8.ToArray();
        var before = JsonSerializer.Serialize(JsonSerializer.Deserialize(body, ResponsesJson.Default.ResponseObject), ResponsesJson.Default.ResponseObject);

        var context = new ResponsesJson(new JsonSerializerOptions(ResponsesJson.Default.Options));
        Assert.True(OaiWarmup.Prepare(context) >= 9);
        var after = JsonSerializer.Serialize(JsonSerializer.Deserialize(body, context.ResponseObject), context.ResponseObject);

        Assert.Equal(before, after);
    }
}
