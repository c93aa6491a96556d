using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// Trusted cities through the API: this city's signed document, another city (Guangzhou, 440100, its keys made here)
/// added with its pinned federation key, its documents uploaded, accepted, refused, revoked and expired, and what
/// each does to its citizens' passes at this city's gate. URL refreshes between two server processes are in
/// <see cref="TwoCityTests"/>.
/// </summary>
public abstract class FederationTests(StoreMode mode) : AppTest(mode)
{
    private static readonly IssuerId Guangzhou = new(440100);
    private readonly IssuerKeySet _guangzhouKeys = IssuerKeySet.Generate(Guangzhou, SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-2));
    private readonly FederationKey _guangzhouFederation = FederationKey.Generate(SignatureSuite.Es256);

    private string Document(IssuerKeySet keys, DateTimeOffset issuedAt, TimeSpan? lifetime = null, FederationKey? key = null) =>
        SignedKeySet.Sign(keys.PublicKeys, issuedAt, issuedAt + (lifetime ?? TimeSpan.FromDays(1)), (key ?? _guangzhouFederation).Key);

    private string GuangzhouPass(IssuerKeySet? keys = null, StatusColour colour = StatusColour.Green) =>
        new PassIssuer(keys ?? _guangzhouKeys, App.Clock).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), colour, 1, Credentials.HealthRecord)).Text;

    private async Task<HttpClient> AdminWithGuangzhouAsync()
    {
        var admin = await App.StaffAsync("admin");
        var added = await admin.PostAsJsonAsync("/v1/federation/cities", new
        {
            issuer = "440100", name = "广州", federationSuite = "ES256",
            federationPublicKey = Convert.ToBase64String(_guangzhouFederation.PublicKey.ExportSubjectPublicKeyInfo()),
        });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        return admin;
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient admin, string document) =>
        admin.PutAsync("/v1/federation/cities/440100/document", new StringContent(document, Encoding.UTF8, "application/jose+json"));

    private async Task<string> ScanCodeAsync(string text)
    {
        var (status, body) = await App.Gate("上海图书馆").ScanAsync(text);
        return status == HttpStatusCode.OK ? body.GetProperty("code").GetString()! : $"{(int)status} {body.GetProperty("code").GetString()}";
    }

    [Fact]
    public async Task ThisCitysSignedDocumentVerifiesUnderItsPublishedFederationKeyAndCarriesItsKeys()
    {
        var client = App.CreateClient();
        var key = await client.GetFromJsonAsync<JsonElement>("/.well-known/citypass/federation-key.json");
        var response = await client.GetAsync("/.well-known/citypass/keyset.jws");
        Assert.Equal("application/jose+json", response.Content.Headers.ContentType!.MediaType);
        var pinned = FederationKey.ImportPublic(key.GetProperty("suite").GetString(), key.GetProperty("publicKey").GetString());
        Assert.Equal(FederationKey.FingerprintOf(pinned), key.GetProperty("fingerprint").GetString());
        var issuer = IssuerId.TryParse(key.GetProperty("issuer").GetString(), out var id) ? id : default;

        var failure = SignedKeySet.TryVerify(await response.Content.ReadAsStringAsync(), pinned, issuer, out var document);

        Assert.Equal(KeySetDocumentFailure.None, failure);
        var published = PublicKeySet.FromJson(await client.GetStringAsync("/.well-known/citypass/keys.json"));
        Assert.Equal(published.Keys.Select(k => k.Key.ExportSubjectPublicKeyInfo()), document!.Keys.Keys.Select(k => k.Key.ExportSubjectPublicKeyInfo()));
        Assert.True(document.ExpiresAt > App.Clock.GetUtcNow());
        // Our own passes verify offline under the keys of the signed document.
        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        Assert.True(new PassVerifier(new TrustStore([document.Keys]), App.Clock).Verify(text).IsValid);
    }

    [Fact]
    public async Task ATrustedCitysPassesCountOnceItsSignedDocumentIsAcceptedAndTheDocumentIsAudited()
    {
        var admin = await AdminWithGuangzhouAsync();
        var pending = await admin.GetFromJsonAsync<JsonElement>("/v1/federation/cities/440100");
        Assert.Equal("pending", pending.GetProperty("state").GetString());
        Assert.Equal(_guangzhouFederation.Fingerprint, pending.GetProperty("federationKeyFingerprint").GetString());
        Assert.Equal("422 unknown_issuer", await ScanCodeAsync(GuangzhouPass()));

        var head = await App.AuditHeadAsync();
        var upload = await UploadAsync(admin, Document(_guangzhouKeys, App.Clock.GetUtcNow()));
        var check = await upload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal("accepted", check.GetProperty("result").GetString());
        Assert.Equal("fresh", check.GetProperty("city").GetProperty("state").GetString());
        Assert.Equal(1, check.GetProperty("city").GetProperty("keys").GetArrayLength());

        Assert.Equal("allowed", await ScanCodeAsync(GuangzhouPass()));
        Assert.Equal("status_not_allowed", await ScanCodeAsync(GuangzhouPass(colour: StatusColour.Red)));
        var entry = Assert.Single(await App.AuditSinceAsync(head));
        Assert.Equal(("admin", "federation.document.upload", "city:440100"), (entry.Actor, entry.Action, entry.Subject));
        Assert.StartsWith("accepted", entry.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusedDocumentLeavesTheLastGoodOneInForce()
    {
        var admin = await AdminWithGuangzhouAsync();
        var issuedAt = App.Clock.GetUtcNow();
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(admin, Document(_guangzhouKeys, issuedAt))).StatusCode);

        // Tampered: another city's keys under Guangzhou's name, signed by someone else's federation key.
        var forged = Document(IssuerKeySet.Generate(Guangzhou, SignatureSuite.Es256, issuedAt.AddDays(-1)), issuedAt.AddMinutes(1), key: FederationKey.Generate(SignatureSuite.Es256));
        await AssertRefusedAsync(admin, forged, "document_signature_invalid");
        // Older than the one held: a replay that would hide a later revocation.
        await AssertRefusedAsync(admin, Document(_guangzhouKeys, issuedAt.AddMinutes(-5)), "document_not_newer");
        // Already expired.
        await AssertRefusedAsync(admin, Document(_guangzhouKeys, issuedAt.AddDays(-2)), "document_expired");
        await AssertRefusedAsync(admin, "{\"protected\":", "document_malformed");

        var city = await admin.GetFromJsonAsync<JsonElement>("/v1/federation/cities/440100");
        Assert.Equal(issuedAt.ToUnixTimeSeconds(), city.GetProperty("documentIssuedAt").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal("allowed", await ScanCodeAsync(GuangzhouPass()));
        // The same document again is not an error: nothing changes.
        var again = await (await UploadAsync(admin, Document(_guangzhouKeys, issuedAt))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unchanged", again.GetProperty("result").GetString());
    }

    private static async Task AssertRefusedAsync(HttpClient admin, string document, string code)
    {
        var response = await UploadAsync(admin, document);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(code, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task AKeyRevokedInANewerDocumentRefusesItsPassesAtOnce()
    {
        var admin = await AdminWithGuangzhouAsync();
        var now = App.Clock.GetUtcNow();
        var rotated = _guangzhouKeys.Rotate(SignatureSuite.Es256, now.AddDays(-1));
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(admin, Document(rotated, now))).StatusCode);
        var underOldKey = new PassIssuer(_guangzhouKeys, App.Clock).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.None)).Text;
        Assert.Equal("422 key_not_valid_at_issue", await ScanCodeAsync(underOldKey)); // retired before this pass was issued
        Assert.Equal("allowed", await ScanCodeAsync(GuangzhouPass(rotated)));

        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(admin, Document(rotated.RevokeSigningKey(2), now.AddSeconds(1)))).StatusCode);

        Assert.Equal("422 key_revoked", await ScanCodeAsync(GuangzhouPass(rotated)));
    }

    [Fact]
    public async Task PastItsExpiryTheDocumentGoesStaleAndPastTheGraceItsPassesAreRefused()
    {
        var admin = await AdminWithGuangzhouAsync();
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(admin, Document(_guangzhouKeys, App.Clock.GetUtcNow(), TimeSpan.FromHours(1)))).StatusCode);

        App.Clock.Advance(TimeSpan.FromHours(2)); // expired; the default grace is a day
        Assert.Equal("stale", (await admin.GetFromJsonAsync<JsonElement>("/v1/federation/cities/440100")).GetProperty("state").GetString());
        Assert.Equal("allowed", await ScanCodeAsync(GuangzhouPass()));
        var health = await App.CreateClient().GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("Degraded", health.GetProperty("checks").GetProperty("federation").GetProperty("status").GetString());

        App.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal("expired", (await admin.GetFromJsonAsync<JsonElement>("/v1/federation/cities/440100")).GetProperty("state").GetString());
        Assert.Equal("422 issuer_trust_expired", await ScanCodeAsync(GuangzhouPass()));
        // A fresh document brings the city back.
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(admin, Document(_guangzhouKeys, App.Clock.GetUtcNow()))).StatusCode);
        Assert.Equal("allowed", await ScanCodeAsync(GuangzhouPass()));
    }

    [Fact]
    public async Task ChangingThePinnedKeyDropsTheDocumentAndRemovingTheCityEndsItsPasses()
    {
        var admin = await AdminWithGuangzhouAsync();
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(admin, Document(_guangzhouKeys, App.Clock.GetUtcNow()))).StatusCode);
        var newKey = FederationKey.Generate(SignatureSuite.Es256);

        var updated = await admin.PutAsJsonAsync("/v1/federation/cities/440100", new
        {
            name = "广州市", federationSuite = "ES256", federationPublicKey = Convert.ToBase64String(newKey.PublicKey.ExportSubjectPublicKeyInfo()),
        });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("pending", (await updated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal("422 unknown_issuer", await ScanCodeAsync(GuangzhouPass()));
        // The old key's documents no longer count; the new key's do.
        await AssertRefusedAsync(admin, Document(_guangzhouKeys, App.Clock.GetUtcNow().AddSeconds(1)), "document_signature_invalid");
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(admin, Document(_guangzhouKeys, App.Clock.GetUtcNow().AddSeconds(2), key: newKey))).StatusCode);
        Assert.Equal("allowed", await ScanCodeAsync(GuangzhouPass()));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/v1/federation/cities/440100")).StatusCode);
        Assert.Equal("422 unknown_issuer", await ScanCodeAsync(GuangzhouPass()));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/v1/federation/cities/440100")).StatusCode);
    }

    [Fact]
    public async Task BadInputIsAProblemWithItsFieldAndOnlyCityAdminsManageTrust()
    {
        var admin = await AdminWithGuangzhouAsync();
        var key = Convert.ToBase64String(_guangzhouFederation.PublicKey.ExportSubjectPublicKeyInfo());

        async Task<(HttpStatusCode, JsonElement)> AddAsync(object body, HttpClient? as_ = null)
        {
            var response = await (as_ ?? admin).PostAsJsonAsync("/v1/federation/cities", body);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }

        var (status, body) = await AddAsync(new { issuer = "44", name = "x", federationPublicKey = key, documentUrl = "ftp://x" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty("issuer", out _));
        Assert.True(body.GetProperty("errors").TryGetProperty("documentUrl", out _));
        (status, body) = await AddAsync(new { issuer = "440300", name = "深圳", federationPublicKey = "bm90IGEga2V5" });
        Assert.True(body.GetProperty("errors").TryGetProperty("federationPublicKey", out _), body.ToString());
        var ours = (await App.CreateClient().GetFromJsonAsync<JsonElement>("/.well-known/citypass/federation-key.json")).GetProperty("issuer").GetString();
        (status, body) = await AddAsync(new { issuer = ours, name = "ourselves", federationPublicKey = key });
        Assert.True(body.GetProperty("errors").TryGetProperty("issuer", out _), body.ToString());
        (status, body) = await AddAsync(new { issuer = "440100", name = "again", federationPublicKey = key });
        Assert.Equal((HttpStatusCode.Conflict, "conflict"), (status, body.GetProperty("code").GetString()));

        foreach (var who in new[] { "authority", "library" })
        {
            var staff = await App.StaffAsync(who);
            Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/v1/federation/cities")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await AddAsync(new { issuer = "440300", name = "深圳", federationPublicKey = key }, staff)).Item1);
        }
        // An upload needs a body; a refresh needs a URL to fetch from; an unknown city is 404.
        var empty = await admin.PutAsync("/v1/federation/cities/440100/document", new StringContent("", Encoding.UTF8, "application/jose+json"));
        Assert.Equal((HttpStatusCode.BadRequest, "body_required"), (empty.StatusCode, (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()));
        var noUrl = await admin.PostAsync("/v1/federation/cities/440100/refresh", null);
        var noUrlBody = await noUrl.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (noUrl.StatusCode, noUrlBody.GetProperty("code").GetString()));
        Assert.True(noUrlBody.GetProperty("errors").TryGetProperty("documentUrl", out _));
        var unknown = await admin.PostAsync("/v1/federation/cities/440300/refresh", null);
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (unknown.StatusCode, (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()));

        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().GetAsync("/v1/federation/cities")).StatusCode);
        // The console page too: a health authority signs in to the console but is not a city admin.
        var authorityConsole = await App.ConsoleAsync("authority");
        var denied = await authorityConsole.Http.GetAsync("/admin/trusted-cities");
        Assert.Equal(HttpStatusCode.Found, denied.StatusCode);
        Assert.Contains("/admin/denied", denied.Headers.Location!.OriginalString, StringComparison.OrdinalIgnoreCase);
        var adminConsole = await App.ConsoleAsync("admin");
        Assert.Contains("广州", await adminConsole.Http.GetStringAsync("/admin/trusted-cities"), StringComparison.Ordinal);
        var list = await admin.GetFromJsonAsync<JsonElement>("/v1/federation/cities");
        Assert.Equal(["440100"], list.EnumerateArray().Select(c => c.GetProperty("issuer").GetString()));
    }
}

public sealed class EmbeddedFederationTests() : FederationTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresFederationTests() : FederationTests(StoreMode.RedisAndPostgres);
