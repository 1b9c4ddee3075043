using System.Management.Automation;

namespace PSAssistants.Commands;

/// <summary>Gets files by id, or lists the files of the account (newest first), optionally of one purpose.</summary>
[Cmdlet(VerbsCommon.Get, "OaiFile", DefaultParameterSetName = ListSet)]
[OutputType(typeof(OaiFile))]
public sealed class GetOaiFileCommand : IdOrListCmdlet
{
    /// <summary>Lists newest first unless -Order says otherwise.</summary>
    public GetOaiFileCommand() : base(defaultOrder: "desc")
    {
    }

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

    private protected override void GetById()
    {
        var files = Adapter.Files;
        GetEach(Id, OaiFileCmdlet.FileIdOf, files.GetFileAsync);
    }

    private protected override void List(ListRequest request)
    {
        var files = Adapter.Files;
        WriteList(request, (options, ct) => files.ListFilesAsync(Purpose, options, ct), NameMatch<OaiFile>(FileName, f => f.FileName));
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
