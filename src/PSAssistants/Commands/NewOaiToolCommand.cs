using System.Collections;
using System.Management.Automation;
using System.Security;
using System.Text.RegularExpressions;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>
/// Makes a tool object for -Tool (New-/Set-OaiAssistant, Start-OaiRun): code_interpreter and file_search with
/// their options, and the hosted tools of the Responses protocol: web_search, image_generation and remote MCP
/// servers. A tool the session's protocol does not have is refused before any request, where it is used.
/// </summary>
[Cmdlet(VerbsCommon.New, "OaiTool", DefaultParameterSetName = WebSearchSet)]
[OutputType(typeof(OaiTool))]
public sealed partial class NewOaiToolCommand : OaiCmdlet
{
    private const string WebSearchSet = "WebSearch";
    private const string ImageSet = "ImageGeneration";
    private const string McpSet = "Mcp";
    private const string CodeSet = "CodeInterpreter";
    private const string FileSearchSet = "FileSearch";

    private static readonly string[] s_locationKeys = { "country", "region", "city", "timezone" };

    #region web_search

    /// <summary>The web_search tool (Responses): the model searches the web and cites what it used.</summary>
    [Parameter(Mandatory = true, ParameterSetName = WebSearchSet)]
    public SwitchParameter WebSearch { get; set; }

    /// <summary>The domains the search may use; their subdomains are allowed too.</summary>
    [Parameter(ParameterSetName = WebSearchSet)]
    [ValidateNotNullOrEmpty]
    public string[]? AllowedDomain { get; set; }

    /// <summary>How much of the context the search may fill: low, medium (the server's default) or high.</summary>
    [Parameter(ParameterSetName = WebSearchSet)]
    [ValidateSet("low", "medium", "high")]
    public string? SearchContextSize { get; set; }

    /// <summary>The user's approximate location: @{ country = 'GB'; city = 'London'; region = ...; timezone = 'Europe/London' }.</summary>
    [Parameter(ParameterSetName = WebSearchSet)]
    [ValidateNotNull]
    public Hashtable? UserLocation { get; set; }

    #endregion

    #region image_generation

    /// <summary>The image_generation tool (Responses): the model makes images, which Save-OaiFile saves.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ImageSet)]
    public SwitchParameter ImageGeneration { get; set; }

    /// <summary>WIDTHxHEIGHT, such as 1024x1024, or auto.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [ValidatePattern("^(auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4})$")]
    public string? Size { get; set; }

    /// <summary>The quality of generated images: low, medium, high or auto.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [ValidateSet("low", "medium", "high", "auto")]
    public string? Quality { get; set; }

    /// <summary>The format of generated images: png, jpeg or webp.</summary>
    [Parameter(ParameterSetName = ImageSet)]
    [ValidateSet("png", "jpeg", "webp")]
    public string? OutputFormat { get; set; }

    #endregion

    #region mcp

    /// <summary>A remote MCP server (Responses): its tools become the model's tools.</summary>
    [Parameter(Mandatory = true, ParameterSetName = McpSet)]
    public SwitchParameter Mcp { get; set; }

    /// <summary>The name the server goes by in calls and approvals.</summary>
    [Parameter(Mandatory = true, ParameterSetName = McpSet)]
    [ValidatePattern("^[A-Za-z0-9_-]{1,64}$")]
    public string ServerLabel { get; set; } = "";

    /// <summary>The server's https URL. The API's servers call it, never this machine.</summary>
    [Parameter(Mandatory = true, ParameterSetName = McpSet)]
    [ValidateNotNull]
    public Uri ServerUrl { get; set; } = null!;

    /// <summary>The server's tools the model may call; all when not given.</summary>
    [Parameter(ParameterSetName = McpSet)]
    [ValidateNotNullOrEmpty]
    public string[]? AllowedTool { get; set; }

    /// <summary>always (the default: every call waits for Submit-OaiToolOutput -Approve or Start-OaiRun -ApproveMcpTool) or never.</summary>
    [Parameter(ParameterSetName = McpSet)]
    [ValidateSet("always", "never")]
    public string? RequireApproval { get; set; }

    /// <summary>
    /// HTTP headers for the server, such as @{ Authorization = "Bearer $token" }; values may be strings or
    /// SecureStrings. The values are secrets: no view, export, store, log or error shows them.
    /// </summary>
    [Parameter(ParameterSetName = McpSet)]
    [ValidateNotNull]
    public Hashtable? Header { get; set; }

    #endregion

    #region code_interpreter and file_search

    /// <summary>The code_interpreter tool, with options.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CodeSet)]
    public SwitchParameter CodeInterpreter { get; set; }

    /// <summary>An existing container (cntr_...) to run the code in (Responses).</summary>
    [Parameter(ParameterSetName = CodeSet)]
    [ValidateNotNullOrEmpty]
    public string? ContainerId { get; set; }

    /// <summary>The memory of the container the server makes (Responses): 1g, 4g, 16g or 64g.</summary>
    [Parameter(ParameterSetName = CodeSet)]
    [ValidateSet("1g", "4g", "16g", "64g")]
    public string? MemoryLimit { get; set; }

