using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityPass.Core.Citizens;
using CityPass.Core.Federation;
using CityPass.Core.Gates;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Gate;
using CityPass.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CityPass.Server.Tests;

/// <summary>
/// Two cities as two server processes on loopback: B (Shanghai, the demo city) trusts A (Guangzhou, 440100) through
/// A's published, signed document, fetched by URL every second. A's pass keys are written by the test, so it can
/// issue A's passes itself and rotate and revoke A's keys by restarting A. B's gate decides online (POST /v1/scans)
/// and offline, as the gate SDK does, by the bundle B signs for it.
/// </summary>
public sealed class TwoCityTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("citypass-two-cities-").FullName;
    private IssuerKeySet _aKeys = IssuerKeySet.Generate(new IssuerId(440100), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
    private ServerProcess _a = null!;
    private ServerProcess _b = null!;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_data, "a-keys.json"), _aKeys.ToPrivateJson());
        _a = await StartCityAAsync();
        _b = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Keys:KeyFile"] = Path.Combine(_data, "b-keys.json"),
            ["Keys:ServerSecretFile"] = Path.Combine(_data, "b-secret.key"),
            ["Federation:KeyFile"] = Path.Combine(_data, "b-federation.json"),
            ["Federation:RefreshInterval"] = "00:00:01",
            ["Federation:Grace"] = "00:00:00",
        });
    }

    // A publishes documents that live 20 seconds, signed again every second: B's copy is never more than a second old.
    // A restart comes back on the same port: B fetches from the URL it was given.
    private Task<ServerProcess> StartCityAAsync(int? port = null) => ServerProcess.StartAsync(new Dictionary<string, string>
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        ["Keys:IssuerCode"] = "440100",
        ["Keys:KeyFile"] = Path.Combine(_data, "a-keys.json"),
        ["Keys:ServerSecretFile"] = Path.Combine(_data, "a-secret.key"),
        ["Federation:KeyFile"] = Path.Combine(_data, "a-federation.json"),
        ["Federation:DocumentLifetime"] = "00:00:20",
        ["Federation:ResignAfter"] = "00:00:01",
        ["Demo:Seed"] = "false",
    }, port);

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private static string APass(IssuerKeySet keys) =>
        new PassIssuer(keys, TimeProvider.System).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.HealthRecord)).Text;

    [Fact]
    public async Task BAcceptsAsPassesWhileItsSignedDocumentIsFreshAndRefusesThemOnceARevocationOrTheExpiryArrives()
    {
        using var admin = await AdminOfBAsync();
        var (gate, gateId) = await GateOfBAsync(admin);
        using var _ = gate;
        using var bAnyone = new HttpClient { BaseAddress = _b.BaseAddress };
        var bKey = await bAnyone.GetFromJsonAsync<JsonElement>("/.well-known/citypass/federation-key.json");
        var bFederationKey = FederationKey.ImportPublic(bKey.GetProperty("suite").GetString(), bKey.GetProperty("publicKey").GetString());
        // B's gate offline: by the bundle it would fetch now, with no server to ask.
        async Task<string> OfflineAsync(string pass)
        {
            var text = await gate.GetStringAsync(new Uri("/v1/gates/me/bundle", UriKind.Relative));
            Assert.Equal(GateBundleFailure.None, GateBundle.TryVerify(text, bFederationKey, new IssuerId(310000), gateId, out var bundle));
            return new OfflineDecider(bundle!, TimeProvider.System).Decide(pass, ScanDirection.In, TimeSpan.Zero, TimeSpan.FromSeconds(30), _ => false).Code;
        }
        var aDocumentUrl = new Uri(_a.BaseAddress, "/.well-known/citypass/keyset.jws").ToString();
        using var aClient = new HttpClient { BaseAddress = _a.BaseAddress };
        var aKey = await aClient.GetFromJsonAsync<JsonElement>("/.well-known/citypass/federation-key.json");
        var city = new Dictionary<string, string?>
        {
            ["issuer"] = "440100", ["name"] = "广州", ["federationSuite"] = aKey.GetProperty("suite").GetString(),
            ["federationPublicKey"] = aKey.GetProperty("publicKey").GetString(), ["documentUrl"] = aDocumentUrl,
        };

        // B trusts A: the document is fetched at once.
        var added = await admin.PostAsJsonAsync("/v1/federation/cities", city);
        var view = await added.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(added.StatusCode == HttpStatusCode.Created, view.ToString());
        Assert.Equal("fresh", view.GetProperty("state").GetString());
        Assert.Equal(aKey.GetProperty("fingerprint").GetString(), view.GetProperty("federationKeyFingerprint").GetString());
        Assert.Equal("allowed", await ScanAsync(gate, APass(_aKeys)));
        Assert.Equal("allowed", await OfflineAsync(APass(_aKeys)));

        // A document tampered on the way (served by another host): refused, and the last good one still counts.
        var genuine = JsonNode.Parse(await aClient.GetStringAsync(new Uri(aDocumentUrl)))!.AsObject();
        var payload = genuine["payload"]!.GetValue<string>();
        genuine["payload"] = payload[..30] + (payload[30] == 'A' ? 'B' : 'A') + payload[31..];
        await using var tamperer = await ServeAsync(genuine.ToJsonString());
        var tampered = await (await admin.PutAsJsonAsync("/v1/federation/cities/440100", new Dictionary<string, string?>(city) { ["documentUrl"] = tamperer.Url })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("failing", "document_signature_invalid"), (tampered.GetProperty("state").GetString(), tampered.GetProperty("lastError").GetString()));
        Assert.Equal("allowed", await ScanAsync(gate, APass(_aKeys)));
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/v1/federation/cities/440100", city)).StatusCode);

        // A rotates and revokes its first key (a restart with the new key file); B's next refresh refuses that key's passes.
        await _a.KillAsync();
        var rotated = _aKeys.Rotate(SignatureSuite.Es256, DateTimeOffset.UtcNow.AddMinutes(-1)).RevokeSigningKey(1);
        File.WriteAllText(Path.Combine(_data, "a-keys.json"), rotated.ToPrivateJson());
        await _a.DisposeAsync();
        _a = await StartCityAAsync(_a.Port);
        await Eventually.TrueAsync(async () => await ScanAsync(gate, APass(_aKeys)) == "422 key_revoked", TimeSpan.FromSeconds(20), "B refuses A's revoked key");
        Assert.Equal("allowed", await ScanAsync(gate, APass(rotated)));
        Assert.Equal(("key_revoked", "allowed"), (await OfflineAsync(APass(_aKeys)), await OfflineAsync(APass(rotated))));

        // A goes quiet: B keeps the last document until it expires (20 s, no grace here), then refuses A's passes as such.
        await _a.KillAsync();
        await Eventually.TrueAsync(async () => await ScanAsync(gate, APass(rotated)) == "422 issuer_trust_expired", TimeSpan.FromSeconds(45), "B refuses A's passes once A's document expired");
        Assert.Equal("issuer_trust_expired", await OfflineAsync(APass(rotated)));
        var state = await admin.GetFromJsonAsync<JsonElement>("/v1/federation/cities/440100");
        Assert.Equal(("expired", "document_unreachable"), (state.GetProperty("state").GetString(), state.GetProperty("lastError").GetString()));
        using var anyone = new HttpClient { BaseAddress = _b.BaseAddress };
        var health = await anyone.GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("Degraded", health.GetProperty("checks").GetProperty("federation").GetProperty("status").GetString());
    }

    private static async Task<string> ScanAsync(HttpClient gate, string text)
    {
        var response = await gate.PostAsJsonAsync("/v1/scans", new { text, scanId = Guid.NewGuid(), direction = "in" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var code = body.GetProperty("code").GetString();
        return response.StatusCode == HttpStatusCode.OK ? code! : $"{(int)response.StatusCode} {code}";
    }

    private async Task<HttpClient> AdminOfBAsync()
    {
        var http = new HttpClient { BaseAddress = _b.BaseAddress };
        var token = await (await http.PostAsJsonAsync("/v1/auth/token", new { username = "admin", password = "demo-admin-2026" })).Content.ReadFromJsonAsync<JsonElement>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return http;
    }

    /// <summary>
    /// A gate of B's housing estate (open at all hours, no capacity: what a gate decides offline), with a credential
    /// issued for this test.
    /// </summary>
    private async Task<(HttpClient Gate, Guid GateId)> GateOfBAsync(HttpClient admin)
    {
        var venues = await admin.GetFromJsonAsync<JsonElement>("/v1/venues");
        var estate = venues.EnumerateArray().First(v => v.GetProperty("name").GetString()!.StartsWith("阳光小区", StringComparison.Ordinal)).GetProperty("id").GetGuid();
        // The demo estate admits its residents and approved visitors only (a booking); this test's passes are anyone's.
        var policy = (await admin.GetFromJsonAsync<JsonObject>($"/v1/venues/{estate}/policy"))!;
        policy["requiresBooking"] = false;
        (await admin.PutAsJsonAsync($"/v1/venues/{estate}/policy", policy)).EnsureSuccessStatusCode();
        var gates = await admin.GetFromJsonAsync<JsonElement>($"/v1/venues/{estate}/gates");
        var gateId = gates.EnumerateArray().First().GetProperty("id").GetGuid();
        var issued = await (await admin.PostAsync($"/v1/gates/{gateId}/credentials", null)).Content.ReadFromJsonAsync<JsonElement>();
        var gate = new HttpClient { BaseAddress = _b.BaseAddress };
        gate.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Gate", issued.GetProperty("credential").GetString());
        return (gate, gateId);
    }

    /// <summary>Another host on loopback serving one fixed document.</summary>
    private static async Task<StaticDocument> ServeAsync(string document)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/keyset.jws", () => Results.Text(document, "application/jose+json"));
        await app.StartAsync();
        return new StaticDocument(app, app.Urls.Single().TrimEnd('/') + "/keyset.jws");
    }

    private sealed record StaticDocument(WebApplication App, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
