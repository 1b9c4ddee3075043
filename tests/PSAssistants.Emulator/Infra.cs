// Shared plumbing: errors, ids, clock, JSON helpers, request validation and list paging.
// Written from /work/shared/openapi (openai-openapi.yaml + protocol-notes.md) only.
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PSAssistants.Emulator;

/// <summary>An API error answered as {"error":{message,type,param,code}}.</summary>
sealed class ApiException(int status, string message, string? param = null, string? code = null,
    string type = "invalid_request_error") : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public string Type { get; } = type;

    public JsonObject Body() => ErrorBody(Message, Type, Param, Code);

    public static JsonObject ErrorBody(string message, string type, string? param, string? code) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message,
            ["type"] = type,
            ["param"] = param,
            ["code"] = code,
        },
    };

    public static ApiException NotFound(string what, string id) =>
        new(404, $"No {what} found with id '{id}'.");
}

static class Ids
{
    const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    public static string New(string prefix) => prefix + new string(RandomNumberGenerator.GetItems<char>(Alnum, 24));
    public static string RequestId() => "req_" + Guid.NewGuid().ToString("N");
    static long _seq;
    /// <summary>Global insertion counter: breaks created_at ties so paging is stable.</summary>
    public static long NextSeq() => Interlocked.Increment(ref _seq);
}

static class Clock
{
    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    public static long Sec(long ms) => ms / 1000;
}

