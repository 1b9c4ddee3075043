// Files, containers (the files a Responses code interpreter makes) and vector stores: openai-openapi.yaml
// /files, /files/{id}, /files/{id}/content, /containers/{id}/files/{file_id}(/content), /vector_stores,
// /vector_stores/{id}, /vector_stores/{id}/files(/{file_id}). They are the same under both protocols.
// Vector store files are indexed lazily: in_progress until State.FileIndexMs after they were added.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace PSAssistants.Emulator;

sealed class FileE(string id, long createdAt, JsonObject json, byte[] content) : Entity(id, createdAt, json)
{
    public byte[] Content { get; } = content;
}

sealed class VectorStoreE(string id, long createdAt, JsonObject json) : Entity(id, createdAt, json)
{
    public List<VectorStoreFileE> Files { get; } = [];
}

sealed class VectorStoreFileE(string id, long createdAt, JsonObject json) : Entity(id, createdAt, json)
{
    public long ReadyAtMs;
    public bool Fails;
    public long Bytes;

    /// <summary>in_progress until ReadyAtMs, then completed (or failed for a file named with "[fail-index]").</summary>
    public void Advance(long now)
    {
        if (Json["status"]!.GetValue<string>() != "in_progress" || now < ReadyAtMs) return;
        if (Fails)
        {
            Json["status"] = "failed";
            Json["last_error"] = new JsonObject { ["code"] = "invalid_file", ["message"] = "The emulator was asked to fail indexing this file." };
        }
        else
        {
            Json["status"] = "completed";
            Json["usage_bytes"] = Bytes;
        }
    }
}

sealed class ContainerFileE(string id, long createdAt, JsonObject json, byte[] content) : Entity(id, createdAt, json)
{
    public byte[] Content { get; } = content;
}

/// <summary>An answer whose body is bytes as they are (file content).</summary>
sealed class BytesResult(int status, byte[] body, string contentType) : Result
{
    public int Status { get; } = status;
    public byte[] Body { get; } = body;
    public string ContentType { get; } = contentType;
}

static partial class State
{
    public static readonly Dictionary<string, FileE> Files = [];
    public static readonly Dictionary<string, VectorStoreE> VectorStores = [];
    /// <summary>Container id → its files (only the emulator makes containers: code interpreter charts on Responses).</summary>
    public static readonly Dictionary<string, Dictionary<string, ContainerFileE>> Containers = [];
    public static volatile int FileIndexMs = 300;

    public static void ResetFiles()
    {
        Files.Clear();
        VectorStores.Clear();
        Containers.Clear();
    }
}

/// <summary>One part of a multipart/form-data body.</summary>
sealed record FormPart(string Name, string? FileName, string? ContentType, string Headers, byte[] Data);

