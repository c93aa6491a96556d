using System.Text.Json;

namespace CityPass.Server;

/// <summary>The JSON settings of the API and of stored documents: camelCase, web defaults.</summary>
public static class ServerJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
