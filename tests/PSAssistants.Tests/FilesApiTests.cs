using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using PSAssistants.Client;
using PSAssistants.Protocols;
using PSAssistants.Protocols.AssistantsV2;
using PSAssistants.Protocols.Common;
using PSAssistants.Protocols.Responses;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// The Files and Vector stores requests (openai-openapi.yaml: createFile, downloadFile, createVectorStore,
/// createVectorStoreFile), the server-file-name sanitiser, and how files reach messages and tools.
/// </summary>
public sealed class FilesApiTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "psassistants-files-tests", Guid.NewGuid().ToString("N"));

    public FilesApiTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }

    private static (FilesApi Api, FakeHandler Handler) Api()
    {
        var handler = new FakeHandler();
        var api = new FilesApi(T.Session(), new HttpMessageInvoker(handler)) { RetryDelay = (_, _) => TimeSpan.Zero };
        return (api, handler);
    }

    private string WriteFile(string name, byte[] content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private const string FileJson = """
        {"id": "file-abc123", "object": "file", "bytes": 5, "created_at": 1677610602, "expires_at": 1680202602,
         "filename": "notes.txt", "purpose": "assistants", "status": "processed", "future": {"x": 1}}
        """;

    #region Multipart upload

    /// <summary>A multipart body split into its parts: each part's header lines and its exact bytes.</summary>
    private static List<(Dictionary<string, string> Headers, byte[] Data)> SplitMultipart(byte[] body, string boundary)
    {
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var parts = new List<(Dictionary<string, string>, byte[])>();
        var positions = new List<int>();
        for (var i = 0; i <= body.Length - delimiter.Length; i++)
        {
            if (body.AsSpan(i, delimiter.Length).SequenceEqual(delimiter)) positions.Add(i);
        }
        Assert.True(positions.Count >= 2, "the body has no parts");
        Assert.Equal(0, positions[0]);
        for (var p = 0; p < positions.Count - 1; p++)
        {
            var start = positions[p] + delimiter.Length + 2; // CRLF after the delimiter
            var end = positions[p + 1] - 2;                  // CRLF before the next delimiter
            var segment = body.AsSpan(start, end - start).ToArray();
            var split = IndexOf(segment, "\r\n\r\n"u8.ToArray());
            var headers = Encoding.UTF8.GetString(segment, 0, split).Split("\r\n")
                .Select(l => l.Split(": ", 2)).ToDictionary(h => h[0], h => h[1], StringComparer.OrdinalIgnoreCase);
            parts.Add((headers, segment[(split + 4)..]));
        }
        // The closing delimiter ends with "--".
        Assert.Equal("--"u8.ToArray(), body.AsSpan(positions[^1] + delimiter.Length, 2).ToArray());
        return parts;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        }
        return -1;
    }

    [Fact]
    public async Task An_upload_is_multipart_form_data_with_the_purpose_then_the_file_bytes_as_they_are()
    {
        var bytes = new byte[70_000];
        new Random(7).NextBytes(bytes);
        using var content = FilesApi.BuildUpload(new MemoryStream(bytes), "report \"Q3\" ü.pdf", "assistants");

        var type = content.Headers.ContentType!;
        Assert.Equal("multipart/form-data", type.MediaType);
        var boundary = type.Parameters.Single(p => p.Name == "boundary").Value!;
        Assert.DoesNotContain("\"", boundary); // some servers refuse a quoted boundary
        Assert.InRange(boundary.Length, 1, 70);

        var body = await content.ReadAsByteArrayAsync();
        Assert.Equal(body.Length, content.Headers.ContentLength); // sent with a length, not chunked
        var parts = SplitMultipart(body, boundary);
        Assert.Equal(2, parts.Count);

        Assert.Equal("form-data; name=\"purpose\"", parts[0].Headers["Content-Disposition"]);
        Assert.Equal("assistants", Encoding.UTF8.GetString(parts[0].Data));

        // The file name in UTF-8, '"' as %22 (the WHATWG form encoding browsers and the SDKs use).
        Assert.Equal("form-data; name=\"file\"; filename=\"report %22Q3%22 ü.pdf\"", parts[1].Headers["Content-Disposition"]);
        Assert.Equal("application/pdf", parts[1].Headers["Content-Type"]);
        Assert.Equal(bytes, parts[1].Data);
    }

    [Fact]
    public async Task Upload_posts_to_files_without_the_beta_header_and_maps_the_file()
    {
        var (api, handler) = Api();
        handler.EnqueueJson(FileJson);
        var path = WriteFile("notes.txt", "hello"u8.ToArray());
        var reported = new List<long>();

        var file = await api.UploadAsync(path, "assistants", null, (done, _) => reported.Add(done), CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/files", request.Path);
        Assert.Equal("multipart/form-data", request.ContentMediaType);
        Assert.Null(request.Header("OpenAI-Beta"));
        Assert.Equal("Bearer " + T.Key, request.Header("Authorization"));
        Assert.StartsWith("psa-", request.Header("Idempotency-Key"));
        Assert.Contains("name=\"file\"; filename=\"notes.txt\"", request.Body);
        Assert.Contains("\r\n\r\nhello\r\n", request.Body);
        Assert.Equal(5, reported.Last());

        Assert.Equal("file-abc123", file.Id);
        Assert.Equal("notes.txt", file.FileName);
        Assert.Equal(5, file.Bytes);
        Assert.Equal("assistants", file.Purpose);
        Assert.Equal("processed", file.Status);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1677610602), file.CreatedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1680202602), file.ExpiresAt);
        Assert.Equal("file-abc123", file.ToString());
    }

    [Fact]
    public async Task A_retried_upload_sends_the_whole_file_again_with_the_same_idempotency_key()
    {
        var (api, handler) = Api();
        handler.EnqueueJson("""{"error": {"message": "busy", "type": "server_error", "param": null, "code": null}}""", HttpStatusCode.ServiceUnavailable);
        handler.EnqueueJson(FileJson);
        var path = WriteFile("notes.txt", "hello"u8.ToArray());

        await api.UploadAsync(path, "user_data", null, null, CancellationToken.None);

        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(handler.Requests[0].Header("Idempotency-Key"), handler.Requests[1].Header("Idempotency-Key"));
        foreach (var r in handler.Requests)
        {
            Assert.Contains("\r\n\r\nhello\r\n", r.Body);
            Assert.Contains("\r\n\r\nuser_data\r\n", r.Body);
        }
    }

    [Fact]
    public async Task An_unknown_purpose_is_refused_before_any_request()
    {
        var (api, handler) = Api();
        var path = WriteFile("a.txt", "x"u8.ToArray());
        await Assert.ThrowsAsync<OaiArgumentException>(() => api.UploadAsync(path, "bogus", null, null, CancellationToken.None));
        Assert.Empty(handler.Requests);
    }

    #endregion

    #region Download

    /// <summary>A body that announces its length and breaks off after some bytes, like a dropped connection.</summary>
    private sealed class BreakingStream(byte[] data, int breakAfter) : ReadOnlyTestStream
    {
        private int _position;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= breakAfter) throw new IOException("The response ended prematurely.");
            var n = Math.Min(count, Math.Min(breakAfter, data.Length) - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
    }

    private static HttpResponseMessage Bytes(byte[] data, int? breakAfter = null)
    {
        HttpContent content = breakAfter is { } n ? new StreamContent(new BreakingStream(data, n)) : new ByteArrayContent(data);
        content.Headers.ContentType = new("application/octet-stream");
        content.Headers.ContentLength = data.Length;
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    [Fact]
    public async Task Download_streams_the_content_as_it_is()
    {
        var (api, handler) = Api();
        var data = new byte[300_000];
        new Random(3).NextBytes(data);
        handler.Enqueue(() => Bytes(data));
        using var destination = new MemoryStream();
        long? announced = null;

        var written = await api.DownloadFileAsync("file-abc123", destination, (_, total) => announced = total, CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/v1/files/file-abc123/content", request.Path);
        Assert.Equal("*/*", request.Header("Accept"));
        Assert.Equal(data.Length, written);
        Assert.Equal(data.Length, announced);
        Assert.Equal(data, destination.ToArray());
    }

    [Fact]
    public async Task A_download_that_breaks_off_is_retried_from_the_start_over_what_it_wrote()
    {
        var (api, handler) = Api();
        var data = new byte[200_000];
        new Random(5).NextBytes(data);
        handler.Enqueue(() => Bytes(data, breakAfter: 120_000));
        handler.Enqueue(() => Bytes(data));
        using var destination = new MemoryStream();

        await api.DownloadFileAsync("file-abc123", destination, null, CancellationToken.None);

        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(data, destination.ToArray());
    }

    [Fact]
    public async Task A_download_that_stays_short_fails_as_a_connection_error()
    {
        var session = T.Session(maxRetries: 0);
        var handler = new FakeHandler();
        var api = new FilesApi(session, new HttpMessageInvoker(handler));
        handler.Enqueue(() => Bytes(new byte[1000], breakAfter: 10));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() => api.DownloadFileAsync("file-abc123", new MemoryStream(), null, CancellationToken.None));
        Assert.Equal(OaiErrorKind.Connection, ex.Kind);
        Assert.Equal("GET /files/file-abc123/content", ex.Request);
    }

    private static HttpResponseMessage WithoutLength(byte[] data)
    {
        // A StreamContent over a non-seekable stream has no length, as a chunked answer that ended cleanly.
        var content = new StreamContent(new CountingStream(data.Length, 7));
        content.Headers.ContentType = new("application/octet-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    [Fact]
    public async Task A_download_without_a_length_that_ends_short_of_the_known_size_is_broken_and_retried()
    {
        var (api, handler) = Api();
        handler.Enqueue(() => WithoutLength(new byte[600]));
        handler.Enqueue(() => WithoutLength(new byte[1000]));
        using var destination = new MemoryStream();

        var written = await api.DownloadFileAsync("file-abc123", destination, null, CancellationToken.None, knownSize: 1000);

        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal(1000, written);
        Assert.Equal(1000, destination.Length);
    }

    [Fact]
    public async Task A_download_without_a_length_that_stays_short_of_the_known_size_fails()
    {
        var session = T.Session(maxRetries: 0);
        var handler = new FakeHandler();
        var api = new FilesApi(session, new HttpMessageInvoker(handler));
        handler.Enqueue(() => WithoutLength(new byte[600]));

        var ex = await Assert.ThrowsAsync<OaiApiException>(() =>
            api.DownloadContainerFileAsync("cntr_9", "cfile_1", new MemoryStream(), null, CancellationToken.None, knownSize: 1000));

        Assert.Equal(OaiErrorKind.Connection, ex.Kind);
        Assert.Contains("1000 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("600", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Container_files_are_read_from_their_container()
    {
        var (api, handler) = Api();
        handler.EnqueueJson("""
            {"id": "cfile_1", "object": "container.file", "created_at": 1747848842, "bytes": 3,
             "container_id": "cntr_9", "path": "/mnt/data/chart.png", "source": "assistant"}
            """);
        handler.Enqueue(() => Bytes(new byte[] { 1, 2, 3 }));

        var meta = await api.GetContainerFileAsync("cntr_9", "cfile_1", CancellationToken.None);
        using var destination = new MemoryStream();
        await api.DownloadContainerFileAsync("cntr_9", "cfile_1", destination, null, CancellationToken.None);

        Assert.Equal("/mnt/data/chart.png", meta.Path);
        Assert.Equal("/v1/containers/cntr_9/files/cfile_1", handler.Requests[0].Path);
        Assert.Equal("/v1/containers/cntr_9/files/cfile_1/content", handler.Requests[1].Path);
        Assert.Equal(new byte[] { 1, 2, 3 }, destination.ToArray());
    }

    [Theory]
    [InlineData("../files")]
    [InlineData("file-abc/../../x")]
    [InlineData("")]
    public async Task Ids_are_checked_before_they_reach_a_path(string id)
    {
        var (api, handler) = Api();
        var ex = await Assert.ThrowsAsync<OaiApiException>(() => api.DownloadFileAsync(id, new MemoryStream(), null, CancellationToken.None));
        Assert.Equal(OaiErrorKind.InvalidId, ex.Kind);
        await Assert.ThrowsAsync<OaiApiException>(() => api.GetContainerFileAsync("cntr_1", id, CancellationToken.None));
        Assert.Empty(handler.Requests);
    }

    #endregion

    #region Vector stores

    private const string StoreJson = """
        {"id": "vs_abc", "object": "vector_store", "created_at": 1699061776, "name": "Support FAQ", "usage_bytes": 139920,
         "file_counts": {"in_progress": 1, "completed": 2, "failed": 0, "cancelled": 0, "total": 3},
         "status": "in_progress", "last_active_at": 1699061777, "expires_at": null, "metadata": {"team": "ops"}}
        """;

    private const string StoreFileJson = """
        {"id": "file-abc123", "object": "vector_store.file", "usage_bytes": 0, "created_at": 1698107661,
         "vector_store_id": "vs_abc", "status": "failed", "last_error": {"code": "invalid_file", "message": "Not a text file."},
         "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}}
        """;

    private static string Store(string id) => StoreJson.Replace("\"vs_abc\"", $"\"{id}\"");

    [Fact]
    public async Task Vector_stores_are_listed_across_pages_by_the_last_id_of_each()
    {
        var (api, handler) = Api();
        handler.EnqueueJson(Fixtures.Page(new[] { Store("vs_1"), Store("vs_2") }, new[] { "vs_1", "vs_2" }, hasMore: true));
        handler.EnqueueJson(Fixtures.Page(new[] { Store("vs_3") }, new[] { "vs_3" }, hasMore: true));
        handler.EnqueueJson(Fixtures.Page(new[] { Store("vs_4") }, new[] { "vs_4" }, hasMore: false));

        var stores = await T.ToListAsync(api.ListVectorStoresAsync(new ListOptions { Order = "desc" }, CancellationToken.None));

        Assert.Equal(new[] { "vs_1", "vs_2", "vs_3", "vs_4" }, stores.Select(s => s.Id));
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("/v1/vector_stores", r.Path));
        Assert.Equal(new string?[] { null, "vs_2", "vs_3" }, handler.Requests.Select(r => r.QueryValue("after")));
        Assert.All(handler.Requests, r => Assert.Equal("desc", r.QueryValue("order")));
    }

    [Fact]
    public async Task A_vector_store_is_created_with_only_the_fields_the_reference_allows()
    {
        var (api, handler) = Api();
        handler.EnqueueJson(StoreJson);

        var store = await api.CreateVectorStoreAsync("Support FAQ", new[] { "file-a", "file-b" },
            new Dictionary<string, string> { ["team"] = "ops" }, CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("/v1/vector_stores", request.Path);
        // The reference's vector store examples send the beta header; the files examples do not.
        Assert.Equal("assistants=v2", request.Header("OpenAI-Beta"));
        T.AssertJsonEqual("""{"name": "Support FAQ", "file_ids": ["file-a", "file-b"], "metadata": {"team": "ops"}}""", request.Body);

        Assert.Equal("vs_abc", store.Id);
        Assert.Equal("in_progress", store.Status);
        Assert.Equal(139920, store.UsageBytes);
        Assert.Equal(2, store.FileCounts.Completed);
        Assert.Equal(3, store.FileCounts.Total);
        Assert.Null(store.ExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1699061777), store.LastActiveAt);
        Assert.Equal("ops", store.Metadata["team"]);
    }

    [Fact]
    public async Task An_empty_store_sends_an_empty_body()
    {
        var (api, handler) = Api();
        handler.EnqueueJson(StoreJson);
        await api.CreateVectorStoreAsync(null, Array.Empty<string>(), null, CancellationToken.None);
        T.AssertJsonEqual("{}", handler.Requests[0].Body);
    }

    [Fact]
    public async Task A_file_is_added_to_a_store_and_polled_by_its_id()
    {
        var (api, handler) = Api();
        handler.EnqueueJson(StoreFileJson);
        handler.EnqueueJson(StoreFileJson);

        await api.AddVectorStoreFileAsync("vs_abc", "file-abc123", CancellationToken.None);
        var file = await api.GetVectorStoreFileAsync("vs_abc", "file-abc123", CancellationToken.None);

        Assert.Equal("/v1/vector_stores/vs_abc/files", handler.Requests[0].Path);
        T.AssertJsonEqual("""{"file_id": "file-abc123"}""", handler.Requests[0].Body);
        Assert.Equal("GET", handler.Requests[1].Method);
        Assert.Equal("/v1/vector_stores/vs_abc/files/file-abc123", handler.Requests[1].Path);
        Assert.Equal("failed", file.Status);
        Assert.True(file.IsTerminal);
        Assert.Equal("invalid_file", file.LastError!.Code);
        Assert.Equal("invalid_file: Not a text file.", file.LastError.ToString());
    }

    [Fact]
    public async Task Lists_walk_the_after_cursor()
    {
        var (api, handler) = Api();
        handler.EnqueueJson("""{"object": "list", "data": [""" + FileJson + """], "first_id": "file-abc123", "last_id": "file-abc123", "has_more": true}""");
        handler.EnqueueJson("""{"object": "list", "data": [], "first_id": "", "last_id": "", "has_more": false}""");

        var files = await T.ToListAsync(api.ListFilesAsync("assistants", new ListOptions { Order = "desc" }, CancellationToken.None));

        Assert.Single(files);
        Assert.Equal("assistants", handler.Requests[0].QueryValue("purpose"));
        Assert.Equal("desc", handler.Requests[0].QueryValue("order"));
        Assert.Null(handler.Requests[0].QueryValue("after"));
        Assert.Equal("file-abc123", handler.Requests[1].QueryValue("after"));
    }

    #endregion

    #region The file name sanitiser

    [Theory]
    [InlineData("chart.png", "chart.png")]
    [InlineData("..", "file-abc")]
    [InlineData(".", "file-abc")]
    [InlineData("...", "file-abc")]
    [InlineData("../../evil.png", "evil.png")]
    [InlineData("..\\..\\evil.png", "evil.png")]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("/etc/", "file-abc")]
    [InlineData("C:\\x", "x")]
    [InlineData("C:x", "C_x")]
    [InlineData("\\\\server\\share\\x.txt", "x.txt")]
    [InlineData("a/../b.txt", "b.txt")]
    [InlineData("CON", "_CON")]
    [InlineData("con.txt", "_con.txt")]
    [InlineData("NUL .tar.gz", "_NUL .tar.gz")]
    [InlineData("COM1", "_COM1")]
    [InlineData("LPT9.log", "_LPT9.log")]
    [InlineData("CONSOLE.txt", "CONSOLE.txt")]
    [InlineData("", "file-abc")]
    [InlineData("   ", "file-abc")]
    [InlineData(null, "file-abc")]
    [InlineData(".bashrc", "bashrc")]
    [InlineData("name. . ", "name")]
    [InlineData("a<b>c:d\"e|f?g*h.txt", "a_b_c_d_e_f_g_h.txt")]
    [InlineData("file.txt:secret", "file.txt_secret")]
    [InlineData("tab\there\u0000.png", "tab_here_.png")]
    [InlineData("\u202Egnp.exe", "_gnp.exe")]
    [InlineData("résumé.pdf", "résumé.pdf")]
    [InlineData("報告書.xlsx", "報告書.xlsx")]
    [InlineData("chart 📈.png", "chart 📈.png")]
    [InlineData("::", "file-abc")]
    public void Server_file_names_become_safe_leaf_names(string? name, string expected)
    {
        Assert.Equal(expected, SafeFileName.Make(name, "file-abc"));
    }

    [Fact]
    public void Decomposed_unicode_is_composed()
    {
        Assert.Equal("r\u00e9sum\u00e9.pdf", SafeFileName.Make("re\u0301sume\u0301.pdf", "file-abc"));
    }

    [Fact]
    public void An_unpaired_surrogate_is_replaced()
    {
        Assert.Equal("a_b.txt", SafeFileName.Make("a\uD83Db.txt", "file-abc"));
    }

    [Fact]
    public void A_very_long_name_is_cut_to_255_utf8_bytes_and_keeps_its_extension()
    {
        var made = SafeFileName.Make(new string('a', 400) + ".png", "file-abc");
        Assert.Equal(255, Encoding.UTF8.GetByteCount(made));
        Assert.EndsWith("aaa.png", made);
    }

    [Fact]
    public void A_very_long_unicode_name_is_cut_between_whole_characters()
    {
        var made = SafeFileName.Make(string.Concat(Enumerable.Repeat("日本📈x\u0301", 100)) + ".csv", "file-abc");
        Assert.True(Encoding.UTF8.GetByteCount(made) <= SafeFileName.MaxUtf8Bytes);
        Assert.EndsWith(".csv", made);
        // No broken surrogate pair, and no combining mark cut off from its letter.
        for (var i = 0; i < made.Length; i++)
        {
            if (char.IsHighSurrogate(made[i])) Assert.True(i + 1 < made.Length && char.IsLowSurrogate(made[i + 1]));
            if (char.IsLowSurrogate(made[i])) Assert.True(i > 0 && char.IsHighSurrogate(made[i - 1]));
            if (made[i] == '\u0301') Assert.Equal('x', made[i - 1]);
        }
        Assert.False(made[..^4].EndsWith('x'), "an x without its accent means a text element was split");
    }

    [Fact]
    public void A_very_long_extension_is_not_kept()
    {
        var made = SafeFileName.Make("x." + new string('b', 300), "file-abc");
        Assert.True(Encoding.UTF8.GetByteCount(made) <= SafeFileName.MaxUtf8Bytes);
        Assert.StartsWith("x.bbb", made);
    }

    [Fact]
    public void A_hostile_fallback_is_made_safe_too()
    {
        Assert.Equal("file", SafeFileName.Make("..", "../.."));
        Assert.Equal("x", SafeFileName.Make(null, "../x"));
    }

    [Theory]
    [InlineData("../../evil.png")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows\\System32\\drivers\\etc\\hosts")]
    [InlineData("..")]
    [InlineData("sub/dir/file.txt")]
    [InlineData("CON")]
    [InlineData("")]
    public void Every_made_name_is_a_direct_child_of_the_folder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), "psassistants-dest");
        var full = SafeFileName.InFolder(folder, SafeFileName.Make(name, "file-abc"));
        Assert.NotNull(full);
        Assert.Equal(Path.GetFullPath(folder), Path.GetDirectoryName(full));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("/etc/passwd")]
    public void InFolder_refuses_anything_but_a_leaf(string name)
    {
        Assert.Null(SafeFileName.InFolder(Path.Combine(Path.GetTempPath(), "psassistants-dest"), name));
    }

    #endregion

    #region Files on messages and tools

    [Fact]
    public void Assistants_annotations_and_image_parts_are_typed()
    {
        var message = AssistantsV2Adapter.Map(System.Text.Json.JsonSerializer.Deserialize("""
            {"id": "msg_1", "object": "thread.message", "created_at": 1, "thread_id": "thread_1", "status": "completed",
             "role": "assistant", "assistant_id": "asst_1", "run_id": "run_1", "attachments": [], "metadata": {},
             "content": [
               {"type": "image_file", "image_file": {"file_id": "file-img", "detail": "auto"}},
               {"type": "text", "text": {"value": "See sandbox:/mnt/data/chart.png and [1].", "annotations": [
                 {"type": "file_path", "text": "sandbox:/mnt/data/chart.png", "file_path": {"file_id": "file-img"}, "start_index": 4, "end_index": 31},
                 {"type": "file_citation", "text": "[1]", "file_citation": {"file_id": "file-src"}, "start_index": 36, "end_index": 39}]}}]}
            """, AssistantsJson.Default.MessageObject)!);

        Assert.Equal("image_file", message.Content[0].Type);
        Assert.Equal("file-img", message.Content[0].FileId);
        var annotations = message.Content[1].Annotations;
        Assert.Equal(2, annotations.Count);
        Assert.Equal("file_path", annotations[0].Type);
        Assert.Equal("file-img", annotations[0].FileId);
        Assert.Equal("sandbox:/mnt/data/chart.png", annotations[0].Text);
        Assert.Equal((4, 31), (annotations[0].StartIndex, annotations[0].EndIndex));
        Assert.True(annotations[0].IsGeneratedFile);
        Assert.Equal("file_citation", annotations[1].Type);
        Assert.Equal("file-src", annotations[1].FileId);
        Assert.False(annotations[1].IsGeneratedFile);
    }

    [Fact]
    public void Responses_container_file_citations_are_typed()
    {
        var item = System.Text.Json.JsonSerializer.Deserialize("""
            {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed", "content": [
              {"type": "output_text", "text": "Here is the chart.", "logprobs": [], "annotations": [
                {"type": "container_file_citation", "container_id": "cntr_1", "file_id": "cfile_1", "start_index": 0, "end_index": 4, "filename": "chart.png"},
                {"type": "file_citation", "file_id": "file-src", "index": 7, "filename": "notes.pdf"},
                {"type": "url_citation", "url": "https://example.com/", "start_index": 1, "end_index": 2, "title": "Example"}]}]}
            """, ResponsesJson.Default.ItemWire)!;

        var message = ResponsesAdapter.MapMessage(item, "conv_1", null, null);

        var a = message.Content[0].Annotations;
        Assert.Equal(("container_file_citation", "cntr_1", "cfile_1", "chart.png"), (a[0].Type, a[0].ContainerId, a[0].FileId, a[0].FileName));
        Assert.Equal((0, 4), (a[0].StartIndex, a[0].EndIndex));
        Assert.True(a[0].IsGeneratedFile);
        Assert.Equal(("file_citation", "file-src", 7, "notes.pdf"), (a[1].Type, a[1].FileId, a[1].Index, a[1].FileName));
        Assert.Equal(("url_citation", "https://example.com/", "Example"), (a[2].Type, a[2].Url, a[2].Title));
    }

    [Fact]
    public async Task Assistants_messages_carry_attachments_for_the_tools_asked_for()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Message());
        handler.EnqueueJson(Fixtures.Message());

        await adapter.AddMessageAsync("thread_abc", new MessageCreateOptions { Content = "Look", FileIds = new[] { "file-a" } }, CancellationToken.None);
        await adapter.AddMessageAsync("thread_abc", new MessageCreateOptions
        {
            Content = "Run it",
            FileIds = new[] { "file-a", "file-b" },
            AttachTo = new[] { "code_interpreter", "file_search" },
        }, CancellationToken.None);

        T.AssertJsonEqual("""
            {"role": "user", "content": "Look", "attachments": [{"file_id": "file-a", "tools": [{"type": "file_search"}]}]}
            """, handler.Requests[0].Body);
        T.AssertJsonEqual("""
            {"role": "user", "content": "Run it", "attachments": [
              {"file_id": "file-a", "tools": [{"type": "code_interpreter"}, {"type": "file_search"}]},
              {"file_id": "file-b", "tools": [{"type": "code_interpreter"}, {"type": "file_search"}]}]}
            """, handler.Requests[1].Body);
    }

    [Fact]
    public async Task Assistants_tools_get_their_files_and_vector_stores_as_tool_resources()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson("""
            {"id": "asst_1", "object": "assistant", "created_at": 1, "name": null, "description": null, "model": "gpt-4o",
             "instructions": null, "metadata": {}, "tools": [{"type": "code_interpreter"}, {"type": "file_search"}],
             "tool_resources": {"code_interpreter": {"file_ids": ["file-a"]}, "file_search": {"vector_store_ids": ["vs_1"]}}}
            """);

        var assistant = await adapter.CreateAssistantAsync(new AssistantCreateOptions
        {
            Model = "gpt-4o",
            Tools = new[] { new OaiTool("code_interpreter") { FileIds = new[] { "file-a" } }, new OaiTool("file_search") { VectorStoreIds = new[] { "vs_1" } } },
        }, CancellationToken.None);

        T.AssertJsonEqual("""
            {"model": "gpt-4o", "tools": [{"type": "code_interpreter"}, {"type": "file_search"}],
             "tool_resources": {"code_interpreter": {"file_ids": ["file-a"]}, "file_search": {"vector_store_ids": ["vs_1"]}}}
            """, handler.Requests[0].Body);
        Assert.Equal(new[] { "file-a" }, assistant.Tools[0].FileIds);
        Assert.Equal(new[] { "vs_1" }, assistant.Tools[1].VectorStoreIds);
    }

    [Fact]
    public async Task An_assistant_update_that_gives_tools_sends_their_resources_as_given()
    {
        var (adapter, handler) = T.Adapter();
        handler.EnqueueJson(Fixtures.Assistant);
        handler.EnqueueJson(Fixtures.Assistant);

        await adapter.UpdateAssistantAsync("asst_abc123", new AssistantUpdateOptions
        {
            Tools = new[] { new OaiTool("code_interpreter"), new OaiTool("file_search") { VectorStoreIds = new[] { "vs_2" } } },
        }, CancellationToken.None);
        await adapter.UpdateAssistantAsync("asst_abc123", new AssistantUpdateOptions { Name = "Renamed" }, CancellationToken.None);

        // A code_interpreter given without files drops the files it had, as -Tool replaces the tools.
        T.AssertJsonEqual("""
            {"tools": [{"type": "code_interpreter"}, {"type": "file_search"}],
             "tool_resources": {"code_interpreter": {"file_ids": []}, "file_search": {"vector_store_ids": ["vs_2"]}}}
            """, handler.Requests[0].Body);
        // Without tools, neither tools nor their resources change.
        T.AssertJsonEqual("""{"name": "Renamed"}""", handler.Requests[1].Body);
    }

    [Fact]
    public void Responses_tools_carry_the_container_files_and_the_vector_stores()
    {
        var interpreter = ResponsesAdapter.ToWire(new OaiTool("code_interpreter") { FileIds = new[] { "file-a" } });
        var search = ResponsesAdapter.ToWire(new OaiTool("file_search") { VectorStoreIds = new[] { "vs_1" } });
        var json = System.Text.Json.JsonSerializer.Serialize(new CreateResponseBody { Tools = new() { interpreter, search } }, ResponsesJson.Default.CreateResponseBody);

        var tools = JsonNode.Parse(json)!["tools"]!;
        T.AssertJsonEqual("""{"type": "code_interpreter", "container": {"type": "auto", "file_ids": ["file-a"]}}""", tools[0]!.ToJsonString());
        T.AssertJsonEqual("""{"type": "file_search", "vector_store_ids": ["vs_1"]}""", tools[1]!.ToJsonString());
        // Without files the container stays {"type": "auto"}.
        Assert.Null(ResponsesAdapter.ToWire(new OaiTool("code_interpreter")).Container!.FileIds);
    }

    [Fact]
    public async Task Responses_messages_carry_files_as_input_file_parts()
    {
        using var h = new ResponsesHarness();
        h.Handler.EnqueueJson("""
            {"object": "list", "first_id": "msg_1", "last_id": "msg_1", "has_more": false, "data": [
              {"id": "msg_1", "type": "message", "role": "user", "status": "completed", "content": [
                {"type": "input_text", "text": "Summarize"}, {"type": "input_file", "file_id": "file-a", "filename": "notes.pdf"}]}]}
            """);

        var message = await h.Adapter.AddMessageAsync("conv_1", new MessageCreateOptions { Content = "Summarize", FileIds = new[] { "file-a" } }, CancellationToken.None);

        T.AssertJsonEqual("""
            {"items": [{"type": "message", "role": "user", "status": null, "content": [
              {"type": "input_text", "text": "Summarize"}, {"type": "input_file", "file_id": "file-a"}]}]}
            """, h.Handler.Requests[0].Body);
        Assert.Equal("file-a", message.Content[1].FileId);
        Assert.Equal("notes.pdf", message.Content[1].FileName);
    }

    [Fact]
    public async Task Responses_refuses_files_for_the_code_interpreter_of_a_message_before_any_request()
    {
        using var h = new ResponsesHarness();
        var ex = await Assert.ThrowsAsync<OaiApiException>(() => h.Adapter.AddMessageAsync("conv_1",
            new MessageCreateOptions { Content = "Run", FileIds = new[] { "file-a" }, AttachTo = new[] { "code_interpreter" } }, CancellationToken.None));
        Assert.Equal(OaiErrorKind.NotSupported, ex.Kind);
        Assert.Contains("-CodeInterpreterFileId", ex.Message);
        Assert.Empty(h.Handler.Requests);
    }

    #endregion
}
