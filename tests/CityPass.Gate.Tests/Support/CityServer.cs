using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Testing;

namespace CityPass.Gate.Tests.Support;

/// <summary>
/// The city's server as a process on loopback, on real Redis and PostgreSQL, with its pass keys and federation key set
/// by the test: the test mints the city's passes itself, and the server can be killed and started again on the same
/// port and stores, as a gate sees an outage.
/// </summary>
public sealed class CityServer : IAsyncDisposable
{
    public static readonly IssuerId City = new(310000);

    private readonly Dictionary<string, string> _settings;
    private RedisServer _redis = null!;

    private CityServer(IssuerKeySet keys, Dictionary<string, string> settings)
    {
        Keys = keys;
        _settings = settings;
    }

    public IssuerKeySet Keys { get; private set; }

    public ServerProcess Process { get; private set; } = null!;

    public Uri BaseAddress => Process.BaseAddress;

    public static async Task<CityServer> StartAsync()
    {
        var keys = IssuerKeySet.Generate(City, SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
        var redis = await RedisServer.StartAsync("--appendonly", "yes");
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Redis"] = redis.ConnectionString,
            ["ConnectionStrings:Postgres"] = await (await PostgresServer.Shared).CreateDatabaseAsync("gate"),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Keys:KeySetJson"] = keys.ToPrivateJson(),
            ["Keys:ServerSecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Federation:KeyJson"] = FederationKey.Generate(SignatureSuite.Es256).ToPrivateJson(),
            ["Orleans:ClusterId"] = "gate-" + Guid.NewGuid().ToString("N"),
            ["RateLimits:PerGatePerSecond"] = "10000",
            ["RateLimits:SignInsPerMinute"] = "10000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Demo:Seed"] = "true",
        };
        var city = new CityServer(keys, settings) { _redis = redis };
        city.Process = await ServerProcess.StartAsync(settings);
        // Ready answers before the demo data is seeded: wait for the demo staff.
        await Eventually.TrueAsync(async () =>
        {
            using var http = new HttpClient { BaseAddress = city.BaseAddress };
            return (await http.PostAsJsonAsync("/v1/auth/token", new { username = "admin", password = "demo-admin-2026" })).IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(60), "the demo staff are seeded");
        return city;
    }

    /// <summary>SIGKILL, as a crash or a cut cable looks to the gate.</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>Back on the same port and stores; with new pass keys when given (a rotation or a revocation).</summary>
    public async Task RestartAsync(IssuerKeySet? keys = null)
    {
        await Process.DisposeAsync();
        if (keys is not null)
        {
            Keys = keys;
            _settings["Keys:KeySetJson"] = keys.ToPrivateJson();
        }
        _settings["Demo:Seed"] = "false";
        // A cluster of its own: the killed silo is still a member of the old one, and a lone new silo would wait for it
        // to be voted dead. Grain state is in PostgreSQL, which stays.
        _settings["Orleans:ClusterId"] = "gate-" + Guid.NewGuid().ToString("N");
        Process = await ServerProcess.StartAsync(_settings, Process.Port);
    }

    public async Task<HttpClient> StaffAsync(string username, string password)
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        var response = await http.PostAsJsonAsync("/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public Task<HttpClient> AdminAsync() => StaffAsync("admin", "demo-admin-2026");

    public Task<HttpClient> AuthorityAsync() => StaffAsync("authority", "demo-authority-2026");

    /// <summary>A venue of its own for the test with one gate, and that gate's enrolment link (a fresh credential).</summary>
    public async Task<(Guid VenueId, Guid GateId, string EnrolmentLink)> VenueWithGateAsync(object policy)
    {
        using var admin = await AdminAsync();
        var venue = await ReadAsync(await admin.PostAsJsonAsync("/v1/venues", new { name = "Gate test " + Guid.NewGuid().ToString("N")[..6], kind = "library", address = "1 Test Rd" }));
        var venueId = venue.GetProperty("id").GetGuid();
        (await admin.PutAsJsonAsync($"/v1/venues/{venueId}/policy", policy)).EnsureSuccessStatusCode();
        var gate = await ReadAsync(await admin.PostAsJsonAsync($"/v1/venues/{venueId}/gates", new { name = "Door 1" }));
        var gateId = gate.GetProperty("id").GetGuid();
        var issued = await ReadAsync(await admin.PostAsync($"/v1/gates/{gateId}/credentials", null));
        return (venueId, gateId, issued.GetProperty("enrolmentLink").GetString()!);
    }

    /// <summary>A live pass of a demo citizen, minted with the city's keys from what the authority sees of them.</summary>
    public async Task<string> PassOfAsync(string phone) => (await MinterAsync(phone))();

    /// <summary>Mints fresh passes of a demo citizen as they are now, also while the server is down.</summary>
    public async Task<Func<string>> MinterAsync(string phone)
    {
        using var authority = await AuthorityAsync();
        var citizen = await authority.GetFromJsonAsync<JsonElement>($"/v1/citizens?phone={Uri.EscapeDataString(phone)}");
        Assert.True(CitizenPseudonym.TryParse(citizen.GetProperty("id").GetString(), out var id));
        var status = citizen.GetProperty("status");
        Assert.True(StatusColourExtensions.TryParseWireName(status.GetProperty("colour").GetString(), out var colour));
        var credentials = Credentials.None;
        foreach (var name in citizen.GetProperty("credentials").EnumerateArray())
        {
            if (CredentialsExtensions.TryParseWireName(name.GetString(), out var c)) credentials |= c;
        }
        var state = new CitizenPassState(id, colour, status.GetProperty("version").GetUInt32(), credentials);
        return () => new PassIssuer(Keys, TimeProvider.System).Issue(state).Text;
    }

    public async Task SetColourAsync(string phone, string colour)
    {
        using var authority = await AuthorityAsync();
        var citizen = await authority.GetFromJsonAsync<JsonElement>($"/v1/citizens?phone={Uri.EscapeDataString(phone)}");
        // A yellow or red status stands under an open health case.
        var opened = await ReadAsync(await authority.PostAsJsonAsync("/v1/cases", new { type = "confirmed_infection", legalBasis = "Gate test" }));
        (await authority.PutAsJsonAsync($"/v1/citizens/{citizen.GetProperty("id").GetString()}/status",
            new { colour, reason = "Gate test", caseRef = opened.GetProperty("id").GetString() })).EnsureSuccessStatusCode();
    }

    /// <summary>Every record of the venue's scan log (all pages).</summary>
    public async Task<IReadOnlyList<JsonElement>> ScansAsync(Guid venueId)
    {
        using var admin = await AdminAsync();
        var all = new List<JsonElement>();
        string? before = null;
        do
        {
            var page = await admin.GetFromJsonAsync<JsonElement>($"/v1/venues/{venueId}/scans?limit=1000" + (before is null ? "" : "&before=" + Uri.EscapeDataString(before)));
            all.AddRange(page.GetProperty("items").EnumerateArray());
            before = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (before is not null);
        return all;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return body;
    }
}
