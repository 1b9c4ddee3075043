using PSAssistants.Client;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>Tests that change process environment variables run alone, after every parallel test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Environment variables";
}

/// <summary>Sets the variables a session reads and puts every one of them back on Dispose.</summary>
internal sealed class EnvScope : IDisposable
{
    private static readonly string[] s_names =
    {
        "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_PROTOCOL", "PSASSISTANTS_ASSISTANT_STORE",
    };

    private readonly Dictionary<string, string?> _saved = new();

    /// <summary>Clears all the variables, then sets the given ones.</summary>
    public EnvScope(params (string Name, string? Value)[] values)
    {
        foreach (var name in s_names)
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
        }
        foreach (var (name, value) in values)
        {
            if (!_saved.ContainsKey(name)) _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
    }
}

[Collection(EnvironmentCollection.Name)]
public class EnvironmentTests
{
    private static OaiSession FromEnvironment(bool allowInsecureHttp = false) =>
        T.Create(new() { AllowInsecureHttp = allowInsecureHttp });

    [Fact]
    public void EnvScope_restores_what_it_changed()
    {
        const string name = "OPENAI_PROJECT_ID";
        var before = Environment.GetEnvironmentVariable(name);
        using (new EnvScope((name, "proj_scoped")))
        {
            Assert.Equal("proj_scoped", Environment.GetEnvironmentVariable(name));
        }
        Assert.Equal(before, Environment.GetEnvironmentVariable(name));
    }

    [Fact]
    public async Task The_key_comes_from_OPENAI_API_KEY_when_not_given()
    {
        using var _ = new EnvScope(("OPENAI_API_KEY", T.Key), ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"));
        var session = FromEnvironment();
        var (adapter, handler) = T.Adapter(session);
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal("Environment", session.ApiKeySource);
        Assert.True(session.HasApiKey);
        Assert.Equal("Bearer sk-test", Assert.Single(handler.Requests).Header("Authorization"));
        Assert.DoesNotContain(T.Key, session.ToString());
    }

    [Fact]
    public void A_given_key_wins_over_OPENAI_API_KEY()
    {
        using var _ = new EnvScope(("OPENAI_API_KEY", "sk-from-environment"));
        var session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base, Protocol = OaiProtocol.Assistants });