static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static string Text(JsonNode? n) => n is null ? "null" : n.ToJsonString(Options);

    public static JsonNode? Clone(JsonNode? n) => n?.DeepClone();

    public static string Kind(JsonNode? n) => n switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Number => IsInteger(v) ? "an integer" : "a decimal",
            _ => "null",
        },
        _ => "unknown",
    };

    static bool IsInteger(JsonValue v) => v.TryGetValue<long>(out _) ||
        (v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out _));

    public static bool IsString(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String;
    public static bool IsBool(JsonNode? n) => n is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False;
    public static bool IsNumber(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number;
    public static bool IsInt(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && IsInteger(v);

    public static string? Str(JsonNode? n) => IsString(n) ? n!.GetValue<string>() : null;

    public static JsonArray Array(IEnumerable<JsonNode?> items)
    {
        var a = new JsonArray();
        foreach (var i in items) a.Add(i);
        return a;
    }

    /// <summary>Parses a request body; empty body means {}. Non-object or broken JSON → 400.</summary>
    public static JsonObject ParseBody(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return new JsonObject();
        JsonNode? n;
        try { n = JsonNode.Parse(body); }
        catch (JsonException)
        {
            throw new ApiException(400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. " +
                "The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)");
        }
        if (n is not JsonObject o)
            throw new ApiException(400, $"Invalid type for body: expected an object, but got {Kind(n)} instead.", null, "invalid_type");
        return o;
    }
}

/// <summary>Validation helpers producing the real API's style of 400 messages with <c>param</c> set.</summary>
static class V
{
    public static string P(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    public static ApiException TypeErr(string param, string expected, JsonNode? got) =>
        new(400, $"Invalid type for '{param}': expected {expected}, but got {Json.Kind(got)} instead.", param, "invalid_type");

    public static ApiException ValueErr(string param, string value, IEnumerable<string> allowed)
    {
        var list = allowed.Select(a => $"'{a}'").ToList();
        var joined = list.Count <= 1 ? string.Join("", list) : string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1];
        return new(400, $"Invalid value: '{value}'. Supported values are: {joined}.", param, "invalid_value");
    }

    public static ApiException Missing(string param) =>
        new(400, $"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    public static void NoUnknown(JsonObject o, IReadOnlyCollection<string> allowed, string prefix = "")
    {
        foreach (var kv in o)
            if (!allowed.Contains(kv.Key))
            {
                var p = P(prefix, kv.Key);
                throw new ApiException(400, $"Unknown parameter: '{p}'.", p, "unknown_parameter");
            }
    }

    public static bool Has(JsonObject o, string name) => o.ContainsKey(name);

    public static string ReqString(JsonObject o, string name, string prefix = "", int maxLen = int.MaxValue, bool allowEmpty = true)
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n) || n is null) throw Missing(p);
        if (!Json.IsString(n)) throw TypeErr(p, "a string", n);
        var s = n.GetValue<string>();
        CheckLen(p, s, maxLen, allowEmpty);
        return s;
    }

    /// <summary>Absent → (false,null). Present null → (true,null) when nullable.</summary>
    public static (bool present, string? value) OptString(JsonObject o, string name, string prefix = "", bool nullable = true, int maxLen = int.MaxValue)
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n)) return (false, null);
        if (n is null)
        {
            if (nullable) return (true, null);
            throw TypeErr(p, "a string", n);
        }
        if (!Json.IsString(n)) throw TypeErr(p, "a string", n);
        var s = n.GetValue<string>();
        CheckLen(p, s, maxLen, true);
        return (true, s);
    }

    static void CheckLen(string p, string s, int maxLen, bool allowEmpty)
    {
        if (!allowEmpty && s.Length == 0)
            throw new ApiException(400, $"Invalid '{p}': empty string. Expected a string with minimum length 1, but got an empty string instead.", p, "empty_string");
        if (s.Length > maxLen)
            throw new ApiException(400, $"Invalid '{p}': string too long. Expected a string with maximum length {maxLen}, but got a string with length {s.Length} instead.", p, "string_above_max_length");
    }

    public static (bool present, double? value) OptNumber(JsonObject o, string name, double min, double max, string prefix = "")
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n)) return (false, null);
        if (n is null) return (true, null);
        if (!Json.IsNumber(n)) throw TypeErr(p, "a number", n);
        var d = n.GetValue<double>();
        if (d < min)
            throw new ApiException(400, $"Invalid '{p}': decimal below minimum value. Expected a value >= {Fmt(min)}, but got {Fmt(d)} instead.", p, "decimal_below_min_value");
        if (d > max)
            throw new ApiException(400, $"Invalid '{p}': decimal above maximum value. Expected a value <= {Fmt(max)}, but got {Fmt(d)} instead.", p, "decimal_above_max_value");
        return (true, d);
    }

    public static (bool present, long? value) OptInt(JsonObject o, string name, long min, long max, string prefix = "")
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n)) return (false, null);
        if (n is null) return (true, null);
        if (!Json.IsInt(n)) throw TypeErr(p, "an integer", n);
        var d = n.GetValue<long>();
        CheckIntRange(p, d, min, max);
        return (true, d);
    }

    public static void CheckIntRange(string p, long d, long min, long max)
    {
        if (d < min)
            throw new ApiException(400, $"Invalid '{p}': integer below minimum value. Expected a value >= {min}, but got {d} instead.", p, "integer_below_min_value");
        if (d > max)
            throw new ApiException(400, $"Invalid '{p}': integer above maximum value. Expected a value <= {max}, but got {d} instead.", p, "integer_above_max_value");
    }

    public static bool? OptBool(JsonObject o, string name, string prefix = "", bool nullable = true)
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n)) return null;
        if (n is null)
        {
            if (nullable) return null;
            throw TypeErr(p, "a boolean", n);
        }
        if (!Json.IsBool(n)) throw TypeErr(p, "a boolean", n);
        return n.GetValue<bool>();
    }

    public static JsonArray? OptArray(JsonObject o, string name, string prefix = "", int maxItems = int.MaxValue, bool nullable = true)
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n)) return null;
        if (n is null)
        {
            if (nullable) return null;
            throw TypeErr(p, "an array", n);
        }
        if (n is not JsonArray a) throw TypeErr(p, "an array", n);
        if (a.Count > maxItems)
            throw new ApiException(400, $"Invalid '{p}': array too long. Expected an array with maximum length {maxItems}, but got an array with length {a.Count} instead.", p, "array_above_max_length");
        return a;
    }

    public static JsonObject? OptObject(JsonObject o, string name, string prefix = "", bool nullable = true)
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n)) return null;
        if (n is null)
        {
            if (nullable) return null;
            throw TypeErr(p, "an object", n);
        }
        if (n is not JsonObject x) throw TypeErr(p, "an object", n);
        return x;
    }

    /// <summary>Metadata: string→string map, ≤16 keys, key ≤64 chars, value ≤512 chars, or null. Returns (present, clone).</summary>
    public static (bool present, JsonObject? value) Metadata(JsonObject o, string prefix = "", string name = "metadata")
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n)) return (false, null);
        if (n is null) return (true, null);
        if (n is not JsonObject m) throw TypeErr(p, "an object", n);
        if (m.Count > 16)
            throw new ApiException(400, $"Invalid '{p}': too many properties. Expected an object with at most 16 properties, but got an object with {m.Count} properties instead.", p, "object_above_max_properties");
        var copy = new JsonObject();
        foreach (var kv in m)
        {
            if (kv.Key.Length > 64)
                throw new ApiException(400, $"Invalid '{p}': metadata key '{kv.Key[..Math.Min(kv.Key.Length, 64)]}...' is too long. Expected a key with maximum length 64, but got a key with length {kv.Key.Length} instead.", p, "string_above_max_length");
            var vp = p + "." + kv.Key;
            if (!Json.IsString(kv.Value)) throw TypeErr(vp, "a string", kv.Value);
            var s = kv.Value!.GetValue<string>();
            if (s.Length > 512)
                throw new ApiException(400, $"Invalid '{vp}': string too long. Expected a string with maximum length 512, but got a string with length {s.Length} instead.", vp, "string_above_max_length");
            copy[kv.Key] = s;
        }
        return (true, copy);
    }

    public static string EnumString(JsonObject o, string name, string[] allowed, string prefix = "", bool required = false, string? dflt = null)
    {
        var p = P(prefix, name);
        if (!o.TryGetPropertyValue(name, out var n) || n is null)
        {
            if (required) throw Missing(p);
            return dflt!;
        }
        if (!Json.IsString(n)) throw TypeErr(p, "a string", n);
        var s = n.GetValue<string>();
        if (!allowed.Contains(s)) throw ValueErr(p, s, allowed);
        return s;
    }

    public static string Fmt(double d) => d.ToString("0.################", CultureInfo.InvariantCulture);
}

