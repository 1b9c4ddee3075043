namespace PSAssistants.Protocols.Responses;

/// <summary>
/// What this session saw of each conversation item: a conversation item carries no created_at, response id
/// or assistant, so listed messages take them from the responses and additions this session made or read.
/// A message the session never saw (another process, another client) keeps them empty. Bounded, oldest
/// forgotten first; safe for runs waited on in parallel.
/// </summary>
internal sealed class MessageRecords
{
    private const int Capacity = 10_000;
    private readonly object _gate = new();
    private readonly Dictionary<string, Record> _byId = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Dictionary<string, (DateTimeOffset CreatedAt, int Count)> _threadStarts = new(StringComparer.Ordinal);

    private sealed record Record(string? RunId, string? AssistantId, DateTimeOffset? CreatedAt);

    /// <summary>The message items of a response's output were written by that response, at its end.</summary>
    public void LearnResponse(string responseId, string? assistantId, DateTimeOffset? createdAt, IEnumerable<string?> messageIds)
    {
        foreach (var id in messageIds)
        {
            if (!string.IsNullOrEmpty(id)) Add(id, new Record(responseId, assistantId, createdAt));
        }
    }

    /// <summary>A message this session added, at the time the server answered.</summary>
    public void LearnAdded(string messageId, DateTimeOffset createdAt)
    {
        if (!string.IsNullOrEmpty(messageId)) Add(messageId, new Record(null, null, createdAt));
    }

    /// <summary>A conversation made with its first <paramref name="count"/> messages, which share its created_at.</summary>
    public void LearnThreadStart(string conversationId, DateTimeOffset createdAt, int count)
    {
        if (count <= 0) return;
        lock (_gate)
        {
            if (_threadStarts.Count >= Capacity) _threadStarts.Clear();
            _threadStarts[conversationId] = (createdAt, count);
        }
    }

    /// <summary>
    /// Fills what the session knows of a listed message. <paramref name="position"/> is the message's index
    /// from the start of the conversation when known (an ascending list from its beginning), else null.
    /// </summary>
    public void Fill(OaiMessage message, int? position)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(message.Id, out var r))
            {
                message.RunId ??= r.RunId;
                if (message.Role == "assistant") message.AssistantId ??= r.AssistantId;
                message.CreatedAt ??= r.CreatedAt;
            }
            if (message.CreatedAt is null && position is { } p && _threadStarts.TryGetValue(message.ThreadId, out var start) && p < start.Count)
                message.CreatedAt = start.CreatedAt;
        }
    }

    private void Add(string id, Record record)
    {
        lock (_gate)
        {
            if (!_byId.ContainsKey(id))
            {
                _order.Enqueue(id);
                while (_order.Count > Capacity) _byId.Remove(_order.Dequeue());
            }
            _byId[id] = record;
        }
    }
}
