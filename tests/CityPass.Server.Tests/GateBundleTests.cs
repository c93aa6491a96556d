using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Core.Federation;
using CityPass.Core.Gates;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>A gate's offline bundle through the API: signed for the calling gate, with its venue's policy and the city's trust.</summary>
public abstract class GateBundleTests(StoreMode mode) : AppTest(mode)
{
    private static readonly DateTimeOffset V1WindowEnd = DateTimeOffset.UtcNow.AddDays(40);

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Passes:AcceptV1Until"] = V1WindowEnd.ToString("O") };

    private async Task<(VerificationKey Key, IssuerId Issuer)> CityKeyAsync()
    {
        var key = await App.CreateClient().GetFromJsonAsync<JsonElement>("/.well-known/citypass/federation-key.json");
        return (FederationKey.ImportPublic(key.GetProperty("suite").GetString(), key.GetProperty("publicKey").GetString()),
            IssuerId.TryParse(key.GetProperty("issuer").GetString(), out var issuer) ? issuer : default);
    }

    [Fact]
    public async Task AGateGetsABundleSignedForItWithItsVenuesPolicyAndTheCitysKeys()
    {
        var (cityKey, issuer) = await CityKeyAsync();
        var gate = App.Gate("瑞金医院");
        var response = await gate.Http.GetAsync("/v1/gates/me/bundle");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jose+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.NotNull(response.Headers.Date); // the gate compares its clock with it

        var failure = GateBundle.TryVerify(await response.Content.ReadAsStringAsync(), cityKey, issuer, gate.GateId, out var bundle);

        Assert.Equal(GateBundleFailure.None, failure);
        Assert.Equal(await App.VenueIdAsync("瑞金医院"), bundle!.VenueId);
        var policy = await (await App.StaffAsync("admin")).GetFromJsonAsync<JsonElement>($"/v1/venues/{bundle.VenueId}/policy");
        Assert.Equal(policy.GetProperty("requiredCredentials").EnumerateArray().Select(c => c.GetString()).ToArray(),
            bundle.Policy.RequiredCredentials.ToWireNames().ToArray());
        Assert.True(bundle.IsUsableAt(App.Clock.GetUtcNow()));
        Assert.False(bundle.IsUsableAt(App.Clock.GetUtcNow().AddHours(25)));
        Assert.Equal(V1WindowEnd, bundle.AcceptV1Until); // offline gates close the v1 window when the server does
        // This city's own passes verify offline by the bundle's keys.
        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        Assert.True(new PassVerifier(bundle.Trust(), App.Clock).Verify(text).IsValid);
        // Another gate's bundle is not this one's.
        Assert.Equal(GateBundleFailure.NotForThisGate, GateBundle.TryVerify(await response.Content.ReadAsStringAsync(), cityKey, issuer, App.Gate("上海图书馆").GateId, out _));
    }

    [Fact]
    public async Task TheVenuesOfflineSettingIsSetThroughThePolicyAndCarriedInTheBundle()
    {
        var (cityKey, issuer) = await CityKeyAsync();
        var admin = await App.StaffAsync("admin");
        var theatre = await App.VenueIdAsync("上海大剧院");
        Assert.Equal("deny", (await admin.GetFromJsonAsync<JsonElement>($"/v1/venues/{theatre}/policy")).GetProperty("offlineUndecidable").GetString());

        var bad = await admin.PutAsJsonAsync($"/v1/venues/{theatre}/policy", new { requiresBooking = true, offlineUndecidable = "maybe" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("offlineUndecidable", out _));
        (await admin.PutAsJsonAsync($"/v1/venues/{theatre}/policy", new { requiresBooking = true, offlineUndecidable = "allow_and_flag" })).EnsureSuccessStatusCode();
        Assert.Equal("allow_and_flag", (await admin.GetFromJsonAsync<JsonElement>($"/v1/venues/{theatre}/policy")).GetProperty("offlineUndecidable").GetString());

        var gate = App.Gate("上海大剧院");
        Assert.Equal(GateBundleFailure.None, GateBundle.TryVerify(await gate.Http.GetStringAsync("/v1/gates/me/bundle"), cityKey, issuer, gate.GateId, out var bundle));
        Assert.Equal((true, CityPass.Core.Venues.OfflineUndecidable.AllowAndFlag), (bundle!.Policy.RequiresBooking, bundle.Policy.OfflineUndecidable));
    }

    [Fact]
    public async Task ATrustedCityIsInTheBundleUntilItsTrustEnds()
    {
        var guangzhou = IssuerKeySet.Generate(new IssuerId(440100), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
        var federation = FederationKey.Generate(SignatureSuite.Es256);
        var admin = await App.StaffAsync("admin");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/v1/federation/cities", new
        {
            issuer = "440100", name = "广州", federationPublicKey = Convert.ToBase64String(federation.PublicKey.ExportSubjectPublicKeyInfo()),
        })).StatusCode);
        // Whole seconds, as servers sign them (PostgreSQL keeps microseconds, not .NET's ticks).
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(App.Clock.GetUtcNow().ToUnixTimeSeconds());
        var expires = issuedAt.AddHours(2);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/v1/federation/cities/440100/document",
            new StringContent(SignedKeySet.Sign(guangzhou.PublicKeys, issuedAt, expires, federation.Key), System.Text.Encoding.UTF8, "application/jose+json"))).StatusCode);

        var (cityKey, issuer) = await CityKeyAsync();
        var gate = App.Gate("上海图书馆");
        GateBundle.TryVerify(await gate.Http.GetStringAsync("/v1/gates/me/bundle"), cityKey, issuer, gate.GateId, out var bundle);

        var trusted = Assert.Single(bundle!.KeySets, k => k.Issuer == new IssuerId(440100));
        Assert.Equal(expires + TimeSpan.FromHours(24), trusted.TrustedUntil); // the document's expiry and the grace
        var pass = new PassIssuer(guangzhou, App.Clock).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.HealthRecord));
        Assert.True(new PassVerifier(bundle.Trust(), App.Clock).Verify(pass.Text).IsValid);
    }

    [Fact]
    public async Task OnlyAGateGetsABundle()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().GetAsync("/v1/gates/me/bundle")).StatusCode);
        // The route authenticates gate credentials only: a staff token is no credential there.
        Assert.Equal(HttpStatusCode.Unauthorized, (await (await App.StaffAsync("admin")).GetAsync("/v1/gates/me/bundle")).StatusCode);
    }
}

public sealed class EmbeddedGateBundleTests() : GateBundleTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresGateBundleTests() : GateBundleTests(StoreMode.RedisAndPostgres);