/// <summary>Query-string list parameters (limit, order, after, before).</summary>
sealed record ListQuery(int Limit, bool Asc, string? After, string? Before)
{
    public static ListQuery Parse(IQueryCollection q, bool allowBefore = true)
    {
        int limit = 20;
        if (q.TryGetValue("limit", out var ls) && ls.Count > 0 && ls[0] is { } lv)
        {
            if (!long.TryParse(lv, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                throw new ApiException(400, $"Invalid 'limit': expected an integer, but got '{lv}' instead.", "limit", "invalid_type");
            V.CheckIntRange("limit", l, 1, 100);
            limit = (int)l;
        }
        bool asc = false;
        if (q.TryGetValue("order", out var os) && os.Count > 0 && os[0] is { } ov)
        {
            if (ov == "asc") asc = true;
            else if (ov != "desc") throw V.ValueErr("order", ov, ["asc", "desc"]);
        }
        string? after = q.TryGetValue("after", out var a) && !string.IsNullOrEmpty(a) ? a.ToString() : null;
        string? before = allowBefore && q.TryGetValue("before", out var b) && !string.IsNullOrEmpty(b) ? b.ToString() : null;
        return new ListQuery(limit, asc, after, before);
    }

    /// <summary>The page's size: the limit asked, or less under the test control's max_page_size.</summary>
    int PageLimit => State.MaxPageSize > 0 ? Math.Min(Limit, State.MaxPageSize) : Limit;

    /// <summary>Pages items already sorted ascending by (created_at, insertion). Returns the list object.</summary>
    public JsonObject Page<T>(IReadOnlyList<T> ascending, Func<T, string> id, Func<T, JsonNode> render)
    {
        var ordered = Asc ? ascending.ToList() : ascending.Reverse().ToList();
        int start = 0, end = ordered.Count; // window [start, end)
        if (After is not null)
        {
            var i = ordered.FindIndex(x => id(x) == After);
            start = i < 0 ? ordered.Count : i + 1;
        }
        if (Before is not null)
        {
            var i = ordered.FindIndex(x => id(x) == Before);
            end = i < 0 ? 0 : i;
        }
        if (end < start) end = start;
        List<T> page;
        bool hasMore;
        if (Before is not null && After is null)
        {
            // the items just before the cursor, kept in list order
            var s = Math.Max(start, end - PageLimit);
            page = ordered.GetRange(s, end - s);
            hasMore = s > start;
        }
        else
        {
            var n = Math.Min(PageLimit, end - start);
            page = ordered.GetRange(start, n);
            hasMore = start + n < end;
        }
        var data = new JsonArray();
        foreach (var x in page) data.Add(render(x));
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            // The reference types first_id/last_id as required strings, so an empty page says "".
            ["first_id"] = page.Count > 0 ? id(page[0]) : "",
            ["last_id"] = page.Count > 0 ? id(page[^1]) : "",
            ["has_more"] = hasMore,
        };
    }
}

static partial class Rx
{
    [GeneratedRegex(@"\[delay:(\d{1,7})\]", RegexOptions.IgnoreCase)]
    public static partial Regex Delay();
}
