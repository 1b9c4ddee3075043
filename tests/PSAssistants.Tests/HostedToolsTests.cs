using System.Text.Json;
using System.Text.Json.Nodes;
using PSAssistants.Client;
using PSAssistants.Protocols;
using PSAssistants.Protocols.AssistantsV2;
using PSAssistants.Protocols.Responses;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// The hosted tools' request shapes (WebSearchTool, ImageGenTool, MCPTool, CodeInterpreterTool, FileSearchTool in
/// openai-openapi.yaml), image inputs, approvals, and where MCP header values may and may not go.
/// </summary>
public sealed class HostedToolsTests
{
    private static JsonNode ToolJson(ResponsesToolWire tool) =>
        JsonNode.Parse(JsonSerializer.Serialize(new CreateResponseBody { Tools = new() { tool } }, ResponsesJson.Default.CreateResponseBody))!["tools"]![0]!;

    private static OaiTool Mcp(string secret) => new(OaiToolType.Mcp)
    {
        ServerLabel = "docs",
        ServerUrl = "https://mcp.example.com/sse",
        AllowedTools = new[] { "echo" },
        RequireApproval = "never",
        HeaderNames = new[] { "Authorization" },
        Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + secret },
    };

    [Fact]
    public void Responses_hosted_tools_have_the_reference_shapes()
    {
        T.AssertJsonEqual("""
            {"type": "web_search", "filters": {"allowed_domains": ["learn.microsoft.com"]}, "search_context_size": "low",
             "user_location": {"type": "approximate", "country": "GB", "city": "London"}}
            """, ToolJson(ResponsesAdapter.ToWire(new OaiTool(OaiToolType.WebSearch)
        {
            AllowedDomains = new[] { "learn.microsoft.com" },
            SearchContextSize = "low",
            UserLocation = new Dictionary<string, string> { ["country"] = "GB", ["city"] = "London" },
        })).ToJsonString());
        T.AssertJsonEqual("""{"type": "image_generation", "size": "1024x1024", "quality": "low", "output_format": "webp"}""",
            ToolJson(ResponsesAdapter.ToWire(new OaiTool(OaiToolType.ImageGeneration) { Size = "1024x1024", Quality = "low", OutputFormat = "webp" })).ToJsonString());
        T.AssertJsonEqual("""{"type": "code_interpreter", "container": "cntr_1"}""",
            ToolJson(ResponsesAdapter.ToWire(new OaiTool(OaiToolType.CodeInterpreter) { ContainerId = "cntr_1" })).ToJsonString());
        T.AssertJsonEqual("""{"type": "code_interpreter", "container": {"type": "auto", "memory_limit": "4g"}}""",
            ToolJson(ResponsesAdapter.ToWire(new OaiTool(OaiToolType.CodeInterpreter) { MemoryLimit = "4g" })).ToJsonString());
        T.AssertJsonEqual("""
            {"type": "file_search", "vector_store_ids": ["vs_1"], "max_num_results": 5, "filters": {"type": "eq", "key": "team", "value": "ops"}}
            """, ToolJson(ResponsesAdapter.ToWire(new OaiTool(OaiToolType.FileSearch)
        {
            VectorStoreIds = new[] { "vs_1" },
            MaxNumResults = 5,
            FilterJson = """{"type":"eq","key":"team","value":"ops"}""",
        })).ToJsonString());
    }

    [Fact]
    public void An_mcp_tool_sends_its_headers_only_in_a_request_and_the_store_keeps_only_their_names()
    {
        var tool = Mcp("s3cret-value");
        T.AssertJsonEqual("""
            {"type": "mcp", "server_label": "docs", "server_url": "https://mcp.example.com/sse", "allowed_tools": ["echo"],
             "require_approval": "never", "headers": {"Authorization": "Bearer s3cret-value"}}
            """, ToolJson(ResponsesAdapter.ToWire(tool)).ToJsonString());
        Assert.Null(ResponsesAdapter.ToWire(tool, forRequest: false).Headers);

        var stored = JsonSerializer.Serialize(new StoreFile { Assistants = new() { StoredAssistant.From(new OaiAssistant { Id = "asst_local_x", Model = "gpt-4o", Tools = new[] { tool } }) } },
            StoreJson.Default.StoreFile);
        Assert.DoesNotContain("s3cret-value", stored);
        Assert.Contains("\"header_names\"", stored);
        var back = JsonSerializer.Deserialize(stored, StoreJson.Default.StoreFile)!.Assistants![0].ToModel().Tools[0];
        Assert.Equal(new[] { "Authorization" }, back.HeaderNames);
        Assert.Null(back.Headers);
    }

    [Fact]
    public void An_mcp_tool_whose_header_values_are_not_in_this_process_is_refused()
    {
        var stored = new OaiTool(OaiToolType.Mcp) { ServerLabel = "vault", ServerUrl = "https://mcp.example.com", HeaderNames = new[] { "X-Key" } };
        var ex = Assert.Throws<OaiApiException>(() => ResponsesAdapter.ToWire(stored, "asst_local_none"));
        Assert.Contains("X-Key", ex.Message);
        // Handed over in this process for that assistant, the values are found again.
        McpHeaders.Register("asst_local_known", new[] { new OaiTool(Mcp("abcd-1234")) { ServerLabel = "vault" } });
        Assert.Equal("Bearer abcd-1234", ResponsesAdapter.ToWire(new OaiTool(stored) { HeaderNames = new[] { "Authorization" } }, "asst_local_known").Headers!["Authorization"]);
    }

    [Fact]
    public void Secrets_are_masked_whole_and_text_without_them_is_left_alone()
    {
        OaiSecrets.Register("tok-123456");
        OaiSecrets.Register("tok-1234567890");
        Assert.Equal("a *** b ***", OaiSecrets.Redact("a tok-1234567890 b tok-123456"));
        var plain = "nothing secret here";
        Assert.Same(plain, OaiSecrets.Redact(plain));
    }

    [Fact]
    public void A_runs_raw_json_leaves_out_image_data_and_masks_echoed_secrets()
    {
        OaiSecrets.Register("echoed-secret-99");
        var raw = """
            {"id": "resp_1", "tools": [{"type": "mcp", "headers": {"Authorization": "Bearer echoed-secret-99"}}],
             "output": [{"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": "iVBORw0KGgo="}]}
            """;
        var shown = ResponsesAdapter.RawForUser(raw);
        Assert.DoesNotContain("echoed-secret-99", shown);
        Assert.DoesNotContain("iVBORw0KGgo", shown);
        Assert.Contains("ig_1", shown);
    }

    [Fact]
    public void Approval_requests_make_requires_action_and_approvals_go_back_as_mcp_approval_response()
    {
        var response = JsonSerializer.Deserialize("""
            {"id": "resp_1", "status": "completed", "created_at": 1, "conversation": {"id": "conv_1"},
             "output": [{"type": "mcp_list_tools", "id": "mcpl_1", "server_label": "docs", "tools": []},
                        {"type": "mcp_approval_request", "id": "mcpr_1", "server_label": "docs", "name": "echo", "arguments": "{}"}]}
            """, ResponsesJson.Default.ResponseObject)!;
        var run = ResponsesAdapter.Map(response, null, "conv_1");
        Assert.Equal(OaiRunStatus.RequiresAction, run.Status);
        var call = Assert.Single(run.RequiredAction!.ToolCalls);
        Assert.True(call.IsApprovalRequest);
        Assert.Equal(("mcpr_1", "docs", "echo"), (call.Id, call.ServerLabel, call.Name));
    }

    [Fact]
    public void Assistants_v2_refuses_hosted_tools_and_responses_only_options()
    {
        foreach (var tool in new[]
        {
            new OaiTool(OaiToolType.WebSearch), new OaiTool(OaiToolType.ImageGeneration), Mcp("abcd-efgh"),
            new OaiTool(OaiToolType.CodeInterpreter) { ContainerId = "cntr_1" },
            new OaiTool(OaiToolType.FileSearch) { FilterJson = "{}" },
        })
        {
            var ex = Assert.Throws<OaiApiException>(() => AssistantsV2Adapter.CheckTools(new[] { tool }));
            Assert.Equal(OaiErrorKind.NotSupported, ex.Kind);
        }
        AssistantsV2Adapter.CheckTools(new[] { new OaiTool(OaiToolType.FileSearch) { MaxNumResults = 3 } });
    }

    [Fact]
    public void Assistants_v2_messages_with_images_are_part_lists()
    {
        var content = AssistantsV2Adapter.Content(new MessageCreateOptions
        {
            Content = "Look",
            Images = new[] { new ImageInput("file-a", null, "low"), new ImageInput(null, "https://example.com/a.png") },
        });
        var json = JsonSerializer.Serialize(new CreateMessageRequest { Content = content }, AssistantsJson.Default.CreateMessageRequest);
        T.AssertJsonEqual("""
            {"role": "user", "content": [{"type": "text", "text": "Look"},
              {"type": "image_file", "image_file": {"file_id": "file-a", "detail": "low"}},
              {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "auto"}}]}
            """, json);
        Assert.Equal("Plain", AssistantsV2Adapter.Content(new MessageCreateOptions { Content = "Plain" }));
    }
}
