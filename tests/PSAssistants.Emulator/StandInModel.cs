// The deterministic stand-in "model" used by runs (Assistants) and responses (Responses API).
//
// Inputs: the effective instructions (run: instructions override or the assistant's, then
// additional_instructions appended after a blank line; response: `instructions`) and the text of the
// last user message (Assistants: the thread's latest role=user message; Responses: the last user
// input item, text parts joined with a newline).
//
// Rules, checked in this order on the user text:
//   1. contains "[fail]"   → the run/response fails: last_error/error {code:"server_error",
//                            message:"The emulator was asked to fail this run."}.
//   2. contains "[expire]" → (runs only) the run ends with status "expired".
//   3. contains "call NAME" or "call NAME({json object})", where NAME is the name of one of the
//      function tools available → a function tool call with arguments = the JSON object text, or "{}".
//      Several "call X" in one message → several (parallel) calls, in order of appearance.
//   4. otherwise a text reply:
//      - if the instructions contain "address the user as NAME" (NAME runs to the next period or
//        line end), the reply starts with "Hello NAME! ";
//      - if the user text contains a linear equation a·x ± b = c (integers or decimals; forms like
//        "3x + 11 = 14", "2x = 8", "x - 4 = 10", "-2.5*x + 1 = 6"; variable x, y or z), the reply
//        explains the steps and ends with "The answer is x = 1." e.g.
//        "Let's solve 3x + 11 = 14 step by step. Subtract 11 from both sides: 3x = 3. Then divide
//         both sides by 3: x = 1. The answer is x = 1."
//      - otherwise the reply is "You said: <the user text>".
//   After tool outputs come back, the reply is the greeting (rule 4) followed by one line per output:
//   "NAME returned: OUTPUT".
// "[delay:NNNN]" in the user text sets that run's/response's duration to NNNN ms (it does not change
// the reply text). "[chunk:N]" in a reply (echoed from the user text) streams it N characters a delta. Token usage is a rough word count (whitespace separated) of prompt and reply.
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PSAssistants.Emulator;

abstract record Outcome;
sealed record ReplyOutcome(string Text) : Outcome;
sealed record FailOutcome() : Outcome;
sealed record ExpireOutcome() : Outcome;
sealed record ToolCallsOutcome(List<PlannedCall> Calls) : Outcome;
sealed record PlannedCall(string Name, string Arguments);

static partial class StandInModel
{
    public const string FailMessage = "The emulator was asked to fail this run.";

    [GeneratedRegex(@"address the user as\s+([^.\r\n]+)", RegexOptions.IgnoreCase)]
    private static partial Regex AddressAs();

    [GeneratedRegex(@"(?<![A-Za-z0-9.])(?<a>[-+]?\s?\d+(?:\.\d+)?|-)?\s*\*?\s*(?<v>[xyz])(?![A-Za-z0-9])\s*(?:(?<op>[+-])\s*(?<b>\d+(?:\.\d+)?))?\s*=\s*(?<c>[-+]?\s?\d+(?:\.\d+)?)")]
    private static partial Regex Equation();

    [GeneratedRegex(@"\bcall\s+([A-Za-z0-9_-]{1,64})")]
    private static partial Regex CallRx();

    [GeneratedRegex(@"\S+")]
    private static partial Regex Word();

    public static int Words(string? s) => string.IsNullOrEmpty(s) ? 0 : Word().Matches(s).Count;

    public static int? DelayMs(string? userText)
    {
        if (userText is null) return null;
        var m = Rx.Delay().Match(userText);
        return m.Success && int.TryParse(m.Groups[1].Value, out var d) ? d : null;
    }

    public static Outcome Plan(string? instructions, string userText, IReadOnlyCollection<string> functionNames, bool allowExpire = true)
    {
        if (userText.Contains("[fail]", StringComparison.OrdinalIgnoreCase)) return new FailOutcome();
        if (allowExpire && userText.Contains("[expire]", StringComparison.OrdinalIgnoreCase)) return new ExpireOutcome();
        var calls = FindCalls(userText, functionNames);
        if (calls.Count > 0) return new ToolCallsOutcome(calls);
        return new ReplyOutcome(Reply(instructions, userText));
    }

    public static string Greeting(string? instructions)
    {
        if (instructions is null) return "";
        var m = AddressAs().Match(instructions);
        if (!m.Success) return "";
        var name = m.Groups[1].Value.Trim();
        return name.Length == 0 ? "" : $"Hello {name}! ";
    }

    public static string Reply(string? instructions, string userText)
    {
        var body = SolveEquation(userText) ?? $"You said: {userText}";
        return Greeting(instructions) + body;
    }

