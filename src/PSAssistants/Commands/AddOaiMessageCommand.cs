using System.Collections;
using System.Management.Automation;
using PSAssistants.Protocols;
using PSAssistants.Client;

namespace PSAssistants.Commands;

/// <summary>Adds a message to a thread.</summary>
[Cmdlet(VerbsCommon.Add, "OaiMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OaiMessage))]
public sealed class AddOaiMessageCommand : MessageInputCmdlet
{
    /// <summary>A thread id, or an object that carries one (thread, message, run).</summary>
    // Not positional, so that `$thread | Add-OaiMessage 'text'` binds the text to -Content.
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(ThreadIdCompleter))]
    [Alias("ThreadId")]
    [ValidateNotNull]
    public object Thread { get; set; } = null!;

    /// <summary>The text of the message.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Content { get; set; } = "";

    /// <summary>user (the default) or assistant.</summary>
    [Parameter]
    [ValidateSet("user", "assistant")]
    public string Role { get; set; } = "user";

    /// <summary>Up to 16 key-value pairs to store with the message (Assistants v2 only).</summary>
    [Parameter]
    public Hashtable? Metadata { get; set; }

    /// <summary>Files to attach: ids or OaiFile objects (Assistants v2 attachments; Responses input_file parts).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? FileId { get; set; }

    /// <summary>The tools the files are for on Assistants v2: code_interpreter and/or file_search (default file_search).</summary>
    [Parameter]
    [ValidateSet(OaiToolType.CodeInterpreter, OaiToolType.FileSearch)]
    public string[]? AttachTo { get; set; }

    /// <inheritdoc/>
    protected override void ProcessItem()
    {
        if (string.IsNullOrWhiteSpace(Content)) throw new OaiArgumentException("-Content is empty: a message needs text.");
        var threadId = InputResolver.ThreadId(Thread);
        var options = new MessageCreateOptions
        {
            Content = Content,
            Role = Role.ToLowerInvariant(),
            Metadata = OaiMetadata.FromHashtable(Metadata),
            FileIds = FileId ?? Array.Empty<string>(),
            AttachTo = AttachTo?.Select(t => t.ToLowerInvariant()).ToArray() ?? Array.Empty<string>(),
        };
        if (AttachTo is not null && FileId is null && FilePath is null) throw new OaiArgumentException("-AttachTo names the tools of the files of -FileId or -FilePath: give one of them too.");
        var inputs = ResolveMessageInputs();
        if (!ShouldProcess(threadId, "Add message")) return;
        var adapter = Adapter;
        Emit(WithUploads(uploaded =>
        {
            var message = HasMessageInputs ? WithInputs(options, inputs, uploaded) : options;
            return Await(ct => adapter.AddMessageAsync(threadId, message, ct));
        }));
    }
}