static partial class Multipart
{
    public static bool IsMultipart(string? contentType) =>
        contentType is not null && contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a multipart/form-data body; a body that is not one is a 400, as the real API answers it.</summary>
    public static List<FormPart> Parse(byte[] body, string contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || HeaderUtilities.RemoveQuotes(media.Boundary).Length == 0)
            throw new ApiException(400, "Invalid multipart/form-data body: the Content-Type names no boundary.");
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).ToString();
        var parts = new List<FormPart>();
        var reader = new MultipartReader(boundary, new MemoryStream(body)) { BodyLengthLimit = null };
        try
        {
            while (reader.ReadNextSectionAsync().GetAwaiter().GetResult() is { } section)
            {
                var disposition = section.ContentDisposition ?? "";
                var name = Param(disposition, "name") ?? "";
                var fileName = Param(disposition, "filename*") is { } star && star.StartsWith("utf-8''", StringComparison.OrdinalIgnoreCase)
                    ? Uri.UnescapeDataString(star[7..])
                    : Param(disposition, "filename") is { } plain ? FormDecode(plain) : null;
                using var data = new MemoryStream();
                section.Body.CopyTo(data);
                var headers = string.Join("\r\n", (section.Headers ?? []).Select(h => $"{h.Key}: {h.Value}"));
                parts.Add(new FormPart(name, fileName, section.ContentType, headers, data.ToArray()));
            }
        }
        catch (IOException e)
        {
            throw new ApiException(400, $"Invalid multipart/form-data body: {e.Message}");
        }
        return parts;
    }

    [GeneratedRegex("""(?:^|;)\s*([A-Za-z*]+)\s*=\s*("[^"]*"|[^;]*)""")]
    private static partial Regex DispositionParam();

    static string? Param(string disposition, string name)
    {
        foreach (Match m in DispositionParam().Matches(disposition))
        {
            if (!string.Equals(m.Groups[1].Value, name, StringComparison.OrdinalIgnoreCase)) continue;
            var v = m.Groups[2].Value.Trim();
            // Taken as it is: form encoding sends '"' as %22 and never escapes a backslash ("C:\x" stays "C:\x").
            return v.Length >= 2 && v[0] == '"' && v[^1] == '"' ? v[1..^1] : v;
        }
        return null;
    }

    /// <summary>The WHATWG form encoding of file names: '"', CR and LF arrive as %22, %0D and %0A.</summary>
    static string FormDecode(string s) => s.Replace("%22", "\"").Replace("%0D", "\r").Replace("%0A", "\n");

    /// <summary>What the request log shows of a multipart body: each part's headers, its text, or [N bytes, sha256 …] for a file.</summary>
    public static string Describe(byte[] body, string contentType)
    {
        try
        {
            var sb = new StringBuilder();
            foreach (var p in Parse(body, contentType))
            {
                sb.Append("--part\r\n").Append(p.Headers).Append("\r\n\r\n");
                if (p.FileName is null) sb.Append(Encoding.UTF8.GetString(p.Data));
                else sb.Append(CultureInfo.InvariantCulture, $"[{p.Data.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(p.Data))}]");
                sb.Append("\r\n");
            }
            return sb.Append("--part--").ToString();
        }
        catch (ApiException)
        {
            return $"[{body.Length} bytes of unparseable multipart/form-data]";
        }
    }
}

