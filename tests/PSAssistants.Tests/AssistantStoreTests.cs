using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PSAssistants.Client;
using PSAssistants.Protocols.Responses;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>
/// The client-side assistant store of the Responses protocol: one JSON file, changed under a lock file by
/// write-then-rename, never overwritten when it cannot be read. Each test has its own temporary folder.
/// </summary>
public sealed class AssistantStoreTests : IDisposable
{
    private const string Schema =
        """{"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "days": {"type": "integer", "minimum": 1}}, "required": ["city"], "additionalProperties": false}""";

    private readonly string _dir;
    private readonly string _path;

    public AssistantStoreTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "psassistants-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _path = Path.Combine(_dir, "assistants.json");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes half of what it is given, then fails as a full disk does.</summary>
    private sealed class FailingHalfway(Stream inner) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer[..(buffer.Length / 2)]);
            inner.Flush();
            throw new IOException("No space left on device");
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_old_store_whole_and_no_temporary_file()
    {
        new AssistantStore(_path).Save(Sample("asst_local_one", "One"), replace: false);
        var before = File.ReadAllBytes(_path);
        var failing = new AssistantStore(_path) { WriteThrough = s => new FailingHalfway(s) };

        var save = Assert.Throws<OaiApiException>(() => failing.Save(Sample("asst_local_two", "Two"), replace: false));
        var remove = Assert.Throws<OaiApiException>(() => failing.Remove("asst_local_one"));

        Assert.Equal(OaiErrorKind.AssistantStoreInvalid, save.Kind);
        Assert.Equal(OaiErrorKind.AssistantStoreInvalid, remove.Kind);
        Assert.Contains("No space left", save.Message);
        Assert.Equal(before, File.ReadAllBytes(_path));
        Assert.Equal(new[] { "asst_local_one" }, new AssistantStore(_path).ReadAll().Select(a => a.Id));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(_path)!, "*.tmp"));
    }

    private static StoredAssistant Sample(string id, string? name = "Helper") => new()
    {
        Id = id,
        Name = name,
        Model = "gpt-4o",
        Instructions = "Be helpful.",
        CreatedAt = 1741900000,
    };

    private string[] TempFiles() => Directory.GetFiles(_dir, "*.tmp");

    #region Round trip, ids, conflicts

    [Fact]
    public void Create_find_remove_round_trip()
    {
        var store = new AssistantStore(_path);

        store.Save(Sample("asst_local_one", "One"), replace: false);
        store.Save(Sample("asst_local_two", "Two"), replace: false);

        Assert.Equal(new[] { "asst_local_one", "asst_local_two" }, store.ReadAll().Select(a => a.Id));
        Assert.Equal("Two", store.Find("asst_local_two")!.Name);
        Assert.Null(store.Find("asst_local_three"));

        Assert.True(store.Remove("asst_local_one"));
        Assert.False(store.Remove("asst_local_one"));

        Assert.Null(store.Find("asst_local_one"));
        Assert.Equal("asst_local_two", Assert.Single(new AssistantStore(_path).ReadAll()).Id);
        Assert.Empty(TempFiles());
    }

    [Fact]
    public void New_ids_are_asst_local_and_20_letters_or_digits_and_unique()
    {
        var ids = Enumerable.Range(0, 2000).Select(_ => AssistantStore.NewId()).ToList();

        Assert.All(ids, id => Assert.Matches("^asst_local_[A-Za-z0-9]{20}$", id));
        Assert.All(ids, id => Assert.True(OaiId.IsValid(id)));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Saving_an_existing_id_without_replace_is_a_conflict_and_changes_nothing()
    {
        var store = new AssistantStore(_path);
        store.Save(Sample("asst_local_one", "Original"), replace: false);
        var before = File.ReadAllBytes(_path);

        var ex = Assert.Throws<OaiApiException>(() => store.Save(Sample("asst_local_one", "Other"), replace: false));

        Assert.Equal(OaiErrorKind.Conflict, ex.Kind);
        Assert.Contains("asst_local_one", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(_path));
        Assert.Equal("Original", store.Find("asst_local_one")!.Name);
    }

    [Fact]
    public void Saving_an_existing_id_with_replace_replaces_it_in_place()
    {
        var store = new AssistantStore(_path);
        store.Save(Sample("asst_local_one", "Original"), replace: false);
        store.Save(Sample("asst_local_two", "Second"), replace: false);

        store.Save(Sample("asst_local_one", "Replaced"), replace: true);

        var all = store.ReadAll();
        Assert.Equal(new[] { "asst_local_one", "asst_local_two" }, all.Select(a => a.Id));
        Assert.Equal("Replaced", all[0].Name);
    }

    [Fact]
    public void A_missing_file_is_an_empty_store_and_reading_it_creates_no_store_file()
    {
        var path = Path.Combine(_dir, "not", "yet", "assistants.json");
        var store = new AssistantStore(path);

        Assert.Empty(store.ReadAll());
        Assert.Null(store.Find("asst_local_one"));
        Assert.False(store.Remove("asst_local_one"));
        Assert.False(File.Exists(path));

        store.Save(Sample("asst_local_one"), replace: false);

        Assert.True(File.Exists(path));
        Assert.Equal("asst_local_one", Assert.Single(store.ReadAll()).Id);
    }

    [Fact]
    public void An_empty_file_is_an_empty_store()
    {
        File.WriteAllBytes(_path, Array.Empty<byte>());
        var store = new AssistantStore(_path);

        Assert.Empty(store.ReadAll());
        store.Save(Sample("asst_local_one"), replace: false);

        Assert.Single(store.ReadAll());
    }

    [Fact]
    public void The_path_is_made_absolute()
    {
        var store = new AssistantStore(Path.Combine("relative", "assistants.json"));

        Assert.True(Path.IsPathFullyQualified(store.Path));
        Assert.EndsWith(Path.Combine("relative", "assistants.json"), store.Path);
    }

    #endregion

    #region File format

    private static OaiAssistant FullModel(string id) => new()
    {
        Id = id,
        Name = "Weather bot",
        Description = "Answers about the weather",
        Model = "gpt-4o",
        Instructions = "Be brief.\nUse metric units.",
        Tools = new[]
        {
            new OaiTool("code_interpreter"),
            new OaiTool("function") { Name = "get_forecast", Description = "Forecast for a city", ParametersJson = Schema, Strict = true },
        },
        Metadata = OaiMetadata.From(new Dictionary<string, string> { ["CostCenter"] = "42", ["owner"] = "ops" }),
        Temperature = 0.25,
        TopP = 0.5,
        PromptId = "pmpt_abc123",
        PromptVersion = "7",
        CreatedAt = DateTimeOffset.FromUnixTimeSeconds(1741900000),
    };

    [Fact]
    public void The_written_file_is_valid_json_with_snake_case_keys_and_a_version()
    {
        new AssistantStore(_path).Save(StoredAssistant.From(FullModel("asst_local_full")), replace: false);

        var root = JsonNode.Parse(File.ReadAllText(_path))!.AsObject();

        Assert.Equal(new[] { "assistants", "version" }, root.Select(p => p.Key).Order());
        Assert.Equal(1, root["version"]!.GetValue<int>());
        var a = Assert.Single(root["assistants"]!.AsArray())!.AsObject();
        Assert.Equal(
            new[] { "created_at", "description", "id", "instructions", "metadata", "model", "name", "prompt_id", "prompt_version", "temperature", "tools", "top_p" },
            a.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(1741900000, a["created_at"]!.GetValue<long>());
        Assert.Equal("pmpt_abc123", a["prompt_id"]!.GetValue<string>());
        Assert.Equal("7", a["prompt_version"]!.GetValue<string>());
        Assert.Equal(0.5, a["top_p"]!.GetValue<double>());
        var tools = a["tools"]!.AsArray();
        Assert.Equal(new[] { "type" }, tools[0]!.AsObject().Select(p => p.Key));
        Assert.Equal(new[] { "description", "name", "parameters", "strict", "type" }, tools[1]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        // The schema is stored as JSON, not as a string holding JSON.
        Assert.Equal(JsonValueKind.Object, tools[1]!["parameters"]!.GetValueKind());
        T.AssertJsonEqual(Schema, tools[1]!["parameters"]!.ToJsonString());
        // Metadata keys are the user's own and keep their case.
        Assert.Equal("42", a["metadata"]!["CostCenter"]!.GetValue<string>());
    }

    [Fact]
    public void A_definition_round_trips_through_the_file_with_tools_schema_metadata_sampling_and_prompt()
    {
        var original = FullModel("asst_local_full");
        new AssistantStore(_path).Save(StoredAssistant.From(original), replace: false);

        var back = new AssistantStore(_path).Find("asst_local_full")!.ToModel();

        Assert.Equal(original.Id, back.Id);
        Assert.Equal(original.Name, back.Name);
        Assert.Equal(original.Description, back.Description);
        Assert.Equal(original.Model, back.Model);
        Assert.Equal(original.Instructions, back.Instructions);
        Assert.Equal(0.25, back.Temperature);
        Assert.Equal(0.5, back.TopP);
        Assert.Equal("pmpt_abc123", back.PromptId);
        Assert.Equal("7", back.PromptVersion);
        Assert.Equal(original.CreatedAt, back.CreatedAt);
        Assert.Equal(original.Metadata.OrderBy(p => p.Key), back.Metadata.OrderBy(p => p.Key));
        Assert.Equal(2, back.Tools.Count);
        Assert.Equal("code_interpreter", back.Tools[0].Type);
        Assert.Null(back.Tools[0].ParametersJson);
        var fn = back.Tools[1];
        Assert.Equal("function", fn.Type);
        Assert.Equal("get_forecast", fn.Name);
        Assert.Equal("Forecast for a city", fn.Description);
        Assert.True(fn.Strict);
        T.AssertJsonEqual(Schema, fn.ParametersJson);
    }

    [Fact]
    public void A_minimal_definition_round_trips_with_empty_collections_and_nulls()
    {
        var original = new OaiAssistant { Id = "asst_local_min", Model = "gpt-4o", CreatedAt = DateTimeOffset.FromUnixTimeSeconds(1) };
        new AssistantStore(_path).Save(StoredAssistant.From(original), replace: false);

        var back = new AssistantStore(_path).Find("asst_local_min")!.ToModel();

        Assert.Empty(back.Tools);
        Assert.Empty(back.Metadata);
        Assert.Null(back.Temperature);
        Assert.Null(back.TopP);
        Assert.Null(back.PromptId);
        Assert.Null(back.Instructions);
        var a = JsonNode.Parse(File.ReadAllText(_path))!["assistants"]![0]!.AsObject();
        Assert.False(a.ContainsKey("tools"));
        Assert.False(a.ContainsKey("temperature"));
    }

    #endregion

    #region A file that cannot be read is reported and never overwritten

    [Fact]
    public void A_truncated_file_is_reported_with_its_path_and_is_never_overwritten()
    {
        var store = new AssistantStore(_path);
        store.Save(StoredAssistant.From(FullModel("asst_local_one")), replace: false);
        store.Save(Sample("asst_local_two"), replace: false);
        var full = File.ReadAllBytes(_path);
        var truncated = full[..(full.Length / 2)];
        File.WriteAllBytes(_path, truncated);

        var read = Assert.Throws<OaiApiException>(() => store.ReadAll());
        var find = Assert.Throws<OaiApiException>(() => store.Find("asst_local_one"));
        var save = Assert.Throws<OaiApiException>(() => store.Save(Sample("asst_local_three"), replace: false));
        Assert.Equal(truncated, File.ReadAllBytes(_path));
        var remove = Assert.Throws<OaiApiException>(() => store.Remove("asst_local_one"));
        Assert.Equal(truncated, File.ReadAllBytes(_path));
        var replace = Assert.Throws<OaiApiException>(() => store.Save(Sample("asst_local_one"), replace: true));

        Assert.Equal(truncated, File.ReadAllBytes(_path));
        foreach (var ex in new[] { read, find, save, remove, replace })
        {
            Assert.Equal(OaiErrorKind.AssistantStoreInvalid, ex.Kind);
            Assert.Contains(_path, ex.Message);
            Assert.IsAssignableFrom<JsonException>(ex.InnerException);
        }
        Assert.Empty(TempFiles());
    }

    [Theory]
    [InlineData("[1, 2, 3]")]
    [InlineData("null")]
    [InlineData("{\"version\": \"one\"}")]
    [InlineData("{\"version\": 1, \"assistants\": {\"id\": \"x\"}}")]
    [InlineData("not json at all")]
    public void A_file_that_is_not_a_store_is_reported_and_never_overwritten(string content)
    {
        File.WriteAllText(_path, content);
        var before = File.ReadAllBytes(_path);
        var store = new AssistantStore(_path);

        var read = Assert.Throws<OaiApiException>(() => store.ReadAll());
        var save = Assert.Throws<OaiApiException>(() => store.Save(Sample("asst_local_one"), replace: true));

        Assert.Equal(OaiErrorKind.AssistantStoreInvalid, read.Kind);
        Assert.Equal(OaiErrorKind.AssistantStoreInvalid, save.Kind);
        Assert.Contains(_path, read.Message);
        Assert.Equal(before, File.ReadAllBytes(_path));
    }

    [Fact]
    public void A_file_of_a_newer_format_version_is_a_clear_error_and_is_never_overwritten()
    {
        File.WriteAllText(_path, """{"version": 2, "assistants": [{"id": "asst_local_one", "model": "gpt-5", "created_at": 1, "new_thing": {"a": 1}}]}""");
        var before = File.ReadAllBytes(_path);
        var store = new AssistantStore(_path);

        var read = Assert.Throws<OaiApiException>(() => store.ReadAll());
        var save = Assert.Throws<OaiApiException>(() => store.Save(Sample("asst_local_two"), replace: false));
        var remove = Assert.Throws<OaiApiException>(() => store.Remove("asst_local_one"));

        foreach (var ex in new[] { read, save, remove })
        {
            Assert.Equal(OaiErrorKind.AssistantStoreInvalid, ex.Kind);
            Assert.Contains(_path, ex.Message);
            Assert.Contains("newer", ex.Message);
            Assert.Contains("format 2", ex.Message);
        }
        Assert.Equal(before, File.ReadAllBytes(_path));
    }

    [Fact]
    public void A_file_of_the_current_version_with_unknown_fields_is_read()
    {
        File.WriteAllText(_path, """
            {"version": 1, "written_by": "a later 1.x", "assistants": [
              {"id": "asst_local_one", "model": "gpt-4o", "created_at": 1741900000, "color": "blue",
               "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}, "strict": false, "extra": 1}]}]}
            """);

        var a = Assert.Single(new AssistantStore(_path).ReadAll()).ToModel();

        Assert.Equal("asst_local_one", a.Id);
        Assert.Equal("f", Assert.Single(a.Tools).Name);
    }

    #endregion

    #region Concurrency

    [Fact]
    public async Task Eight_writers_with_separate_instances_lose_no_save_and_leave_no_temp_files()
    {
        const int writers = 8;
        const int each = 25;
        var saved = new ConcurrentBag<string>();
        using var go = new ManualResetEventSlim(false);

        var tasks = Enumerable.Range(0, writers).Select(w => Task.Factory.StartNew(() =>
        {
            var store = new AssistantStore(_path);
            go.Wait();
            for (var i = 0; i < each; i++)
            {
                var a = Sample(AssistantStore.NewId(), $"writer {w} save {i}");
                store.Save(a, replace: false);
                saved.Add(a.Id);
                // Each writer sees its own save at once: a rename never shows a half-written file.
                Assert.NotNull(store.Find(a.Id));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        go.Set();
        await Task.WhenAll(tasks);

        var all = new AssistantStore(_path).ReadAll();
        Assert.Equal(writers * each, all.Count);
        Assert.Equal(saved.Order(StringComparer.Ordinal), all.Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.Empty(TempFiles());
        Assert.Equal(new[] { "assistants.json", "assistants.json.lock" }, Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(_path));
        Assert.Equal(writers * each, doc.RootElement.GetProperty("assistants").GetArrayLength());
    }

    [Fact]
    public async Task Concurrent_saves_and_removes_keep_exactly_what_was_not_removed()
    {
        var store = new AssistantStore(_path);
        var initial = Enumerable.Range(0, 40).Select(i => $"asst_local_pre{i:00}").ToArray();
        foreach (var id in initial) store.Save(Sample(id), replace: false);
        var added = new ConcurrentBag<string>();

        var removers = Enumerable.Range(0, 4).Select(r => Task.Factory.StartNew(() =>
        {
            var mine = new AssistantStore(_path);
            for (var i = r; i < initial.Length; i += 4) Assert.True(mine.Remove(initial[i]));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        var adders = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            var mine = new AssistantStore(_path);
            for (var i = 0; i < 10; i++)
            {
                var id = AssistantStore.NewId();
                mine.Save(Sample(id), replace: false);
                added.Add(id);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        await Task.WhenAll(removers.Concat(adders));

        Assert.Equal(added.Order(StringComparer.Ordinal), store.ReadAll().Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.Empty(TempFiles());
    }

    /// <summary>
    /// Another process (util-linux flock, which takes the same flock(2) lock .NET's FileShare.None takes on
    /// Unix) holds the lock file while it rewrites the store: a save started meanwhile must wait for it and
    /// then keep both assistants. The save cannot finish while the lock is held, whatever the timing.
    /// </summary>
    [Fact]
    public async Task A_writer_in_another_process_holding_the_lock_is_waited_for_and_nothing_is_lost()
    {
        var flock = new[] { "/usr/bin/flock", "/bin/flock" }.FirstOrDefault(File.Exists);
        if (!OperatingSystem.IsLinux() || flock is null) return; // the cross-process check needs util-linux flock

        var theirs = Path.Combine(_dir, "theirs.json");
        File.WriteAllText(theirs, """{"version": 1, "assistants": [{"id": "asst_local_theirs", "model": "gpt-4o", "created_at": 1}]}""");
        var psi = new ProcessStartInfo(flock)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { _path + ".lock", "/bin/sh", "-c", "echo locked; read go; cat \"$0\" > \"$1\"; echo written", theirs, _path })
            psi.ArgumentList.Add(arg);
        using var other = Process.Start(psi)!;
        try
        {
            Assert.Equal("locked", await other.StandardOutput.ReadLineAsync());

            var save = Task.Factory.StartNew(() => new AssistantStore(_path).Save(Sample("asst_local_mine"), replace: false),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            // Only gives a writer that ignored the lock the chance to finish early; a correct one cannot.
            await Task.Delay(300);
            Assert.False(save.IsCompleted, "The save finished while another process held the store's lock file.");

            await other.StandardInput.WriteLineAsync("go");
            await other.StandardInput.FlushAsync();
            Assert.Equal("written", await other.StandardOutput.ReadLineAsync());
            await other.WaitForExitAsync();
            await save;
        }
        finally
        {
            if (!other.HasExited) other.Kill();
        }

        Assert.Equal(0, other.ExitCode);
        Assert.Equal(new[] { "asst_local_theirs", "asst_local_mine" }, new AssistantStore(_path).ReadAll().Select(a => a.Id));
    }

    #endregion
}

/// <summary>Where the store lives by default: these tests change environment variables, so they run alone.</summary>
[Collection(EnvironmentCollection.Name)]
public class AssistantStoreEnvironmentTests
{
    private static readonly string s_explicit = Path.Combine(Path.GetTempPath(), "psassistants-tests", "explicit", "store.json");
    private static readonly string s_xdg = Path.Combine(Path.GetTempPath(), "psassistants-tests", "xdg");

    [Fact]
    public void PSASSISTANTS_ASSISTANT_STORE_wins()
    {
        using var _ = new EnvScope(("PSASSISTANTS_ASSISTANT_STORE", s_explicit), ("XDG_CONFIG_HOME", s_xdg));

        Assert.Equal(s_explicit, AssistantStore.DefaultPath());
    }

    [Fact]
    public void XDG_CONFIG_HOME_is_used_when_no_store_path_is_set()
    {
        using var _ = new EnvScope(("PSASSISTANTS_ASSISTANT_STORE", "   "), ("XDG_CONFIG_HOME", s_xdg));

        var expected = OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "PSAssistants", "assistants.json")
            : Path.Combine(s_xdg, "PSAssistants", "assistants.json");
        Assert.Equal(expected, AssistantStore.DefaultPath());
    }

    [Fact]
    public void Without_either_variable_the_store_is_under_the_users_config_folder()
    {
        using var _ = new EnvScope(("XDG_CONFIG_HOME", null));

        var expected = OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "PSAssistants", "assistants.json")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "PSAssistants", "assistants.json");
        Assert.Equal(expected, AssistantStore.DefaultPath());
    }

    [Fact]
    public void A_session_without_a_store_path_takes_the_default_and_an_explicit_one_wins()
    {
        using var _ = new EnvScope(("PSASSISTANTS_ASSISTANT_STORE", s_explicit));
        var given = Path.Combine(Path.GetTempPath(), "psassistants-tests", "given.json");

        var fromEnv = OaiSessions.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base, Protocol = OaiProtocol.Responses });
        var explicitPath = T.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base, Protocol = OaiProtocol.Responses, AssistantStorePath = given });

        Assert.Equal(s_explicit, fromEnv.AssistantStorePath);
        Assert.Equal(given, explicitPath.AssistantStorePath);
    }

    [Fact]
    public void The_variables_are_put_back_afterwards()
    {
        var before = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        using (new EnvScope(("XDG_CONFIG_HOME", s_xdg)))
        {
            Assert.Equal(s_xdg, Environment.GetEnvironmentVariable("XDG_CONFIG_HOME"));
        }
        Assert.Equal(before, Environment.GetEnvironmentVariable("XDG_CONFIG_HOME"));
    }
}
