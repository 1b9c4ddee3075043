using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Gets files by id, or lists the files of the account (newest first), optionally of one purpose.</summary>
[Cmdlet(VerbsCommon.Get, "OaiFile", DefaultParameterSetName = ListSet)]
[OutputType(typeof(OaiFile))]
public sealed class GetOaiFileCommand : OaiFileCmdlet
{
    private const string ListSet = "List";
    private const string IdSet = "Id";

    /// <summary>File ids, or objects that carry one (OaiFile, a vector store file, a message part with a FileId).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true)]
    [Alias("FileId", "File")]
    [ValidateNotNullOrEmpty]
    public object[] Id { get; set; } = Array.Empty<object>();

    /// <summary>Only files of this purpose, such as assistants, assistants_output or user_data.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ArgumentCompleter(typeof(FilePurposeCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Purpose { get; set; }

    /// <summary>Only files whose name matches this wildcard pattern.</summary>
    [Parameter(ParameterSetName = ListSet, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? FileName { get; set; }

    /// <summary>At most this many files (matches, with -FileName).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>Starts the list after this id (the cursor of the previous page's last item).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? After { get; set; }

    /// <summary>Compatibility only: every page is listed without it too (-First still caps the list); kept so scripts that pass it keep working.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter All { get; set; }

    /// <summary>desc (newest first, the default) or asc.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("asc", "desc")]
    public string Order { get; set; } = "desc";

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        var files = Files;
        if (ParameterSetName == IdSet)
        {
            ForEachItem(Id, item =>
            {
                var id = FileIdOf(item);
                Emit(Await(ct => files.GetFileAsync(id, ct)));
            });
            return;
        }
        var pattern = FileName is null ? null : new WildcardPattern(FileName, WildcardOptions.IgnoreCase);
        WriteEach(files.ListFilesAsync(Purpose, Order.ToLowerInvariant(), pattern is null ? First : null, StopToken, After),
            pattern is null ? null : f => pattern.IsMatch(f.FileName), pattern is null ? null : First);
    }
}

/// <summary>Completes the purposes a file can have.</summary>
public sealed class FilePurposeCompleter : IArgumentCompleter
{
    private static readonly string[] s_purposes =
        { "assistants", "assistants_output", "user_data", "vision", "batch", "batch_output", "fine-tune", "fine-tune-results", "evals" };

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        s_purposes.Where(p => p.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase)).Select(p => new CompletionResult(p));
}