        Assert.Equal("Parameter", session.ApiKeySource);
        Assert.Equal("Bearer sk-test", session.AuthorizationHeader);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Without_any_key_the_source_is_None_and_no_authorization_is_sent(string? envKey)
    {
        using var _ = new EnvScope(("OPENAI_API_KEY", envKey));
        var session = T.Create(new() { BaseUri = T.Base, Protocol = OaiProtocol.Assistants, MaxRetries = 0 });
        var (adapter, handler) = T.Adapter(session);
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal("None", session.ApiKeySource);
        Assert.False(session.HasApiKey);
        Assert.Null(session.AuthorizationHeader);
        Assert.Null(Assert.Single(handler.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task The_base_uri_comes_from_OPENAI_BASE_URL_trimmed()
    {
        using var _ = new EnvScope(("OPENAI_API_KEY", T.Key), ("OPENAI_BASE_URL", "  http://127.0.0.1:4010/v1/ \n"));
        var session = FromEnvironment();
        var (adapter, handler) = T.Adapter(session);
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal(new Uri("http://127.0.0.1:4010/v1/"), session.BaseUri);
        var r = Assert.Single(handler.Requests);
        Assert.Equal(4010, r.Uri.Port);
        Assert.Equal("/v1/threads/thread_abc", r.Path);
    }

    [Fact]
    public void A_given_base_uri_wins_over_OPENAI_BASE_URL()
    {
        using var _ = new EnvScope(("OPENAI_BASE_URL", "http://127.0.0.1:4010/v1"));
        var session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = new Uri("http://127.0.0.1:5555/v1"), Protocol = OaiProtocol.Assistants });

        Assert.Equal(5555, session.BaseUri.Port);
    }

    [Fact]
    public void Without_OPENAI_BASE_URL_the_base_is_the_official_api()
    {
        using var _ = new EnvScope();

        Assert.Equal(new Uri("https://api.openai.com/v1"), FromEnvironment().BaseUri);
    }

    [Fact]
    public void Plain_http_from_OPENAI_BASE_URL_is_refused_too()
    {
        using var _ = new EnvScope(("OPENAI_API_KEY", T.Key), ("OPENAI_BASE_URL", "http://example.com/v1"));

        var ex = Assert.Throws<OaiArgumentException>(() => FromEnvironment());
        Assert.DoesNotContain(T.Key, ex.Message);
        Assert.Equal(new Uri("http://example.com/v1"), FromEnvironment(allowInsecureHttp: true).BaseUri);
    }

    [Fact]
    public void An_OPENAI_BASE_URL_that_is_not_a_uri_is_refused_by_name()
    {
        using var _ = new EnvScope(("OPENAI_BASE_URL", "api.example.com/v1"));

        var ex = Assert.Throws<OaiArgumentException>(() => FromEnvironment());
        Assert.Contains("OPENAI_BASE_URL", ex.Message);
    }

    [Fact]
    public async Task Organization_and_project_come_from_the_environment_and_are_sent()
    {
        using var _ = new EnvScope(("OPENAI_ORG_ID", " org-env "), ("OPENAI_PROJECT_ID", "proj_env"));
        var session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base, Protocol = OaiProtocol.Assistants });
        var (adapter, handler) = T.Adapter(session);
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Equal("org-env", session.Organization);
        Assert.Equal("proj_env", session.Project);
        var r = Assert.Single(handler.Requests);
        Assert.Equal("org-env", r.Header("OpenAI-Organization"));
        Assert.Equal("proj_env", r.Header("OpenAI-Project"));
    }

    [Fact]
    public void Given_organization_and_project_win_over_the_environment()
    {
        using var _ = new EnvScope(("OPENAI_ORG_ID", "org-env"), ("OPENAI_PROJECT_ID", "proj_env"));
        var session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base, Protocol = OaiProtocol.Assistants, Organization = "org-given", Project = "proj_given" });

        Assert.Equal("org-given", session.Organization);
        Assert.Equal("proj_given", session.Project);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task Without_organization_and_project_their_headers_are_absent(string? envValue)
    {
        using var _ = new EnvScope(("OPENAI_ORG_ID", envValue), ("OPENAI_PROJECT_ID", envValue));
        var session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base, Protocol = OaiProtocol.Assistants });
        var (adapter, handler) = T.Adapter(session);
        handler.EnqueueJson(Fixtures.Thread);

        await adapter.GetThreadAsync("thread_abc", default);

        Assert.Null(session.Organization);
        Assert.Null(session.Project);
        var r = Assert.Single(handler.Requests);
        Assert.Null(r.Header("OpenAI-Organization"));
        Assert.Null(r.Header("OpenAI-Project"));
    }

    [Fact]
    public void Defaults_apply_when_timeout_and_retries_are_not_given()
    {
        using var _ = new EnvScope();
        var session = T.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base, Protocol = OaiProtocol.Assistants });

        Assert.Equal(OaiSession.DefaultTimeoutSec, session.TimeoutSec);
        Assert.Equal(OaiSession.DefaultMaxRetries, session.MaxRetries);
    }

    [Theory]
    [InlineData("https://api.openai.com/v1", OaiProtocol.Responses)]
    [InlineData("https://myres.openai.azure.com/openai/v1", OaiProtocol.Responses)]
    [InlineData("http://127.0.0.1:9/v1", OaiProtocol.Assistants)]
    [InlineData("https://llm.example.com/v1", OaiProtocol.Assistants)]
    public void Without_a_protocol_it_follows_the_host(string baseUri, OaiProtocol expected)
    {
        using var _ = new EnvScope();

        Assert.Equal(expected, T.Create(new() { ApiKey = T.SecureKey, BaseUri = new Uri(baseUri) }).Protocol);
    }

    [Fact]
    public void OPENAI_PROTOCOL_chooses_the_protocol_and_a_bad_value_is_refused()
    {
        using (new EnvScope(("OPENAI_PROTOCOL", "assistants")))
        {
            Assert.Equal(OaiProtocol.Assistants,
                T.Create(new() { ApiKey = T.SecureKey, BaseUri = new Uri("https://api.openai.com/v1") }).Protocol);
        }
        using (new EnvScope(("OPENAI_PROTOCOL", "chat")))
        {
            var ex = Assert.Throws<OaiArgumentException>(() =>
                T.Create(new() { ApiKey = T.SecureKey, BaseUri = T.Base }));
            Assert.Contains("OPENAI_PROTOCOL", ex.Message);
        }
    }
}
