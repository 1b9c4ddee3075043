// Models (GET /models, GET /models/{model}): ListModelsResponse {object: "list", data: [Model]} and Model
// {id, object: "model", created, owned_by}, from the reference. The list is fixed; an unknown id is a 404.
using System.Text.Json.Nodes;

namespace PSAssistants.Emulator;

static class ModelsApi
{
    /// <summary>The models this emulator serves, with their created time (unix s) and owner.</summary>
    static readonly (string Id, long Created, string Owner)[] Known =
    [
        ("gpt-4", 1687882411, "openai"),
        ("gpt-4o", 1715367049, "system"),
        ("gpt-4o-mini", 1721172741, "system"),
        ("gpt-4.1", 1744316542, "system"),
        ("gpt-5", 1754425777, "system"),
        ("gpt-5-mini", 1754425928, "system"),
        ("gpt-5-nano", 1754426384, "system"),
        ("o3-mini", 1737146383, "system"),
    ];

    static JsonObject Render((string Id, long Created, string Owner) m) => new()
    {
        ["id"] = m.Id,
        ["object"] = "model",
        ["created"] = m.Created,
        ["owned_by"] = m.Owner,
    };

    public static Result? Route(Req r)
    {
        var s = r.Segs;
        if (s[0] != "models" || !r.Is("GET")) return null;
        if (s.Length == 1)
            return new JsonResult(200, new JsonObject { ["object"] = "list", ["data"] = Json.Array(Known.Select(m => (JsonNode)Render(m))) });
        // Fine-tuned ids hold colons, never slashes: one segment is the whole id.
        if (s.Length != 2) return null;
        var id = Uri.UnescapeDataString(s[1]);
        foreach (var m in Known)
            if (m.Id == id) return new JsonResult(200, Render(m));
        throw new ApiException(404, $"The model '{id}' does not exist or you do not have access to it.", "model", "model_not_found");
    }
}
