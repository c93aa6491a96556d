using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>One operator never sees another venue's gates, logs or policies: every such request answers 404, never 403.</summary>
public abstract class TenancyTests(StoreMode mode) : AppTest(mode)
{
    [Fact]
    public async Task EveryVenueEndpointAnswersNotFoundForAnotherOperatorsVenue()
    {
        var admin = await App.StaffAsync("admin");
        var clinicId = await App.VenueIdAsync("瑞金医院");
        var clinicGate = App.Demo.Gates.First(g => g.Venue.StartsWith("瑞金医院", StringComparison.Ordinal)).GateId;
        var citizenId = await App.CitizenIdAsync(Phones.ZhangGreen);
        var library = await App.StaffAsync("library");
        var policy = new { allowedColours = new[] { "green" } };
        var estateId = await App.VenueIdAsync("阳光小区");

        var requests = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, $"/v1/venues/{clinicId}", null),
            (HttpMethod.Put, $"/v1/venues/{clinicId}", new { name = "x", kind = "clinic" }),
            (HttpMethod.Delete, $"/v1/venues/{clinicId}", null),
            (HttpMethod.Get, $"/v1/venues/{clinicId}/policy", null),
            (HttpMethod.Put, $"/v1/venues/{clinicId}/policy", policy),
            (HttpMethod.Get, $"/v1/venues/{clinicId}/occupancy", null),
            (HttpMethod.Get, $"/v1/venues/{clinicId}/gates", null),
            (HttpMethod.Post, $"/v1/venues/{clinicId}/gates", new { name = "Side door" }),
            (HttpMethod.Get, $"/v1/venues/{clinicId}/scans", null),
            (HttpMethod.Get, $"/v1/venues/{clinicId}/scans.csv", null),
            (HttpMethod.Get, $"/v1/venues/{clinicId}/bookings", null),
            (HttpMethod.Put, $"/v1/venues/{clinicId}/bookings/{citizenId}", null),
            (HttpMethod.Delete, $"/v1/venues/{clinicId}/bookings/{citizenId}", null),
            (HttpMethod.Get, $"/v1/gates/{clinicGate}", null),
            (HttpMethod.Put, $"/v1/gates/{clinicGate}", new { name = "Renamed" }),
            (HttpMethod.Delete, $"/v1/gates/{clinicGate}", null),
            (HttpMethod.Post, $"/v1/gates/{clinicGate}/credentials", null),
            (HttpMethod.Delete, $"/v1/gates/{clinicGate}/credentials", null),
            (HttpMethod.Post, $"/v1/venues/{estateId}/residents", new { residents = new[] { new { unit = "1-1-101", citizenId } } }),
            (HttpMethod.Get, $"/v1/venues/{estateId}/residents", null),
            (HttpMethod.Get, $"/v1/venues/{estateId}/visits", null),
        };
        foreach (var (method, url, body) in requests)
        {
            var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await library.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {url} answered {response.StatusCode}");
            Assert.Equal("not_found", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }

        // Nothing changed: the clinic still has its two gates, their credentials and its name.
        var gates = await admin.GetFromJsonAsync<JsonElement>($"/v1/venues/{clinicId}/gates");
        Assert.Equal(2, gates.GetArrayLength());
        Assert.All(gates.EnumerateArray(), g => Assert.True(g.GetProperty("credential").GetProperty("active").GetBoolean()));
        Assert.StartsWith("瑞金医院", (await admin.GetFromJsonAsync<JsonElement>($"/v1/venues/{clinicId}")).GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonElement>($"/v1/venues/{estateId}/residents")).GetArrayLength());
    }

    [Fact]
    public async Task AnOperatorListsOnlyItsOwnVenues()
    {
        var venues = await (await App.StaffAsync("library")).GetFromJsonAsync<JsonElement>("/v1/venues");
        Assert.Equal(["上海图书馆 Shanghai Library"], venues.EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        var all = await (await App.StaffAsync("admin")).GetFromJsonAsync<JsonElement>("/v1/venues");
        Assert.Equal(4, all.GetArrayLength());
    }

    [Fact]
    public async Task AnOperatorManagesItsOwnVenue()
    {
        var library = await App.StaffAsync("library");
        var venueId = await App.VenueIdAsync("上海图书馆");
        var created = await library.PostAsJsonAsync($"/v1/venues/{venueId}/gates", new { name = "East entrance" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var policy = await library.PutAsJsonAsync($"/v1/venues/{venueId}/policy", new { allowedColours = new[] { "green", "yellow" }, capacity = 10 });
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        Assert.Equal(10, (await policy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("capacity").GetInt32());
    }

    [Fact]
    public async Task AGateCredentialCannotScanForAnotherGate()
    {
        var mine = App.Demo.Gates.First(g => g.Venue.StartsWith("上海图书馆", StringComparison.Ordinal));
        var other = App.Demo.Gates.First(g => g.Venue.StartsWith("瑞金医院", StringComparison.Ordinal));
        // The credential names its gate: swapping in another gate's id with my secret must fail.
        var forged = $"cpg_{other.GateId:N}_{mine.Credential[^43..]}";
        var citizen = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var (status, body) = await App.GateWithCredential(forged).ScanAsync(await citizen.PassTextAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("gate_credential_invalid", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task StaffRolesAreEnforced()
    {
        var library = await App.StaffAsync("library");
        Assert.Equal(HttpStatusCode.Forbidden, (await library.PostAsJsonAsync("/v1/venues", new { name = "Mine", kind = "library" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await library.GetAsync("/v1/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await library.GetAsync("/v1/operators")).StatusCode);
        var citizenId = await App.CitizenIdAsync(Phones.ZhangGreen);
        Assert.Equal(HttpStatusCode.Forbidden, (await library.PutAsJsonAsync($"/v1/citizens/{citizenId}/status", new { colour = "red", reason = "x", caseRef = "y" })).StatusCode);
        var citizen = await App.SignInCitizenAsync(Phones.ZhangGreen);
        Assert.Equal(HttpStatusCode.Forbidden, (await citizen.Http.GetAsync("/v1/venues")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await library.GetAsync("/v1/me/pass")).StatusCode);
    }
}

public sealed class EmbeddedTenancyTests() : TenancyTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresTenancyTests() : TenancyTests(StoreMode.RedisAndPostgres);
