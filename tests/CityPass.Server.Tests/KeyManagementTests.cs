using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Server.Keys;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// A city admin's key steps through /v1/keys (create, activate, retire, revoke): what each does to passes in citizens'
/// hands at this city's gates, to the published key set and signed document, the rules with their codes, the audit,
/// and that the set survives a restart. Replicas sharing PostgreSQL are in <see cref="RedisPostgresKeyManagementTests"/>.
/// </summary>
public abstract class KeyManagementTests(StoreMode mode) : AppTest(mode)
{
    protected static async Task<JsonElement> OkAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"answered {(int)response.StatusCode}: {body}");
        return body;
    }

    protected static async Task<(HttpStatusCode Status, string? Code)> ProblemAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body.TryGetProperty("code", out var code) ? code.GetString() : null);
    }

    protected static JsonElement Key(JsonElement set, string kind, int id) =>
        set.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kind").GetString() == kind && k.GetProperty("id").GetInt32() == id);

    protected async Task<string> ScanCodeAsync(string text, string direction = "in")
    {
        var (status, body) = await App.Gate("上海图书馆").ScanAsync(text, direction);
        return status == HttpStatusCode.OK ? body.GetProperty("code").GetString()! : $"{(int)status} {body.GetProperty("code").GetString()}";
    }

    [Fact]
    public async Task ARotationKeepsPassesInHandValidAndARevocationRefusesThemAtOnce()
    {
        var admin = await App.StaffAsync("admin");
        var before = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        var head = await App.AuditHeadAsync();

        var created = await OkAsync(admin.PostAsJsonAsync("/v1/keys", new { reason = "yearly rotation" }));
        Assert.Equal("pending", Key(created, "signing", 2).GetProperty("state").GetString());
        Assert.True(Key(created, "signing", 1).GetProperty("signs").GetBoolean());
        // Published at once, in the plain key set and in the signed document other cities fetch.
        var client = App.CreateClient();
        Assert.NotNull(PublicKeySet.FromJson(await client.GetStringAsync("/.well-known/citypass/keys.json")).Find(2));
        var federation = await client.GetFromJsonAsync<JsonElement>("/.well-known/citypass/federation-key.json");
        var pinned = FederationKey.ImportPublic(federation.GetProperty("suite").GetString(), federation.GetProperty("publicKey").GetString());
        Assert.Equal(KeySetDocumentFailure.None, SignedKeySet.TryVerify(await client.GetStringAsync("/.well-known/citypass/keyset.jws"), pinned, new IssuerId(310000), out var document));
        Assert.NotNull(document!.Keys.Find(2));

        var activated = await OkAsync(admin.PostAsJsonAsync("/v1/keys/signing/2/activate", new { }));
        Assert.True(Key(activated, "signing", 2).GetProperty("signs").GetBoolean());
        Assert.True(Key(activated, "secret", 2).GetProperty("signs").GetBoolean());
        Assert.Equal("active", Key(activated, "signing", 1).GetProperty("state").GetString());
        Assert.False(Key(activated, "signing", 1).GetProperty("signs").GetBoolean());

        var after = await (await App.SignInCitizenAsync(Phones.JohnGreen)).PassTextAsync();
        Assert.Equal("allowed", await ScanCodeAsync(after));
        Assert.Equal("allowed", await ScanCodeAsync(before));

        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), await ProblemAsync(admin.PostAsJsonAsync("/v1/keys/signing/1/revoke", new { })));
        await OkAsync(admin.PostAsJsonAsync("/v1/keys/signing/1/revoke", new { reason = "key file found on a laptop" }));
        var retired = await OkAsync(admin.PostAsJsonAsync("/v1/keys/secret/1/retire", new { }));
        Assert.Equal("retired", Key(retired, "secret", 1).GetProperty("state").GetString());

        Assert.Equal("422 key_revoked", await ScanCodeAsync(before, "out"));
        Assert.Equal("allowed", await ScanCodeAsync(after, "out"));
        // The citizen whose pass the grain held under the old keys gets a new one, not the refused one again.
        var again = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        Assert.NotEqual(before, again);
        Assert.Equal("allowed", await ScanCodeAsync(again, "out"));

        var audit = (await App.AuditSinceAsync(head)).Where(e => e.Subject == IssuerKeyRing.Subject).ToList();
        Assert.Equal(["keys.create", "keys.activate", "keys.revoke", "keys.retire"], audit.Select(e => e.Action));
        Assert.All(audit, e => Assert.Equal("admin", e.Actor));
        Assert.Equal(["yearly rotation", "keys.activate", "key file found on a laptop", "keys.retire"], audit.Select(e => e.Reason));
        Assert.Contains("signing 1 revoked", audit[2].After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StepsThatWouldStopPassesOrMakeNoSenseAreRefusedWithTheirCodes()
    {
        var admin = await App.StaffAsync("admin");
        var head = await App.AuditHeadAsync();

        Assert.Equal((HttpStatusCode.Conflict, KeyCodes.WouldLeaveGap), await ProblemAsync(admin.PostAsJsonAsync("/v1/keys/signing/1/revoke", new { reason = "test" })));
        Assert.Equal((HttpStatusCode.Conflict, KeyCodes.WouldLeaveGap), await ProblemAsync(admin.PostAsJsonAsync("/v1/keys/secret/1/retire", new { })));
        Assert.Equal((HttpStatusCode.Conflict, KeyCodes.NotPending), await ProblemAsync(admin.PostAsJsonAsync("/v1/keys/signing/1/activate", new { })));
        await OkAsync(admin.PostAsJsonAsync("/v1/keys", new { }));
        Assert.Equal((HttpStatusCode.Conflict, KeyCodes.NotActive), await ProblemAsync(admin.PostAsJsonAsync("/v1/keys/signing/2/retire", new { })));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), await ProblemAsync(admin.PostAsJsonAsync("/v1/keys/signing/9/retire", new { })));
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), await ProblemAsync(admin.PostAsJsonAsync("/v1/keys/public/1/retire", new { })));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            await ProblemAsync(admin.PostAsJsonAsync("/v1/keys", new { activatesAt = App.Clock.GetUtcNow().AddHours(-1) })));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            await ProblemAsync(admin.PostAsJsonAsync("/v1/keys/signing/2/revoke", new { reason = new string('x', 501) })));

        // Only the create was done and audited.
        Assert.Equal(["keys.create"], (await App.AuditSinceAsync(head)).Select(e => e.Action));
        var set = await OkAsync(admin.GetAsync("/v1/keys"));
        Assert.Equal(2, set.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task OnlyACityAdminSeesOrChangesKeysAndNoPrivateHalfIsEverShown()
    {
        var admin = await App.StaffAsync("admin");
        var text = (await admin.GetAsync("/v1/keys")).Content.ReadAsStringAsync();
        var keys = App.Get<IssuerKeyRing>().Current;
        Assert.DoesNotContain(Convert.ToBase64String(keys.SigningKeys[0].Key.ExportPkcs8()), await text, StringComparison.Ordinal);
        Assert.DoesNotContain("privateKey", await text, StringComparison.OrdinalIgnoreCase);
        var secretJson = JsonDocument.Parse(keys.ToPrivateJson()).RootElement.GetProperty("secrets")[0].GetProperty("secret").GetString()!;
        Assert.DoesNotContain(secretJson, await text, StringComparison.Ordinal);

        var authority = await App.StaffAsync("authority");
        Assert.Equal(HttpStatusCode.Forbidden, (await authority.GetAsync("/v1/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await authority.PostAsJsonAsync("/v1/keys", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().PostAsJsonAsync("/v1/keys/signing/1/revoke", new { reason = "x" })).StatusCode);
        Assert.Single(App.Get<IssuerKeyRing>().Current.SigningKeys);
    }

    [Fact]
    public async Task TheConsolePageShowsTheKeysAndTakesTheSteps()
    {
        var console = await App.ConsoleAsync("admin");
        var page = await console.Http.GetStringAsync("/admin/keys");
        Assert.Contains("signing 1", page, StringComparison.Ordinal);
        Assert.Contains("signs now", page, StringComparison.Ordinal);

        var created = await console.PostFormAsync("/admin/keys", "Create", ("activatesAt", ""), ("reason", "rotation"));
        Assert.Equal(HttpStatusCode.Found, created.StatusCode);
        Assert.Equal(KeyState.Pending, KeyLifecycle.StateOf(App.Get<IssuerKeyRing>().Current.FindSigningKey(2)!.Validity, App.Clock.GetUtcNow()));
        var refused = await console.PostFormAsync("/admin/keys", "Revoke", ("kind", "signing"), ("id", "1"), ("reason", "leak"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("no pass could be issued", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var authority = await App.ConsoleAsync("authority");
        Assert.Equal(HttpStatusCode.Found, (await authority.Http.GetAsync("/admin/keys")).StatusCode);
    }
}

public sealed class EmbeddedKeyManagementTests() : KeyManagementTests(StoreMode.Embedded)
{
    [Fact]
    public async Task TheKeyFileFollowsEveryChangeSoARestartKeepsARevocation()
    {
        var admin = await App.StaffAsync("admin");
        await OkAsync(admin.PostAsJsonAsync("/v1/keys", new { activatesAt = App.Clock.GetUtcNow() }));
        await OkAsync(admin.PostAsJsonAsync("/v1/keys/signing/1/revoke", new { reason = "leak" }));

        var file = App.Get<KeyMaterial>().KeyFile!;
        var onDisk = IssuerKeySet.FromPrivateJson(await File.ReadAllTextAsync(file));

        Assert.True(onDisk.FindSigningKey(1)!.Validity.Revoked);
        Assert.Equal(2, onDisk.ActiveSigningKey(App.Clock.GetUtcNow())!.Id);
    }
}

/// <summary>On real Redis and PostgreSQL: the same tests, and what only a shared store shows (replicas, restarts, the seal).</summary>
public sealed class RedisPostgresKeyManagementTests() : KeyManagementTests(StoreMode.RedisAndPostgres)
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Keys:RefreshInterval"] = "00:00:01" };

    /// <summary>Another server on the same stores and secret, configured with <paramref name="keySetJson"/> or else the first one's key file.</summary>
    private async Task<CityPassApp> AnotherServerAsync(string? keySetJson = null, string? clusterId = null)
    {
        var configuration = App.Get<Microsoft.Extensions.Configuration.IConfiguration>();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = configuration["ConnectionStrings:Redis"],
            ["ConnectionStrings:Postgres"] = configuration["ConnectionStrings:Postgres"],
            ["Keys:ServerSecretFile"] = configuration["Keys:ServerSecretFile"],
            ["Federation:KeyFile"] = configuration["Federation:KeyFile"],
            ["Keys:RefreshInterval"] = "00:00:01",
        };
        if (keySetJson is null) settings["Keys:KeyFile"] = App.Get<KeyMaterial>().KeyFile;
        else settings["Keys:KeySetJson"] = keySetJson;
        if (clusterId is not null) settings["Orleans:ClusterId"] = clusterId;
        var server = new CityPassApp(StoreMode.RedisAndPostgres, settings) { SharedDemo = App.Demo };
        await server.InitializeAsync();
        return server;
    }

    [Fact]
    public async Task ARevocationOnOneServerRefusesThePassOnAnotherAtItsNextPoll()
    {
        await using var other = await AnotherServerAsync(clusterId: App.Get<Microsoft.Extensions.Configuration.IConfiguration>()["Orleans:ClusterId"]);
        var pass = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        // The other server's first scan finds it cold (the script not yet loaded on its connection) and on a loaded
        // machine it can spend the 250 ms budget: a gate sends a scan answered 503 again under its id, and so does this.
        var scanId = Guid.NewGuid();
        var (status, _) = await other.Gate("上海图书馆").ScanAsync(pass, scanId: scanId);
        if (status == HttpStatusCode.ServiceUnavailable) (status, _) = await other.Gate("上海图书馆").ScanAsync(pass, scanId: scanId);
        Assert.Equal(HttpStatusCode.OK, status);
        var admin = await App.StaffAsync("admin");
        await OkAsync(admin.PostAsJsonAsync("/v1/keys", new { activatesAt = App.Clock.GetUtcNow() }));
        await OkAsync(admin.PostAsJsonAsync("/v1/keys/signing/1/revoke", new { reason = "leak" }));

        // The other server's poll runs on its clock: move it one interval at a time until the new version is in.
        var version = App.Get<IssuerKeyRing>().Version;
        await CityPass.Testing.Eventually.TrueAsync(() =>
        {
            other.Clock.Advance(Poll);
            return Task.FromResult(other.Get<IssuerKeyRing>().Version == version);
        }, TimeSpan.FromSeconds(20), "the other server takes in the changed key set");

        var (refused, body) = await other.Gate("上海图书馆").ScanAsync(pass, "out");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "key_revoked"), (refused, body.GetProperty("code").GetString()));
        Assert.Equal(2, other.Get<CityPass.Core.Keys.IIssuerKeySource>().Current.ActiveSigningKey(other.Clock.GetUtcNow())!.Id);
    }

    [Fact]
    public async Task ARestartWithTheOldConfigurationKeepsStaffsChangesAndANewConfiguredSetReplacesThemAudited()
    {
        var original = App.Get<KeyMaterial>().ConfiguredIssuerKeys.ToPrivateJson();
        var admin = await App.StaffAsync("admin");
        await OkAsync(admin.PostAsJsonAsync("/v1/keys", new { activatesAt = App.Clock.GetUtcNow() }));
        await OkAsync(admin.PostAsJsonAsync("/v1/keys/signing/1/revoke", new { reason = "leak" }));

        await using (var restarted = await AnotherServerAsync(keySetJson: original))
        {
            var keys = restarted.Get<IssuerKeyRing>().Current;
            Assert.True(keys.FindSigningKey(1)!.Validity.Revoked);
            Assert.Equal(2, keys.ActiveSigningKey(restarted.Clock.GetUtcNow())!.Id);
        }

        var head = await App.AuditHeadAsync();
        var replacement = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddMinutes(-1));
        await using var rotatedByConfiguration = await AnotherServerAsync(keySetJson: replacement.ToPrivateJson());

        Assert.Equal(replacement.ToPrivateJson(), rotatedByConfiguration.Get<IssuerKeyRing>().Current.ToPrivateJson());
        var import = Assert.Single(await App.AuditSinceAsync(head));
        Assert.Equal(("keys.import", IssuerKeyRing.ConfigurationActor), (import.Action, import.Actor));
    }

    [Fact]
    public async Task TheStoredSetIsSealedSoTheDatabaseAloneHoldsNoKey()
    {
        var keys = App.Get<IssuerKeyRing>().Current;
        var stored = await App.Get<IIssuerKeyStore>().GetAsync("310000", CancellationToken.None);

        var bytes = System.Text.Encoding.UTF8.GetString(stored!.Sealed);
        Assert.DoesNotContain("secret", bytes, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(keys.SigningKeys[0].Key.ExportPkcs8()), bytes, StringComparison.Ordinal);
        // It opens with this server's secret, and with no other.
        Assert.Equal(keys.ToPrivateJson(), KeySetSeal.Open(stored.Sealed, App.Get<KeyMaterial>().KeySetSealKey, keys.Issuer).ToPrivateJson());
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => KeySetSeal.Open(stored.Sealed, new byte[32], keys.Issuer));
    }
}
