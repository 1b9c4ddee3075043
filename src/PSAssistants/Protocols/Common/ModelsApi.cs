using System.Globalization;
using System.Text.Json.Serialization;
using PSAssistants.Client;

namespace PSAssistants.Protocols.Common;

/// <summary>GET /models and GET /models/{model}: the same on both protocols, and without the OpenAI-Beta header.</summary>
internal sealed class ModelsApi
{
    private readonly OaiClient _client;

    public ModelsApi(OaiSession session) : this(session, session.Http)
    {
    }

    internal ModelsApi(OaiSession session, System.Net.Http.HttpMessageInvoker http) => _client = new OaiClient(session, http);

    internal OaiClient Client => _client;

    /// <summary>Every model of the account, sorted by id (the list is not paged).</summary>
    public async Task<IReadOnlyList<OaiModel>> ListAsync(CancellationToken ct)
    {
        var list = await _client.GetAsync("/models", ModelsJson.Default.ModelListWire, ct).ConfigureAwait(false);
        return (list.Data ?? new List<ModelWire>()).Select(Map).OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>One model; ids of fine-tuned models hold colons, which the path escapes.</summary>
    public async Task<OaiModel> GetAsync(string id, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Contains('/', StringComparison.Ordinal))
            throw new PSAssistants.Client.OaiArgumentException($"'{id}' is not a model id.");
        return Map(await _client.GetAsync("/models/" + Uri.EscapeDataString(id), ModelsJson.Default.ModelWire, ct).ConfigureAwait(false));
    }

    internal static OaiModel Map(ModelWire m) => new()
    {
        Id = m.Id,
        Created = DateTimeOffset.FromUnixTimeSeconds(m.Created),
        OwnedBy = m.OwnedBy ?? "",
        ShutdownDate = m.ShutdownDate is { Length: > 0 } d && DateTimeOffset.TryParse(d, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var when) ? when : null,
    };
}

/// <summary>Model: {id, object: "model", created, owned_by, shutdown_date?}.</summary>
internal sealed class ModelWire
{
    public string Id { get; set; } = "";
    public long Created { get; set; }
    public string? OwnedBy { get; set; }
    public string? ShutdownDate { get; set; }
}

/// <summary>ListModelsResponse: {object: "list", data}.</summary>
internal sealed class ModelListWire
{
    public List<ModelWire>? Data { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ModelWire))]
[JsonSerializable(typeof(ModelListWire))]
internal sealed partial class ModelsJson : JsonSerializerContext
{
}
