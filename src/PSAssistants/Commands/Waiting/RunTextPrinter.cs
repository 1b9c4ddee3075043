using System.Text;
using PSAssistants.Protocols;

namespace PSAssistants.Commands.Waiting;

/// <summary>
/// Writes streamed text to the host like Write-Host -NoNewline, and remembers what it wrote. A secret the model
/// repeats is masked even when it arrives split across pieces of the stream: only an end that could be the start
/// of a secret is held back until the next piece (or the message's end) shows what it is; other text goes out at once.
/// </summary>
internal sealed class RunTextPrinter
{
    private readonly IWaitHost _host;

    /// <summary>What was written of each message (masked), to compare with the server's text after a break.</summary>
    private readonly Dictionary<string, StringBuilder> _printed = new(StringComparer.Ordinal);

    private bool _atLineStart = true;

    /// <summary>The end of a message held back because it could be the start of a secret, and whose message it is.</summary>
    private string _held = "";
    private string _heldFor = "";

    public RunTextPrinter(IWaitHost host) => _host = host;

    public bool PrintedNothing => _printed.Count == 0;

    public void Print(string? messageId, string text)
    {
        var key = messageId ?? "";
        if (_held.Length > 0 && key != _heldFor) Flush(); // another message began: the held end was its message's end
        if (!_printed.ContainsKey(key)) _printed[key] = new StringBuilder();
        var masked = Client.OaiSecrets.Redact(_held + text);
        var hold = Client.OaiSecrets.PossibleStartAtEnd(masked);
        _held = masked[^hold..];
        _heldFor = key;
        Write(key, masked[..^hold]);
    }

    public void EndMessage(string? messageId) => EndLine();

    public void EndLine()
    {
        Flush();
        if (!_atLineStart) Write(null, "\n");
    }

    /// <summary>Writes the held end as it is: its message (or the wait) ended, so no secret follows it.</summary>
    private void Flush()
    {
        var held = _held;
        _held = "";
        Write(_heldFor, held);
    }

    /// <summary>
    /// After a broken stream or a server that did not stream: writes what the run's messages hold beyond
    /// what was already written, so no text is lost and none is written twice.
    /// </summary>
    public void PrintRemainder(OaiRun run, IProtocolAdapter adapter)
    {
        var messages = new List<OaiMessage>();
        var e = adapter.ListMessagesAsync(run.ThreadId, run.Id, new ListOptions { Order = "asc" }, _host.StopToken).GetAsyncEnumerator(_host.StopToken);
        try
        {
            while (_host.Await(_ => e.MoveNextAsync().AsTask())) messages.Add(e.Current);
        }
        finally
        {
            _host.Await(async _ => { await e.DisposeAsync().ConfigureAwait(false); return true; });
        }
        // A held end is not written: the server's text, masked whole, tells what it was.
        _held = "";
        foreach (var m in messages.Where(m => m.Role == "assistant"))
        {
            var already = _printed.TryGetValue(m.Id, out var sb) ? sb.ToString() : "";
            if (already.Length == 0 && _printed.Count == 1 && _printed.ContainsKey("")) already = _printed[""].ToString();
            if (!m.Text.StartsWith(already, StringComparison.Ordinal)) already = "";
            var rest = m.Text[already.Length..];
            if (rest.Length == 0) continue;
            Print(m.Id, rest);
            EndLine();
        }
    }

    private void Write(string? messageId, string text)
    {
        if (text.Length == 0) return;
        if (messageId is not null && _printed.TryGetValue(messageId, out var sb)) sb.Append(text);
        _host.WriteHostText(text);
        _atLineStart = text.EndsWith('\n');
    }
}