    public static string ToolReply(string? instructions, IEnumerable<(string name, string output)> outputs) =>
        Greeting(instructions) + string.Join("\n", outputs.Select(o => $"{o.name} returned: {o.output}"));

    static string N(double d) => Math.Round(d, 10).ToString("0.##########", CultureInfo.InvariantCulture);

    static string Term(double a, string v) => a == 1 ? v : a == -1 ? "-" + v : N(a) + v;

    static double Num(string s) => double.Parse(s.Replace(" ", ""), NumberStyles.Float, CultureInfo.InvariantCulture);

    public static string? SolveEquation(string text)
    {
        foreach (Match m in Equation().Matches(text))
        {
            var v = m.Groups["v"].Value;
            double a = 1;
            if (m.Groups["a"].Success)
            {
                var s = m.Groups["a"].Value.Replace(" ", "");
                a = s == "-" ? -1 : s == "+" ? 1 : Num(s);
            }
            double b = 0;
            if (m.Groups["b"].Success)
            {
                b = Num(m.Groups["b"].Value);
                if (m.Groups["op"].Value == "-") b = -b;
            }
            var c = Num(m.Groups["c"].Value);
            if (a == 0) continue;
            var original = m.Value.Trim();
            var sb = new StringBuilder($"Let's solve {original} step by step.");
            var rhs = c - b;
            if (b > 0) sb.Append($" Subtract {N(b)} from both sides: {Term(a, v)} = {N(rhs)}.");
            else if (b < 0) sb.Append($" Add {N(-b)} to both sides: {Term(a, v)} = {N(rhs)}.");
            var x = rhs / a;
            if (a != 1) sb.Append(b != 0 ? $" Then divide both sides by {N(a)}: {v} = {N(x)}." : $" Divide both sides by {N(a)}: {v} = {N(x)}.");
            sb.Append($" The answer is {v} = {N(x)}.");
            return sb.ToString();
        }
        return null;
    }

    public static List<PlannedCall> FindCalls(string text, IReadOnlyCollection<string> functionNames)
    {
        var result = new List<PlannedCall>();
        if (functionNames.Count == 0) return result;
        foreach (Match m in CallRx().Matches(text))
        {
            var name = m.Groups[1].Value;
            if (!functionNames.Contains(name)) continue;
            result.Add(new PlannedCall(name, ArgsAfter(text, m.Index + m.Length) ?? "{}"));
        }
        return result;
    }

    /// <summary>Reads "(  {json object}  )" right after a call name; null when absent or not a JSON object.</summary>
    static string? ArgsAfter(string text, int i)
    {
        while (i < text.Length && text[i] == ' ') i++;
        if (i >= text.Length || text[i] != '(') return null;
        i++;
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        if (i >= text.Length || text[i] != '{') return null;
        int start = i, depth = 0;
        bool inStr = false;
        for (; i < text.Length; i++)
        {
            var ch = text[i];
            if (inStr)
            {
                if (ch == '\\') i++;
                else if (ch == '"') inStr = false;
                continue;
            }
            if (ch == '"') inStr = true;
            else if (ch == '{') depth++;
            else if (ch == '}' && --depth == 0) break;
        }
        if (i >= text.Length) return null;
        var obj = text.Substring(start, i - start + 1);
        try { return JsonNode.Parse(obj) is JsonObject ? obj : null; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    [GeneratedRegex(@"\[chunk:(\d{1,4})\]", RegexOptions.IgnoreCase)]
    private static partial Regex ChunkRx();

    /// <summary>
    /// Splits a reply into chunks of a few words (keeping whitespace) for streaming deltas; a reply that carries
    /// "[chunk:N]" (an echo of the user text) is cut every N characters instead, words and all.
    /// </summary>
    public static List<string> Chunks(string text, int wordsPerChunk = 3)
    {
        if (ChunkRx().Match(text) is { Success: true } cm && int.Parse(cm.Groups[1].Value, CultureInfo.InvariantCulture) is var size and > 0)
        {
            var pieces = new List<string>();
            for (var at = 0; at < text.Length; at += size) pieces.Add(text[at..Math.Min(at + size, text.Length)]);
            return pieces;
        }
        var chunks = new List<string>();
        var ms = Word().Matches(text);
        if (ms.Count == 0) { if (text.Length > 0) chunks.Add(text); return chunks; }
        int pos = 0;
        for (int w = 0; w < ms.Count; w += wordsPerChunk)
        {
            var last = ms[Math.Min(w + wordsPerChunk, ms.Count) - 1];
            var end = w + wordsPerChunk >= ms.Count ? text.Length : last.Index + last.Length;
            chunks.Add(text[pos..end]);
            pos = end;
        }
        return chunks;
    }
}