    /// <summary>Files (ids) the code may read.</summary>
    [Parameter(ParameterSetName = CodeSet)]
    [ValidateNotNullOrEmpty]
    public string[]? FileId { get; set; }

    /// <summary>The file_search tool, with options.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FileSearchSet)]
    public SwitchParameter FileSearch { get; set; }

    /// <summary>The vector stores (ids) to search.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FileSearchSet)]
    [ValidateNotNullOrEmpty]
    public string[] VectorStoreId { get; set; } = Array.Empty<string>();

    /// <summary>The most results a search returns, 1 to 50.</summary>
    [Parameter(ParameterSetName = FileSearchSet)]
    [ValidateRange(1, 50)]
    public int? MaxNumResults { get; set; }

    /// <summary>An attribute filter (Responses), as the API takes it: @{ type = 'eq'; key = 'team'; value = 'ops' }.</summary>
    [Parameter(ParameterSetName = FileSearchSet)]
    [ValidateNotNull]
    public Hashtable? Filter { get; set; }

    #endregion

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderName();

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        Emit(ParameterSetName switch
        {
            WebSearchSet => new OaiTool(OaiToolType.WebSearch)
            {
                AllowedDomains = AllowedDomain ?? Array.Empty<string>(),
                SearchContextSize = SearchContextSize,
                UserLocation = Location(),
            },
            ImageSet => new OaiTool(OaiToolType.ImageGeneration) { Size = Size, Quality = Quality, OutputFormat = OutputFormat },
            McpSet => McpTool(),
            CodeSet => new OaiTool(OaiToolType.CodeInterpreter)
            {
                ContainerId = ContainerId is null ? null : OaiId.Check(ContainerId, "container"),
                MemoryLimit = ContainerId is not null && MemoryLimit is not null
                    ? throw new OaiArgumentException("-MemoryLimit sets the memory of a container the server makes; an existing container (-ContainerId) keeps its own.")
                    : MemoryLimit,
                FileIds = (FileId ?? Array.Empty<string>()).Select(id => OaiId.Check(id, "file")).ToArray(),
            },
            _ => new OaiTool(OaiToolType.FileSearch)
            {
                VectorStoreIds = VectorStoreId.Select(id => OaiId.Check(id, "vector store")).ToArray(),
                MaxNumResults = MaxNumResults,
                FilterJson = Filter is null ? null : ToJson(Filter),
            },
        });
    }

    private IReadOnlyDictionary<string, string>? Location()
    {
        if (UserLocation is null) return null;
        var location = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in UserLocation)
        {
            var key = e.Key?.ToString()?.ToLowerInvariant() ?? "";
            if (!s_locationKeys.Contains(key))
                throw new OaiArgumentException($"-UserLocation takes the keys {string.Join(", ", s_locationKeys)}, not '{e.Key}'.");
            if (InputResolver.Unwrap(e.Value)?.ToString() is { Length: > 0 } value) location[key] = value;
        }
        return location;
    }

    private OaiTool McpTool()
    {
        // Only https: header values travel to the server, and the API's servers refuse other schemes.
        if (!ServerUrl.IsAbsoluteUri || ServerUrl.Scheme != Uri.UriSchemeHttps)
            throw new OaiArgumentException($"-ServerUrl must be an absolute https URL, not '{ServerUrl}'.");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in Header ?? new Hashtable())
        {
            var name = e.Key?.ToString() ?? "";
            if (!HeaderName().IsMatch(name)) throw new OaiArgumentException($"'{name}' is not an HTTP header name.");
            var value = InputResolver.Unwrap(e.Value) switch
            {
                SecureString s => new System.Net.NetworkCredential("", s).Password,
                string s => s,
                // The message names the header, never the value.
                _ => throw new OaiArgumentException($"-Header '{name}' takes a string or a SecureString."),
            };
            if (value.Length < OaiSecrets.MinLength)
                throw new OaiArgumentException($"-Header '{name}' is shorter than {OaiSecrets.MinLength} characters; header values are treated as secrets and masked wherever they could appear, which a value that short cannot be.");
            if (value.Contains('\r') || value.Contains('\n')) throw new OaiArgumentException($"-Header '{name}' holds a line break.");
            OaiSecrets.Register(value);
            headers[name] = value;
        }
        return new OaiTool(OaiToolType.Mcp)
        {
            ServerLabel = ServerLabel,
            ServerUrl = ServerUrl.AbsoluteUri,
            AllowedTools = AllowedTool ?? Array.Empty<string>(),
            RequireApproval = RequireApproval,
            HeaderNames = headers.Keys.ToArray(),
            Headers = headers.Count == 0 ? null : headers,
        };
    }

    private string ToJson(Hashtable value) =>
        InvokeCommand.InvokeScript(true, ScriptBlock.Create("param($v) ConvertTo-Json -InputObject $v -Depth 10 -Compress -WarningAction Ignore"), null, value)
            .FirstOrDefault()?.ToString() ?? "null";
}