static class FilesEndpoints
{
    // The Files API's own purposes for uploads (CreateFileRequest) and for what it stores (OpenAIFile).
    static readonly string[] UploadPurposes = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];
    static readonly string[] UploadFields = ["file", "purpose", "expires_after[anchor]", "expires_after[seconds]"];
    static readonly string[] VectorStoreFields = ["file_ids", "name", "description", "expires_after", "chunking_strategy", "metadata"];
    static readonly string[] VectorStoreFileFields = ["file_id", "chunking_strategy", "attributes"];

    static JsonResult Ok(JsonNode body) => new(200, body);

    static long NowSec() => Clock.Sec(Clock.NowMs());

    public static Result? Route(Req r)
    {
        var s = r.Segs;
        switch (s[0])
        {
            case "files":
                if (s.Length == 1) return r.Method switch { "GET" => ListFiles(r), "POST" => Upload(r), _ => null };
                if (s.Length == 2) return r.Method switch { "GET" => GetFile(s[1]), "DELETE" => DeleteFile(s[1]), _ => null };
                if (s.Length == 3 && s[2] == "content" && r.Is("GET")) return FileContent(s[1]);
                return null;
            case "containers":
                if (s.Length == 4 && s[2] == "files" && r.Is("GET")) return GetContainerFile(s[1], s[3], content: false);
                if (s.Length == 5 && s[2] == "files" && s[4] == "content" && r.Is("GET")) return GetContainerFile(s[1], s[3], content: true);
                return null;
            case "vector_stores":
                if (s.Length == 1) return r.Method switch { "GET" => ListVectorStores(r), "POST" => CreateVectorStore(r), _ => null };
                if (s.Length == 2) return r.Method switch { "GET" => GetVectorStore(s[1]), "DELETE" => DeleteVectorStore(s[1]), _ => null };
                if (s[2] != "files") return null;
                if (s.Length == 3) return r.Method switch { "GET" => ListVectorStoreFiles(r, s[1]), "POST" => AddVectorStoreFile(r, s[1]), _ => null };
                if (s.Length == 4) return r.Method switch { "GET" => GetVectorStoreFile(s[1], s[3]), "DELETE" => RemoveVectorStoreFile(s[1], s[3]), _ => null };
                return null;
            default:
                return null;
        }
    }

    // ---------------------------------------------------------------- files

    public static FileE FindFile(string id) =>
        State.Files.TryGetValue(id, out var f) ? f : throw ApiException.NotFound("file", id);

    /// <summary>A file id a request refers to (attachments, input_file parts, tool resources) must exist.</summary>
    public static void RequireFile(string fileId, string param)
    {
        lock (State.Gate)
        {
            if (!State.Files.ContainsKey(fileId))
                throw new ApiException(404, $"No file found with id '{fileId}'.", param);
        }
    }

    /// <summary>
    /// Responses tools that name files: file_search needs vector_store_ids (FileSearchTool), code_interpreter a
    /// container, a container id or {type:"auto", file_ids?} (CodeInterpreterTool); every id must exist.
    /// </summary>
    public static void ValidateResponsesTool(JsonObject tool, string type, string p)
    {
        if (type == "file_search")
        {
            var ids = V.OptArray(tool, "vector_store_ids", p, nullable: false) ?? throw V.Missing(p + ".vector_store_ids");
            for (int i = 0; i < ids.Count; i++)
            {
                var ip = $"{p}.vector_store_ids[{i}]";
                if (!Json.IsString(ids[i])) throw V.TypeErr(ip, "a string", ids[i]);
                var id = ids[i]!.GetValue<string>();
                lock (State.Gate)
                    if (!State.VectorStores.ContainsKey(id)) throw new ApiException(404, $"No vector store found with id '{id}'.", ip);
            }
            V.OptInt(tool, "max_num_results", 1, 50, p);
            V.OptObject(tool, "filters", p);
        }
        else if (type == "code_interpreter")
        {
            if (!tool.TryGetPropertyValue("container", out var c) || c is null) throw V.Missing(p + ".container");
            if (Json.IsString(c)) return;
            if (c is not JsonObject co) throw V.TypeErr(p + ".container", "a string or an object", c);
            V.EnumString(co, "type", ["auto"], p + ".container", required: true);
            if (co["memory_limit"] is not null) V.EnumString(co, "memory_limit", ["1g", "4g", "16g", "64g"], p + ".container");
            var files = V.OptArray(co, "file_ids", p + ".container", maxItems: 50);
            for (int i = 0; files is not null && i < files.Count; i++)
            {
                var fp = $"{p}.container.file_ids[{i}]";
                if (!Json.IsString(files[i])) throw V.TypeErr(fp, "a string", files[i]);
                RequireFile(files[i]!.GetValue<string>(), fp);
            }
        }
    }

    /// <summary>Assistants tool_resources: code_interpreter.file_ids (≤20 files) and file_search.vector_store_ids (≤1 store) must exist.</summary>
    public static void ValidateToolResources(JsonObject tr, string p)
    {
        if (V.OptObject(tr, "code_interpreter", p) is { } ci && V.OptArray(ci, "file_ids", p + ".code_interpreter", maxItems: 20) is { } files)
            for (int i = 0; i < files.Count; i++)
            {
                var fp = $"{p}.code_interpreter.file_ids[{i}]";
                if (!Json.IsString(files[i])) throw V.TypeErr(fp, "a string", files[i]);
                RequireFile(files[i]!.GetValue<string>(), fp);
            }
        if (V.OptObject(tr, "file_search", p) is { } fs && V.OptArray(fs, "vector_store_ids", p + ".file_search", maxItems: 1) is { } stores)
            for (int i = 0; i < stores.Count; i++)
            {
                var sp = $"{p}.file_search.vector_store_ids[{i}]";
                if (!Json.IsString(stores[i])) throw V.TypeErr(sp, "a string", stores[i]);
                var id = stores[i]!.GetValue<string>();
                lock (State.Gate)
                    if (!State.VectorStores.ContainsKey(id)) throw new ApiException(404, $"No vector store found with id '{id}'.", sp);
            }
    }

    /// <summary>Stores a file; the caller holds State.Gate.</summary>
    public static FileE AddFile(string filename, string purpose, byte[] content, long? expiresAt = null)
    {
        var id = Ids.New("file-");
        var now = NowSec();
        var json = new JsonObject
        {
            ["id"] = id,
            ["object"] = "file",
            ["bytes"] = content.LongLength,
            ["created_at"] = now,
            ["filename"] = filename,
            ["purpose"] = purpose,
            ["status"] = "processed",
        };
        // expires_at is an integer in OpenAIFile, not nullable: it is only there when the file expires.
        if (expiresAt is { } e) json["expires_at"] = e;
        var f = new FileE(id, now, json, content);
        State.Files[id] = f;
        return f;
    }

    static Result Upload(Req r)
    {
        var contentType = r.Http.Request.ContentType;
        if (!Multipart.IsMultipart(contentType))
            throw new ApiException(400, $"Invalid Content-Type header ({contentType ?? "none"}), expected multipart/form-data.", null, "invalid_content_type");
        var parts = Multipart.Parse(r.RawBytes, contentType!);
        foreach (var p in parts)
            if (!UploadFields.Contains(p.Name))
                throw new ApiException(400, $"Unknown parameter: '{p.Name}'.", p.Name, "unknown_parameter");
        var file = parts.FirstOrDefault(p => p.Name == "file") ?? throw V.Missing("file");
        if (file.FileName is null) throw new ApiException(400, "Invalid 'file': expected a file (a form part with a filename), but got a plain value instead.", "file", "invalid_type");
        var purposePart = parts.FirstOrDefault(p => p.Name == "purpose") ?? throw V.Missing("purpose");
        var purpose = Encoding.UTF8.GetString(purposePart.Data);
        if (!UploadPurposes.Contains(purpose)) throw V.ValueErr("purpose", purpose, UploadPurposes);
        long? expiresAt = null;
        var anchor = parts.FirstOrDefault(p => p.Name == "expires_after[anchor]");
        var seconds = parts.FirstOrDefault(p => p.Name == "expires_after[seconds]");
        if (anchor is not null || seconds is not null)
        {
            if (anchor is null) throw V.Missing("expires_after.anchor");
            if (seconds is null) throw V.Missing("expires_after.seconds");
            var a = Encoding.UTF8.GetString(anchor.Data);
            if (a != "created_at") throw V.ValueErr("expires_after.anchor", a, ["created_at"]);
            if (!long.TryParse(Encoding.UTF8.GetString(seconds.Data), NumberStyles.Integer, CultureInfo.InvariantCulture, out var sec))
                throw new ApiException(400, "Invalid 'expires_after.seconds': expected an integer.", "expires_after.seconds", "invalid_type");
            V.CheckIntRange("expires_after.seconds", sec, 3600, 2592000);
            expiresAt = NowSec() + sec;
        }
        lock (State.Gate) return Ok(AddFile(file.FileName, purpose, file.Data, expiresAt).Render());
    }

    static Result ListFiles(Req r)
    {
        var q = r.Query;
        int limit = 10000;
        if (q.TryGetValue("limit", out var ls) && ls.Count > 0 && ls[0] is { } lv)
        {
            if (!long.TryParse(lv, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                throw new ApiException(400, $"Invalid 'limit': expected an integer, but got '{lv}' instead.", "limit", "invalid_type");
            V.CheckIntRange("limit", l, 1, 10000);
            limit = (int)l;
        }
        var paging = ListQuery.Parse(new QueryCollection(q.Where(kv => kv.Key != "limit" && kv.Key != "before").ToDictionary(kv => kv.Key, kv => kv.Value)));
        paging = paging with { Limit = limit };
        string? purpose = q.TryGetValue("purpose", out var pv) && !string.IsNullOrEmpty(pv) ? pv.ToString() : null;
        lock (State.Gate)
        {
            IEnumerable<FileE> files = State.Files.Values;
            if (purpose is not null) files = files.Where(f => Json.Str(f.Json["purpose"]) == purpose);
            return Ok(paging.Page(Ordering.Asc(files), f => f.Id, f => f.Render()));
        }
    }

    static Result GetFile(string id)
    {
        lock (State.Gate) return Ok(FindFile(id).Render());
    }

    static Result DeleteFile(string id)
    {
        lock (State.Gate)
        {
            if (!State.Files.Remove(id)) throw ApiException.NotFound("file", id);
            // "Delete a file and remove it from all vector stores."
            foreach (var vs in State.VectorStores.Values) vs.Files.RemoveAll(f => f.Id == id);
        }
        return Ok(new JsonObject { ["id"] = id, ["object"] = "file", ["deleted"] = true });
    }

    /// <summary>The stored bytes as they were uploaded (the reference types this answer as a JSON string; the real API sends the raw file).</summary>
    static Result FileContent(string id)
    {
        lock (State.Gate) return new BytesResult(200, FindFile(id).Content, "application/octet-stream");
    }

    // ---------------------------------------------------------------- containers

    static Result GetContainerFile(string containerId, string fileId, bool content)
    {
        lock (State.Gate)
        {
            if (!State.Containers.TryGetValue(containerId, out var files)) throw ApiException.NotFound("container", containerId);
            if (!files.TryGetValue(fileId, out var f)) throw ApiException.NotFound("container file", fileId);
            return content ? new BytesResult(200, f.Content, "application/octet-stream") : Ok(f.Render());
        }
    }

    /// <summary>Stores a file in a (new or existing) container; the caller holds State.Gate.</summary>
    public static ContainerFileE AddContainerFile(string containerId, string path, byte[] content)
    {
        if (!State.Containers.TryGetValue(containerId, out var files)) State.Containers[containerId] = files = [];
        var id = Ids.New("cfile_");
        var now = NowSec();
        var f = new ContainerFileE(id, now, new JsonObject
        {
            ["id"] = id,
            ["object"] = "container.file",
            ["created_at"] = now,
            ["bytes"] = content.LongLength,
            ["container_id"] = containerId,
            ["path"] = path,
            ["source"] = "assistant",
        }, content);
        files[id] = f;
        return f;
    }

    // ---------------------------------------------------------------- vector stores

    static VectorStoreE FindStore(string id) =>
        State.VectorStores.TryGetValue(id, out var v) ? v : throw ApiException.NotFound("vector store", id);

    /// <summary>The store with its file counts and status brought up to date.</summary>
    static JsonObject RenderStore(VectorStoreE v)
    {
        var now = Clock.NowMs();
        foreach (var f in v.Files) f.Advance(now);
        var j = v.Render();
        int Count(string status) => v.Files.Count(f => Json.Str(f.Json["status"]) == status);
        j["file_counts"] = new JsonObject
        {
            ["in_progress"] = Count("in_progress"),
            ["completed"] = Count("completed"),
            ["failed"] = Count("failed"),
            ["cancelled"] = Count("cancelled"),
            ["total"] = v.Files.Count,
        };
        j["usage_bytes"] = v.Files.Where(f => Json.Str(f.Json["status"]) == "completed").Sum(f => f.Bytes);
        j["status"] = Count("in_progress") > 0 ? "in_progress" : "completed";
        return j;
    }

    static VectorStoreFileE AttachFile(VectorStoreE v, FileE file)
    {
        var existing = v.Files.FirstOrDefault(f => f.Id == file.Id);
        if (existing is not null) return existing;
        var nowMs = Clock.NowMs();
        var vf = new VectorStoreFileE(file.Id, Clock.Sec(nowMs), new JsonObject
        {
            ["id"] = file.Id,
            ["object"] = "vector_store.file",
            ["usage_bytes"] = 0,
            ["created_at"] = Clock.Sec(nowMs),
            ["vector_store_id"] = v.Id,
            ["status"] = "in_progress",
            ["last_error"] = null,
            ["chunking_strategy"] = new JsonObject
            {
                ["type"] = "static",
                ["static"] = new JsonObject { ["max_chunk_size_tokens"] = 800, ["chunk_overlap_tokens"] = 400 },
            },
            ["attributes"] = new JsonObject(),
        })
        {
            ReadyAtMs = nowMs + State.FileIndexMs,
            Fails = (Json.Str(file.Json["filename"]) ?? "").Contains("[fail-index]", StringComparison.OrdinalIgnoreCase),
            Bytes = file.Content.LongLength,
        };
        v.Files.Add(vf);
        v.Json["last_active_at"] = Clock.Sec(nowMs);
        return vf;
    }

    static Result CreateVectorStore(Req r)
    {
        var b = r.Body;
        V.NoUnknown(b, VectorStoreFields);
        var ids = V.OptArray(b, "file_ids", maxItems: 500);
        var name = V.OptString(b, "name").value;
        V.OptString(b, "description");
        var md = V.Metadata(b);
        var expires = V.OptObject(b, "expires_after");
        if (expires is not null)
        {
            V.EnumString(expires, "anchor", ["last_active_at"], "expires_after", required: true);
            V.OptInt(expires, "days", 1, 365, "expires_after");
        }
        var fileIds = new List<string>();
        for (int i = 0; ids is not null && i < ids.Count; i++)
        {
            if (!Json.IsString(ids[i])) throw V.TypeErr($"file_ids[{i}]", "a string", ids[i]);
            fileIds.Add(ids[i]!.GetValue<string>());
        }
        lock (State.Gate)
        {
            var files = fileIds.Select((id, i) => State.Files.TryGetValue(id, out var f) ? f
                : throw new ApiException(404, $"No file found with id '{id}'.", $"file_ids[{i}]")).ToList();
            var id = Ids.New("vs_");
            var now = NowSec();
            var v = new VectorStoreE(id, now, new JsonObject
            {
                ["id"] = id,
                ["object"] = "vector_store",
                ["created_at"] = now,
                ["name"] = name ?? "",
                ["usage_bytes"] = 0,
                ["file_counts"] = new JsonObject(),
                ["status"] = "completed",
                ["expires_after"] = expires?.DeepClone(),
                ["expires_at"] = null,
                ["last_active_at"] = now,
                ["metadata"] = md.value ?? new JsonObject(),
            });
            if (expires is null) v.Json.Remove("expires_after");
            foreach (var f in files) AttachFile(v, f);
            State.VectorStores[id] = v;
            return Ok(RenderStore(v));
        }
    }

    static Result ListVectorStores(Req r)
    {
        var q = ListQuery.Parse(r.Query);
        lock (State.Gate) return Ok(q.Page(Ordering.Asc(State.VectorStores.Values), v => v.Id, RenderStore));
    }

    static Result GetVectorStore(string id)
    {
        lock (State.Gate) return Ok(RenderStore(FindStore(id)));
    }

    static Result DeleteVectorStore(string id)
    {
        lock (State.Gate)
        {
            if (!State.VectorStores.Remove(id)) throw ApiException.NotFound("vector store", id);
        }
        return Ok(new JsonObject { ["id"] = id, ["object"] = "vector_store.deleted", ["deleted"] = true });
    }

    static Result AddVectorStoreFile(Req r, string storeId)
    {
        var b = r.Body;
        V.NoUnknown(b, VectorStoreFileFields);
        var fileId = V.ReqString(b, "file_id");
        V.OptObject(b, "chunking_strategy");
        V.OptObject(b, "attributes");
        lock (State.Gate)
        {
            var v = FindStore(storeId);
            var file = State.Files.TryGetValue(fileId, out var f) ? f : throw new ApiException(404, $"No file found with id '{fileId}'.", "file_id");
            return Ok(AttachFile(v, file).Render());
        }
    }

    static Result ListVectorStoreFiles(Req r, string storeId)
    {
        var q = ListQuery.Parse(r.Query);
        string? filter = r.Query.TryGetValue("filter", out var fv) && !string.IsNullOrEmpty(fv) ? fv.ToString() : null;
        if (filter is not null && filter is not ("in_progress" or "completed" or "failed" or "cancelled"))
            throw V.ValueErr("filter", filter, ["in_progress", "completed", "failed", "cancelled"]);
        lock (State.Gate)
        {
            var v = FindStore(storeId);
            var now = Clock.NowMs();
            foreach (var f in v.Files) f.Advance(now);
            var files = v.Files.Where(f => filter is null || Json.Str(f.Json["status"]) == filter);
            return Ok(q.Page(Ordering.Asc(files), f => f.Id, f => f.Render()));
        }
    }

    static VectorStoreFileE FindStoreFile(VectorStoreE v, string fileId) =>
        v.Files.FirstOrDefault(f => f.Id == fileId) ?? throw ApiException.NotFound("vector store file", fileId);

    static Result GetVectorStoreFile(string storeId, string fileId)
    {
        lock (State.Gate)
        {
            var f = FindStoreFile(FindStore(storeId), fileId);
            f.Advance(Clock.NowMs());
            return Ok(f.Render());
        }
    }

    static Result RemoveVectorStoreFile(string storeId, string fileId)
    {
        lock (State.Gate)
        {
            var v = FindStore(storeId);
            v.Files.Remove(FindStoreFile(v, fileId));
        }
        return Ok(new JsonObject { ["id"] = fileId, ["object"] = "vector_store.file.deleted", ["deleted"] = true });
    }
}

/// <summary>
/// What a code interpreter "draws": a user message with "[chart]" gets a reply that carries a PNG. On
/// Assistants v2 the reply has an image_file part and a file_path annotation naming a file of purpose
/// assistants_output; on Responses the reply's output_text has a container_file_citation naming a file of a
/// container. "[hostile-name]" names the file "../../evil.png" instead of "chart.png".
/// </summary>
static class Artifacts
{
    /// <summary>A 4×4 PNG.</summary>
    public static readonly byte[] ChartPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFUlEQVR4nGP4z8DA0PCfAURBSMIcANGnEfE+0X0BAAAAAElFTkSuQmCC");

    const string Marker = "[chart]";

    static bool WantsChart(string userText) => userText.Contains(Marker, StringComparison.OrdinalIgnoreCase);

    static string ChartName(string userText) =>
        userText.Contains("[hostile-name]", StringComparison.OrdinalIgnoreCase) ? "../../evil.png" : "chart.png";

    static (int Start, int End) Span(string text)
    {
        var i = text.IndexOf(Marker, StringComparison.OrdinalIgnoreCase);
        return i < 0 ? (text.Length, text.Length) : (i, i + Marker.Length);
    }

    /// <summary>Adds the chart to an Assistants reply message (the caller holds State.Gate).</summary>
    public static void DecorateAssistantReply(ThreadE thread, JsonObject message)
    {
        var lastUser = Ordering.Asc(thread.Messages).LastOrDefault(m => Json.Str(m.Json["role"]) == "user");
        var userText = lastUser is null ? "" : AssistantsApi.MessageText(lastUser);
        if (!WantsChart(userText) || message["content"] is not JsonArray content) return;
        var file = FilesEndpoints.AddFile(ChartName(userText), "assistants_output", ChartPng);
        if (content.OfType<JsonObject>().FirstOrDefault(p => Json.Str(p["type"]) == "text") is { } textPart
            && textPart["text"] is JsonObject text && text["annotations"] is JsonArray annotations)
        {
            var value = Json.Str(text["value"]) ?? "";
            var (start, end) = Span(value);
            annotations.Add(new JsonObject
            {
                ["type"] = "file_path",
                ["text"] = value[start..end],
                ["file_path"] = new JsonObject { ["file_id"] = file.Id },
                ["start_index"] = start,
                ["end_index"] = end,
            });
        }
        content.Insert(0, new JsonObject
        {
            ["type"] = "image_file",
            ["image_file"] = new JsonObject { ["file_id"] = file.Id, ["detail"] = "auto" },
        });
    }

    /// <summary>Adds the chart to a Responses reply (the caller holds State.Gate): a container file and its citation.</summary>
    public static void DecorateResponseReply(ResponseE response)
    {
        var lastUser = response.Input.LastOrDefault(IsUserMessage) ?? response.History.LastOrDefault(IsUserMessage);
        var userText = lastUser is null ? "" : string.Join("\n", (lastUser["content"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(p => Json.Str(p["text"])).Where(t => t is not null));
        if (!WantsChart(userText) || response.Json["output"] is not JsonArray output) return;
        var message = output.OfType<JsonObject>().FirstOrDefault(i => Json.Str(i["type"]) == "message");
        if (message?["content"] is not JsonArray parts || parts.OfType<JsonObject>().FirstOrDefault(p => Json.Str(p["type"]) == "output_text") is not { } part)
            return;
        var name = ChartName(userText);
        var containerId = Ids.New("cntr_");
        var file = FilesEndpoints.AddContainerFile(containerId, "/mnt/data/" + name, ChartPng);
        var (start, end) = Span(Json.Str(part["text"]) ?? "");
        if (part["annotations"] is not JsonArray annotations) part["annotations"] = annotations = [];
        annotations.Add(new JsonObject
        {
            ["type"] = "container_file_citation",
            ["container_id"] = containerId,
            ["file_id"] = file.Id,
            ["start_index"] = start,
            ["end_index"] = end,
            ["filename"] = name,
        });
    }

    static bool IsUserMessage(JsonObject item) => Json.Str(item["type"]) == "message" && Json.Str(item["role"]) == "user";
}
