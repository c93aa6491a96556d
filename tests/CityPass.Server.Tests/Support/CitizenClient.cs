using System.Net.Http.Json;
using System.Text.Json;

namespace CityPass.Server.Tests.Support;

/// <summary>A signed-in citizen's phone.</summary>
public sealed class CitizenClient(HttpClient http)
{
    public HttpClient Http => http;

    public async Task<JsonElement> PassAsync()
    {
        var response = await http.GetAsync("/v1/me/pass");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<string> PassTextAsync() => (await PassAsync()).GetProperty("text").GetString()!;

    public async Task<JsonElement> ScansAsync() => await http.GetFromJsonAsync<JsonElement>("/v1/me/scans");
}
