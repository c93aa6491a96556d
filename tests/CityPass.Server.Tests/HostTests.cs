using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;
using Microsoft.AspNetCore.Routing;

namespace CityPass.Server.Tests;

public sealed class HostTests : AppTest
{
    public HostTests() : base(StoreMode.Embedded) { }

    [Fact]
    public async Task TheOpenApiDocumentDescribesEveryApiRoute()
    {
        var doc = await App.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var documented = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        var mapped = App.Get<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/v1/", StringComparison.Ordinal) || raw.StartsWith("/.well-known", StringComparison.Ordinal)))
            .Where(e => !e.RoutePattern.RawText!.StartsWith("/v1/dev/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalise(e.RoutePattern.RawText!)}"))
            .ToHashSet();
        Assert.True(mapped.Count > 40, $"only {mapped.Count} routes found");
        Assert.Empty(mapped.Except(documented));
    }

    [Fact]
    public async Task TheOpenApiDocumentRequiresOfAScanOnlyTheTextAndTheScanId()
    {
        var doc = await App.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var request = doc.GetProperty("components").GetProperty("schemas").GetProperty("ScanRequest");

        // The server defaults the direction to "in" and scannedAt to its own time (docs/api.md): neither is required.
        Assert.Equal(["scanId", "text"], request.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order());
        Assert.True(request.GetProperty("properties").TryGetProperty("scannedAt", out _));
        Assert.True(request.GetProperty("properties").TryGetProperty("direction", out _));
    }

    // "/v1/venues/{id:guid}/" -> "/v1/venues/{id}" as OpenAPI writes it.
    private static string Normalise(string route) =>
        System.Text.RegularExpressions.Regex.Replace(route, @"\{(\w+):[^}]+\}", "{$1}").TrimEnd('/') is { Length: > 0 } r ? r : "/";

    [Fact]
    public async Task NoPassGateSecretSignInTokenOrCodeReachesTheLogs()
    {
        var citizen = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var code = App.Sms.CodeSentTo(Phones.ZhangGreen);
        var text = await citizen.PassTextAsync();
        var gate = App.Demo.Gates[0];
        await App.Gate("上海图书馆").ScanAsync(text);
        await App.Gate("上海图书馆").ScanAsync(text[..100]);
        var bearer = citizen.Http.DefaultRequestHeaders.Authorization!.Parameter!;
        await App.GateWithCredential(gate.Credential[..^2] + "xx").ScanAsync(text);

        var lines = App.Logs.Lines;
        Assert.NotEmpty(lines);
        foreach (var (_, line) in lines)
        {
            Assert.DoesNotContain(text[4..40], line, StringComparison.Ordinal);
            Assert.DoesNotContain(gate.Credential[^43..^2], line, StringComparison.Ordinal);
            Assert.DoesNotContain(bearer[^30..], line, StringComparison.Ordinal);
            Assert.DoesNotContain(Phones.ZhangGreen, line, StringComparison.Ordinal);
            Assert.DoesNotContain(code, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HealthEndpointsAnswer()
    {
        var http = App.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        var ready = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/health/ready");
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.Equal(("up", "up", "fresh"), (ready.GetProperty("checks").GetProperty("stores").GetProperty("data").GetProperty("hotState").GetString(),
            ready.GetProperty("checks").GetProperty("stores").GetProperty("data").GetProperty("records").GetString(),
            ready.GetProperty("checks").GetProperty("stores").GetProperty("data").GetProperty("gateDirectory").GetString()));
        Assert.Equal("pong", await http.GetStringAsync("/v1/ping"));
    }

    [Fact]
    public async Task TheApiDocsPageIsServed()
    {
        var html = await App.CreateClient().GetStringAsync("/docs/api/index.html");
        Assert.Contains("swagger", html, StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class RateLimitTests : AppTest
{
    public RateLimitTests() : base(StoreMode.Embedded) { }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RateLimits:PerGatePerSecond"] = "2",
        ["RateLimits:PerCitizenPerSecond"] = "2",
    };

    [Fact]
    public async Task EachCitizenHasItsOwnBudget()
    {
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var li = await App.SignInCitizenAsync(Phones.LiYellow);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++) statuses.Add((await zhang.Http.GetAsync("/v1/me/pass")).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.OK, (await li.Http.GetAsync("/v1/me/pass")).StatusCode);
    }

    [Fact]
    public async Task AGateOverItsRateGets429WithRetryAfter()
    {
        var gate = App.Gate("上海图书馆");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++) statuses.Add((await gate.ScanAsync("hello")).Status);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var http = App.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Gate", App.Demo.Gates[0].Credential);
        var response = await http.PostAsJsonAsync("/v1/scans", new { text = "x", scanId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter is not null);
        Assert.Equal("rate_limited", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        // Another gate has its own budget.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await App.Gate("瑞金医院").ScanAsync("hello")).Status);
    }
}
