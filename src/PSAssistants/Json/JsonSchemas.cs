using System.Collections;
using System.ComponentModel;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace PSAssistants.Json;

/// <summary>
/// JSON schemas for structured output: from a .NET or PowerShell class (the strict form the API asks for: every
/// property required, additionalProperties false), from a hashtable or from JSON text; and the checks and
/// conversions of a reply against such a schema.
/// </summary>
internal static partial class JsonSchemas
{
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    internal static partial Regex FormatName();

    /// <summary>
    /// The strict schema of <paramref name="type"/>: its public instance properties (PowerShell's hidden ones left
    /// out) as required properties; strings, numbers, booleans, enums (by name), dates, arrays and nested classes,
    /// which go to $defs (a class that holds itself refers back by $ref).
    /// </summary>
    public static string FromType(Type type)
    {
        if (!IsClassLike(type))
            throw new PSAssistants.Client.OaiArgumentException($"-JsonSchema needs a class whose properties make an object, not [{type.FullName}]: the answer's top level is a JSON object.");
        var defs = new JsonObject();
        var root = ObjectSchema(type, type, defs, new Dictionary<Type, string>());
        if (defs.Count > 0) root["$defs"] = defs;
        return root.ToJsonString();
    }

    /// <summary>A name for the response format taken from a type: its name with the characters the API refuses dropped.</summary>
    public static string NameOf(Type type)
    {
        var name = new string(type.Name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-').ToArray());
        return name.Length == 0 ? "response" : name.Length > 64 ? name[..64] : name;
    }

    private static bool IsClassLike(Type t) =>
        !t.IsPrimitive && !t.IsEnum && !t.IsArray && t != typeof(string) && t != typeof(object) && !t.IsInterface
        && !typeof(IEnumerable).IsAssignableFrom(t) && !IsPowerShell(t, "PSObject") && Nullable.GetUnderlyingType(t) is null
        && t != typeof(decimal) && t != typeof(DateTime) && t != typeof(DateTimeOffset) && t != typeof(Guid) && t != typeof(TimeSpan) && t != typeof(Uri);

    /// <summary>The properties that make the schema and the answer: public, instance, readable, not hidden or ignored.</summary>
    internal static IEnumerable<PropertyInfo> PropertiesOf(Type type) => type
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.GetIndexParameters().Length == 0
            && !p.GetCustomAttributes(true).Any(a => IsPowerShell(a.GetType(), "HiddenAttribute")) && p.GetCustomAttribute<JsonIgnoreAttribute>() is null);

    /// <summary>The values of a ValidateSet attribute on the property, read by name (see <see cref="IsPowerShell"/>).</summary>
    private static IReadOnlyList<string>? ValidValues(PropertyInfo p)
    {
        var attribute = p.GetCustomAttributes(true).FirstOrDefault(a => IsPowerShell(a.GetType(), "ValidateSetAttribute"));
        return attribute?.GetType().GetProperty("ValidValues")?.GetValue(attribute) is IEnumerable<string> values ? values.ToList() : null;
    }

    /// <summary>
    /// Compares by name so that this class loads without System.Management.Automation (the xunit tests run
    /// without PowerShell's runtime assembly).
    /// </summary>
    private static bool IsPowerShell(Type t, string name)
    {
        for (var x = t; x is not null; x = x.BaseType)
            if (x.FullName == "System.Management.Automation." + name) return true;
        return false;
    }

    internal static string JsonName(PropertyInfo p) => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? p.Name;

