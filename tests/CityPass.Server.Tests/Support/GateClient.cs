using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CityPass.Server.Tests.Support;

/// <summary>A turnstile: scans text with its device credential.</summary>
public sealed class GateClient
{
    private readonly HttpClient _http;

    private GateClient(HttpClient http, Guid gateId)
    {
        _http = http;
        GateId = gateId;
    }

    public Guid GateId { get; }

    /// <summary>The gate's own HTTP client, its credential set, for the gate's other routes.</summary>
    public HttpClient Http => _http;

    public static GateClient For(HttpClient http, string credential, Guid gateId)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Gate", credential);
        return new GateClient(http, gateId);
    }

    /// <param name="scannedAt">When the gate says it scanned (by its own clock); left out of the request when null.</param>
    public async Task<(HttpStatusCode Status, JsonElement Body)> ScanAsync(string text, string direction = "in", Guid? scanId = null, DateTimeOffset? scannedAt = null)
    {
        object request = scannedAt is { } at
            ? new { text, scanId = scanId ?? Guid.NewGuid(), direction, scannedAt = at }
            : new { text, scanId = scanId ?? Guid.NewGuid(), direction };
        var response = await _http.PostAsJsonAsync("/v1/scans", request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>Scans and expects a decision (200): returns (decision, code).</summary>
    public async Task<(string Decision, string Code, JsonElement Body)> DecideAsync(string text, string direction = "in", Guid? scanId = null,
        DateTimeOffset? scannedAt = null)
    {
        var (status, body) = await ScanAsync(text, direction, scanId, scannedAt);
        Assert.True(status == HttpStatusCode.OK, $"scan answered {status}: {body}");
        return (body.GetProperty("decision").GetString()!, body.GetProperty("code").GetString()!, body);
    }
}
