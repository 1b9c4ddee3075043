namespace PSAssistants;

/// <summary>The run statuses the module acts on, spelled once (the API's strings; OaiRun.Status carries them as they are).</summary>
internal static class OaiRunStatus
{
    public const string Queued = "queued";
    public const string InProgress = "in_progress";
    public const string RequiresAction = "requires_action";
    public const string Cancelling = "cancelling";
    public const string Cancelled = "cancelled";
    public const string Failed = "failed";
    public const string Completed = "completed";
    public const string Incomplete = "incomplete";
    public const string Expired = "expired";

    /// <summary>True once a run can change no more.</summary>
    public static bool IsTerminal(string status) =>
        status is Completed or Failed or Cancelled or Expired or Incomplete;

    /// <summary>Where a wait stops: the run ended, or it waits for tool outputs.</summary>
    public static bool IsSettled(string status) => IsTerminal(status) || status == RequiresAction;
}

/// <summary>The assistant tool types the module treats specially, spelled once (the API's strings).</summary>
internal static class OaiToolType
{
    public const string Function = "function";
    public const string CodeInterpreter = "code_interpreter";
    public const string FileSearch = "file_search";

    /// <summary>The hosted tools of the Responses protocol (New-OaiTool); Assistants v2 has none of them.</summary>
    public const string WebSearch = "web_search";
    public const string ImageGeneration = "image_generation";
    public const string Mcp = "mcp";
}