    private static JsonObject ObjectSchema(Type type, Type root, JsonObject defs, Dictionary<Type, string> seen)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        if (!seen.ContainsKey(type)) seen[type] = type == root ? "#" : DefName(type, seen);
        foreach (var p in PropertiesOf(type))
        {
            var name = JsonName(p);
            var schema = Schema(p.PropertyType, root, defs, seen, $"{type.Name}.{p.Name}");
            // [ValidateSet(...)] on a PowerShell class property: the values it allows are the schema's enum.
            if (ValidValues(p) is { Count: > 0 } allowed && (p.PropertyType == typeof(string) || ElementType(p.PropertyType) == typeof(string)))
            {
                var target = p.PropertyType == typeof(string) ? schema : (JsonObject)schema["items"]!;
                target["enum"] = new JsonArray(allowed.Select(v => (JsonNode)v).ToArray());
            }
            // A reference type marked nullable (string?, Address?) may be null in the answer; others may not.
            if (!p.PropertyType.IsValueType && new NullabilityInfoContext().Create(p).ReadState == NullabilityState.Nullable)
                schema = new JsonObject { ["anyOf"] = new JsonArray(schema, new JsonObject { ["type"] = "null" }) };
            if (p.GetCustomAttribute<DescriptionAttribute>()?.Description is { Length: > 0 } d) schema["description"] = d;
            properties[name] = schema;
            required.Add(name);
        }
        var result = new JsonObject { ["type"] = "object" };
        if (type.GetCustomAttribute<DescriptionAttribute>()?.Description is { Length: > 0 } td) result["description"] = td;
        result["properties"] = properties;
        result["required"] = required;
        result["additionalProperties"] = false;
        return result;
    }

    private static JsonObject Schema(Type t, Type root, JsonObject defs, Dictionary<Type, string> seen, string where)
    {
        if (Nullable.GetUnderlyingType(t) is { } inner)
            return new JsonObject { ["anyOf"] = new JsonArray(Schema(inner, root, defs, seen, where), new JsonObject { ["type"] = "null" }) };
        if (t == typeof(string) || t == typeof(char) || t == typeof(Guid) || t == typeof(Uri) || t == typeof(TimeSpan))
            return new JsonObject { ["type"] = "string" };
        if (t == typeof(DateTime) || t == typeof(DateTimeOffset)) return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        if (t == typeof(bool) || IsPowerShell(t, "SwitchParameter")) return new JsonObject { ["type"] = "boolean" };
        if (t == typeof(byte) || t == typeof(sbyte) || t == typeof(short) || t == typeof(ushort) || t == typeof(int)
            || t == typeof(uint) || t == typeof(long) || t == typeof(ulong))
            return new JsonObject { ["type"] = "integer" };
        if (t == typeof(float) || t == typeof(double) || t == typeof(decimal)) return new JsonObject { ["type"] = "number" };
        if (t.IsEnum) return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(Enum.GetNames(t).Select(n => (JsonNode)n).ToArray()) };
        if (ElementType(t) is { } element)
            return new JsonObject { ["type"] = "array", ["items"] = Schema(element, root, defs, seen, where) };
        if (!IsClassLike(t) || typeof(IDictionary).IsAssignableFrom(t))
            throw new PSAssistants.Client.OaiArgumentException($"{where} is [{t.Name}], which has no fixed shape for a strict schema: use strings, numbers, booleans, enums, arrays or classes.");
        if (t == root) return new JsonObject { ["$ref"] = "#" };
        if (!seen.TryGetValue(t, out var key))
        {
            key = DefName(t, seen);
            seen[t] = key;
            defs[key] = ObjectSchema(t, root, defs, seen);
        }
        return new JsonObject { ["$ref"] = "#/$defs/" + key };
    }

    /// <summary>A $defs key per type: its name, made unique when two namespaces share one.</summary>
    private static string DefName(Type t, Dictionary<Type, string> taken)
    {
        var name = NameOf(t);
        var key = name;
        for (var n = 2; taken.ContainsValue(key); n++) key = name + n;
        return key;
    }

    /// <summary>The element type of an array or a generic list (IEnumerable&lt;T&gt;), null for anything else.</summary>
    internal static Type? ElementType(Type t)
    {
        if (t == typeof(string)) return null;
        if (t.IsArray) return t.GetElementType();
        if (typeof(IDictionary).IsAssignableFrom(t)) return null;
        var enumerable = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    /// <summary>
    /// JSON text of a schema given as a hashtable (nested hashtables, arrays, strings, numbers, booleans) or as
    /// JSON text; it must be a JSON object.
    /// </summary>
    public static string FromValue(object value)
    {
        JsonNode? node;
        if (value is string text)
        {
            try
            {
                node = JsonNode.Parse(text);
            }
            catch (JsonException ex)
            {
                throw new PSAssistants.Client.OaiArgumentException($"-JsonSchema text is not JSON: {ex.Message}");
            }
        }
        else node = ToNode(value, 0);
        if (node is not JsonObject o) throw new PSAssistants.Client.OaiArgumentException("-JsonSchema must describe an object: a hashtable, JSON text of an object, or a class.");
        return o.ToJsonString();
    }

    /// <summary>A PowerShell value (hashtable, array, PSCustomObject, scalar) as JSON.</summary>
    internal static JsonNode? ToNode(object? value, int depth)
    {
        if (depth > 64) throw new PSAssistants.Client.OaiArgumentException("-JsonSchema is nested too deeply (or holds itself).");
        var unwrapped = value is PSObject ps && ps.BaseObject is not PSCustomObject ? ps.BaseObject : value;
        switch (unwrapped)
        {
            case null: return null;
            case string s: return s;
            case bool b: return b;
            case char c: return c.ToString();
            case Enum e: return e.ToString();
            case int or long or short or byte or sbyte or ushort or uint or ulong:
                return JsonValue.Create(System.Convert.ToInt64(value is PSObject p1 ? p1.BaseObject : value, System.Globalization.CultureInfo.InvariantCulture));
            case double or float or decimal:
                return JsonValue.Create(System.Convert.ToDouble(value is PSObject p2 ? p2.BaseObject : value, System.Globalization.CultureInfo.InvariantCulture));
            case IDictionary d:
                var o = new JsonObject();
                foreach (DictionaryEntry e in d) o[System.Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture) ?? ""] = ToNode(e.Value, depth + 1);
                return o;
            case PSObject custom:
                var co = new JsonObject();
                foreach (var prop in custom.Properties) co[prop.Name] = ToNode(prop.Value, depth + 1);
                return co;
            case IEnumerable list:
                var a = new JsonArray();
                foreach (var item in list) a.Add(ToNode(item, depth + 1));
                return a;
            default:
                throw new PSAssistants.Client.OaiArgumentException($"-JsonSchema holds a [{unwrapped.GetType().Name}], which is not JSON: use hashtables, arrays, strings, numbers and booleans.");
        }
    }

    /// <summary>
    /// Checks a reply against a schema (the subset structured outputs use: type, properties, required,
    /// additionalProperties false, items, enum, const, anyOf/oneOf, $ref) and returns the first mismatch, or null.
    /// </summary>
    public static string? Mismatch(JsonNode? value, JsonObject schema) => Mismatch(value, schema, schema, "$", 0);

    private static string? Mismatch(JsonNode? value, JsonObject s, JsonObject root, string path, int depth)
    {
        if (depth > 64) return null;
        if (s["$ref"] is JsonValue r && r.TryGetValue<string>(out var reference))
            return Resolve(root, reference) is { } target ? Mismatch(value, target, root, path, depth + 1) : null;
        foreach (var key in new[] { "anyOf", "oneOf" })
        {
            if (s[key] is JsonArray alts && alts.Count > 0)
            {
                var first = (string?)null;
                foreach (var alt in alts.OfType<JsonObject>())
                {
                    var m = Mismatch(value, alt, root, path, depth + 1);
                    if (m is null) return null;
                    first ??= m;
                }
                return first;
            }
        }
        if (s["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
            return $"{path} is {Show(value)}, not one of {allowed.ToJsonString()}";
        if (s.ContainsKey("const") && !JsonNode.DeepEquals(s["const"], value))
            return $"{path} is {Show(value)}, not {Show(s["const"])}";
        var types = s["type"] switch
        {
            JsonArray a => a.Select(t => t?.GetValue<string>()).OfType<string>().ToArray(),
            JsonValue v when v.TryGetValue<string>(out var one) => new[] { one },
            _ => Array.Empty<string>(),
        };
        if (types.Length > 0 && !types.Any(t => IsType(value, t)))
            return $"{path} is {Show(value)}, not {string.Join(" or ", types)}";
        if (value is JsonObject o)
        {
            var props = s["properties"] as JsonObject;
            if (s["required"] is JsonArray required)
                foreach (var name in required.Select(n => n?.GetValue<string>()).OfType<string>())
                    if (!o.ContainsKey(name)) return $"{path} has no '{name}'";
            if (props is not null)
            {
                foreach (var kv in o)
                {
                    if (props[kv.Key] is JsonObject ps)
                    {
                        if (Mismatch(kv.Value, ps, root, path + "." + kv.Key, depth + 1) is { } m) return m;
                    }
                    else if (s["additionalProperties"] is JsonValue ap && ap.TryGetValue<bool>(out var allowedMore) && !allowedMore)
                        return $"{path} has '{kv.Key}', which the schema does not list";
                }
            }
        }
        if (value is JsonArray items && s["items"] is JsonObject itemSchema)
            for (var i = 0; i < items.Count; i++)
                if (Mismatch(items[i], itemSchema, root, $"{path}[{i}]", depth + 1) is { } m) return m;
        return null;
    }

    private static bool IsType(JsonNode? v, string type) => type switch
    {
        "null" => v is null,
        "object" => v is JsonObject,
        "array" => v is JsonArray,
        "string" => v is JsonValue s && s.GetValueKind() == JsonValueKind.String,
        "boolean" => v is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => v is JsonValue n && n.GetValueKind() == JsonValueKind.Number,
        "integer" => v is JsonValue i && i.GetValueKind() == JsonValueKind.Number && decimal.TryParse(i.ToJsonString(), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d),
        _ => true,
    };

    private static string Show(JsonNode? v)
    {
        var text = v is null ? "null" : v.ToJsonString();
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    private static JsonObject? Resolve(JsonObject root, string reference)
    {
        if (reference == "#") return root;
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) return null;
        JsonNode? node = root;
        foreach (var part in reference[2..].Split('/')) node = (node as JsonObject)?[part.Replace("~1", "/").Replace("~0", "~")];
        return node as JsonObject;
    }

    /// <summary>A JSON value as PowerShell sees it: objects as PSCustomObject, arrays as object[], integers as long.</summary>
    public static object? ToPowerShell(JsonNode? node)
    {
        switch (node)
        {
            case null: return null;
            case JsonObject o:
                var ps = new PSObject();
                foreach (var kv in o) ps.Properties.Add(new PSNoteProperty(kv.Key, ToPowerShell(kv.Value)));
                return ps;
            case JsonArray a:
                return a.Select(ToPowerShell).ToArray();
            default:
                var v = (JsonValue)node;
                return v.GetValueKind() switch
                {
                    JsonValueKind.String => v.GetValue<string>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number when v.TryGetValue<long>(out var l) => l,
                    JsonValueKind.Number => v.GetValue<double>(),
                    _ => null,
                };
        }
    }

    /// <summary>
    /// An instance of <paramref name="type"/> from a JSON object whose property names are the type's (as
    /// <see cref="FromType"/> wrote them): properties are set one by one, nested classes and arrays built the
    /// same way, enums by name. Throws <see cref="FormatException"/> on a value that does not fit.
    /// </summary>
    public static object ToInstance(JsonNode? node, Type type) => Convert(node, type, "$")
        ?? throw new FormatException("The answer is null, not an object.");

    private static object? Convert(JsonNode? node, Type type, string path)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner) return node is null ? null : Convert(node, inner, path);
        if (node is null)
            return type.IsValueType ? throw new FormatException($"{path} is null, not a {type.Name}") : null;
        try
        {
            if (type == typeof(string)) return node.GetValue<string>();
            if (type.IsEnum) return Enum.Parse(type, node.GetValue<string>(), ignoreCase: true);
            if (type == typeof(bool)) return node.GetValue<bool>();
            if (IsPowerShell(type, "SwitchParameter")) return Activator.CreateInstance(type, node.GetValue<bool>());
            if (type == typeof(DateTime)) return DateTime.Parse(node.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind);
            if (type == typeof(DateTimeOffset)) return DateTimeOffset.Parse(node.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            if (type == typeof(Guid)) return Guid.Parse(node.GetValue<string>());
            if (type == typeof(Uri)) return new Uri(node.GetValue<string>(), UriKind.RelativeOrAbsolute);
            if (type == typeof(TimeSpan)) return TimeSpan.Parse(node.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            if (type == typeof(char)) return node.GetValue<string>().Single();
            if (type.IsPrimitive || type == typeof(decimal))
            {
                var number = node.AsValue();
                if (number.GetValueKind() != JsonValueKind.Number) throw new FormatException($"{path} is {Show(node)}, not a number");
                return System.Convert.ChangeType(decimal.Parse(number.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture),
                    type, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            throw new FormatException($"{path} is {Show(node)}, which does not fit [{type.Name}]: {ex.Message}", ex);
        }
        if (ElementType(type) is { } element)
        {
            if (node is not JsonArray a) throw new FormatException($"{path} is {Show(node)}, not an array");
            var array = Array.CreateInstance(element, a.Count);
            for (var i = 0; i < a.Count; i++) array.SetValue(Convert(a[i], element, $"{path}[{i}]"), i);
            if (type.IsAssignableFrom(array.GetType())) return array;
            var list = (IList)(Activator.CreateInstance(type) ?? throw new FormatException($"[{type.Name}] cannot be made"));
            foreach (var item in array) list.Add(item);
            return list;
        }
        if (node is not JsonObject o) throw new FormatException($"{path} is {Show(node)}, not an object");
        var instance = Activator.CreateInstance(type) ?? throw new FormatException($"[{type.Name}] cannot be made");
        foreach (var p in PropertiesOf(type).Where(p => p.CanWrite))
        {
            if (!o.TryGetPropertyValue(JsonName(p), out var value)) continue;
            var converted = Convert(value, p.PropertyType, path + "." + JsonName(p));
            try
            {
                p.SetValue(instance, converted);
            }
            catch (TargetInvocationException ex)
            {
                // A PowerShell class property's own validation ([ValidateSet], [ValidateRange]) refused the value.
                throw new FormatException($"{path}.{JsonName(p)} is {Show(value)}, which [{type.Name}] refuses: {ex.InnerException?.Message ?? ex.Message}", ex);
            }
        }
        return instance;
    }
}
