using System.Text;
using PSAssistants.Protocols;

namespace PSAssistants.Commands.Waiting;

/// <summary>Writes streamed text to the host like Write-Host -NoNewline, and remembers what it wrote.</summary>
internal sealed class RunTextPrinter
{
    private readonly IWaitHost _host;
    private readonly Dictionary<string, StringBuilder> _printed = new(StringComparer.Ordinal);
    private bool _atLineStart = true;

    public RunTextPrinter(IWaitHost host) => _host = host;

    public bool PrintedNothing => _printed.Count == 0;

    public void Print(string? messageId, string text)
    {
        var key = messageId ?? "";
        if (!_printed.TryGetValue(key, out var sb)) _printed[key] = sb = new StringBuilder();
        sb.Append(text);
        Write(text);
    }

    public void EndMessage(string? messageId) => EndLine();

    public void EndLine()
    {
        if (!_atLineStart) Write("\n");
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

    private void Write(string text)
    {
        if (text.Length == 0) return;
        // A secret the model repeats is masked where it arrives whole in one piece of the stream.
        _host.WriteHostText(Client.OaiSecrets.Redact(text));
        _atLineStart = text.EndsWith('\n');
    }
}
