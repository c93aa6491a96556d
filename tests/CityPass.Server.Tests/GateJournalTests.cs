using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Tests.Support;
using CityPass.Testing;

namespace CityPass.Server.Tests;

/// <summary>
/// A gate's offline journal uploaded through POST /v1/gates/me/journal: decided again as of each scan, archived once per
/// (gate, scanId) with the gate's own decision, and shown to the venue's operator with the disagreements marked.
/// </summary>
public abstract class GateJournalTests(StoreMode mode) : AppTest(mode)
{
    private const string Library = "上海图书馆";

    /// <summary>A journal entry as a gate sends it; scannedAt in whole milliseconds, as the archive keeps it.</summary>
    internal static object Entry(string text, DateTimeOffset scannedAt, string offline = "allow", string? code = null, bool flagged = false, Guid? scanId = null,
        string direction = "in") => new
        {
            scanId = scanId ?? Guid.NewGuid(),
            text,
            direction,
            scannedAt = DateTimeOffset.FromUnixTimeMilliseconds(scannedAt.ToUnixTimeMilliseconds()),
            offline = new { decision = offline, code = code ?? (offline == "allow" ? "allowed" : "status_not_allowed"), flagged },
        };

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(HttpClient gate, params object[] entries)
    {
        var response = await gate.PostAsJsonAsync("/v1/gates/me/journal", new { entries });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>Uploads and expects 200: (status, decision, code, disagrees) per entry, in order.</summary>
    private static async Task<List<(string Status, string Decision, string Code, bool Disagrees)>> ResultsAsync(GateClient gate, params object[] entries)
    {
        var (status, body) = await UploadAsync(gate.Http, entries);
        Assert.True(status == HttpStatusCode.OK, $"the journal upload answered {status}: {body}");
        return [.. body.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("status").GetString()!, r.GetProperty("decision").GetString()!,
            r.GetProperty("code").GetString()!, r.GetProperty("disagrees").GetBoolean()))];
    }

    private HttpClient? _library;

    /// <summary>
    /// The library's operator, signed in once: staff tokens are checked against the real clock, so one issued after the
    /// test moved the app's clock ahead would not be valid yet. Tests that move the clock sign in first.
    /// </summary>
    private async Task<HttpClient> LibraryAsync() => _library ??= await App.StaffAsync("library");

    private async Task<List<JsonElement>> LogAsync(string query = "")
    {
        var library = await LibraryAsync();
        var log = await library.GetFromJsonAsync<JsonElement>($"/v1/venues/{await App.VenueIdAsync(Library)}/scans?limit=1000{query}");
        return [.. log.GetProperty("items").EnumerateArray()];
    }

    private async Task<string> PassAsync(string phone) => await (await App.SignInCitizenAsync(phone)).PassTextAsync();

    [Fact]
    public async Task ABatchIsRecordedAsLateUploadsWithTheGatesOfflineDecisionAndTheLogShowsIt()
    {
        var zhang = await PassAsync(Phones.ZhangGreen);
        var john = await PassAsync(Phones.JohnGreen);
        var gate = App.Gate(Library);
        var at = App.Clock.GetUtcNow();
        var entries = new[]
        {
            Entry(zhang, at.AddSeconds(1)),
            // The same pass again, and John leaving without having entered: neither replay nor anti-passback is judged after the fact.
            Entry(zhang, at.AddSeconds(2), flagged: true),
            Entry(john, at.AddSeconds(3), direction: "out"),
        };
        var library = await LibraryAsync();
        var console = await App.ConsoleAsync("library");
        App.Clock.Advance(TimeSpan.FromMinutes(3)); // the server is back minutes later

        var results = await ResultsAsync(gate, entries);

        Assert.Equal([.. Enumerable.Repeat(("recorded", "allow", "allowed", false), 3)], results);
        var log = await LogAsync();
        Assert.Equal(3, log.Count);
        Assert.All(log, s => Assert.True(s.GetProperty("lateUpload").GetBoolean()));
        Assert.All(log, s => Assert.False(s.GetProperty("disagrees").GetBoolean()));
        var flagged = log.Single(s => s.GetProperty("scannedAt").GetDateTimeOffset() == DateTimeOffset.FromUnixTimeMilliseconds(at.AddSeconds(2).ToUnixTimeMilliseconds()));
        Assert.Equal(("allow", "allowed", true), (flagged.GetProperty("offline").GetProperty("decision").GetString(),
            flagged.GetProperty("offline").GetProperty("code").GetString(), flagged.GetProperty("offline").GetProperty("flagged").GetBoolean()));
        Assert.Equal(["in", "in", "out"], log.Select(s => s.GetProperty("direction").GetString()).Order(StringComparer.Ordinal));
        // Late uploads: the venue's figures are today's, untouched.
        Assert.Equal(0, (await library.GetFromJsonAsync<JsonElement>($"/v1/venues/{await App.VenueIdAsync(Library)}/occupancy")).GetProperty("count").GetInt32());

        var page = await console.Http.GetStringAsync($"/admin/venues/{await App.VenueIdAsync(Library)}/scans");
        Assert.Contains("offline: allowed", page, StringComparison.Ordinal);
        Assert.DoesNotContain("⚠ disagrees", page, StringComparison.Ordinal);
        var csv = await library.GetStringAsync($"/v1/venues/{await App.VenueIdAsync(Library)}/scans.csv");
        Assert.Contains(",offline_decision,offline_code,offline_flagged,disagrees", csv, StringComparison.Ordinal);
        Assert.Contains(",allow,\"allowed\",true,false", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABatchSentAgainAnswersDuplicatesAndNothingIsArchivedTwice()
    {
        var zhang = await PassAsync(Phones.ZhangGreen);
        var wang = await PassAsync(Phones.WangRed);
        var gate = App.Gate(Library);
        var at = App.Clock.GetUtcNow();
        // The online attempt reached the server, but its answer never reached the gate, which decided offline.
        var onlineId = Guid.NewGuid();
        Assert.Equal("allowed", (await gate.DecideAsync(zhang, scanId: onlineId)).Code);
        await EventuallyAsync(() => LogAsync(), l => l.Count >= 1); // archived from the hot state
        var entries = new[] { Entry(zhang, at, scanId: onlineId), Entry(wang, at.AddSeconds(1), offline: "deny"), Entry(zhang, at.AddSeconds(2)) };

        var first = await ResultsAsync(gate, entries);
        var again = await ResultsAsync(gate, entries);

        Assert.Equal([("duplicate", "allow", "allowed", false), ("recorded", "deny", "status_not_allowed", false), ("recorded", "allow", "allowed", false)], first);
        Assert.Equal([("duplicate", "allow", "allowed", false), ("duplicate", "deny", "status_not_allowed", false), ("duplicate", "allow", "allowed", false)], again);
        await Task.Delay(300); // a second record of the online scan would have reached the archive by now
        var log = await LogAsync();
        Assert.Equal(3, log.Count);
        Assert.Equal(JsonValueKind.Null, log.Single(s => s.GetProperty("scanId").GetGuid() == onlineId).GetProperty("offline").ValueKind);
    }

    [Fact]
    public async Task TheSameBatchSentTwiceAtOnceIsRecordedExactlyOnce()
    {
        var zhang = await PassAsync(Phones.ZhangGreen);
        var at = App.Clock.GetUtcNow();
        var entries = Enumerable.Range(0, 40).Select(i => Entry(zhang, at.AddMilliseconds(i * 100))).ToArray();
        // Two connections of the same gate: one that timed out and the retry it sent.
        var gate = App.Gate(Library);
        var retry = App.Gate(Library);

        var both = await Task.WhenAll(ResultsAsync(gate, entries), ResultsAsync(retry, entries));

        var statuses = both.SelectMany(r => r.Select(x => x.Status)).ToList();
        Assert.Equal(40, statuses.Count(s => s == "recorded"));
        Assert.Equal(40, statuses.Count(s => s == "duplicate"));
        Assert.Equal(40, (await LogAsync()).Count);
    }

    [Fact]
    public async Task ARedCitizenTheGateLetInOfflineIsADisagreementTheOperatorFinds()
    {
        var wang = await PassAsync(Phones.WangRed);
        var zhang = await PassAsync(Phones.ZhangGreen);
        var gate = App.Gate(Library);
        var at = App.Clock.GetUtcNow();
        var wangsScan = Guid.NewGuid();

        var results = await ResultsAsync(gate, Entry(wang, at, scanId: wangsScan), Entry(zhang, at.AddSeconds(1)));

        Assert.Equal([("recorded", "deny", "status_not_allowed", true), ("recorded", "allow", "allowed", false)], results);
        var disagreements = await LogAsync("&disagreements=true");
        var flagged = Assert.Single(disagreements);
        Assert.Equal((wangsScan, "deny", "status_not_allowed", "red", "allow", true), (flagged.GetProperty("scanId").GetGuid(), flagged.GetProperty("decision").GetString(),
            flagged.GetProperty("code").GetString(), flagged.GetProperty("colour").GetString(), flagged.GetProperty("offline").GetProperty("decision").GetString(),
            flagged.GetProperty("disagrees").GetBoolean()));
        Assert.Equal(2, (await LogAsync()).Count);

        var venueId = await App.VenueIdAsync(Library);
        var console = await App.ConsoleAsync("library");
        var page = await console.Http.GetStringAsync($"/admin/venues/{venueId}/scans?disagreements=true");
        Assert.Contains("⚠ disagrees", page, StringComparison.Ordinal);
        Assert.Contains("name=\"disagreements\" value=\"true\" checked", page, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(page, "row-deny") + CountOf(page, "row-allow"));
        // Another venue's operator sees none of it.
        var clinic = await App.StaffAsync("clinic");
        Assert.Equal(HttpStatusCode.NotFound, (await clinic.GetAsync($"/v1/venues/{venueId}/scans?disagreements=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await App.ConsoleAsync("clinic")).Http.GetAsync($"/admin/venues/{venueId}/scans?disagreements=true")).StatusCode);
    }

    private static int CountOf(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    [Fact]
    public async Task APassExpiredNowButValidWhenScannedIsJudgedAsOfItsScan()
    {
        var zhang = await PassAsync(Phones.ZhangGreen);
        var issuedAt = App.Clock.GetUtcNow();
        await LibraryAsync();
        App.Clock.Advance(TimeSpan.FromMinutes(3)); // the pass, good for a minute, expired long ago

        var results = await ResultsAsync(App.Gate(Library), Entry(zhang, issuedAt.AddSeconds(10)), Entry(zhang, issuedAt.AddSeconds(90)));

        // Valid when scanned: allowed. Scanned past its expiry: refused as the gate should have, and recorded.
        Assert.Equal([("recorded", "allow", "allowed", false), ("recorded", "deny", "expired", true)], results);
        Assert.Equal(["allowed", "pass_refused"], (await LogAsync()).OrderBy(s => s.GetProperty("scannedAt").GetDateTimeOffset()).Select(s => s.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task APassWhoseKeyWasRevokedSinceIsRecordedRefused()
    {
        // Guangzhou's citizen passed offline; Guangzhou has revoked the key since.
        var guangzhou = IssuerKeySet.Generate(new IssuerId(440100), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
        var federation = FederationKey.Generate(SignatureSuite.Es256);
        var admin = await App.StaffAsync("admin");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/v1/federation/cities", new
        {
            issuer = "440100", name = "广州", federationSuite = "ES256", federationPublicKey = Convert.ToBase64String(federation.PublicKey.ExportSubjectPublicKeyInfo()),
        })).StatusCode);
        var now = App.Clock.GetUtcNow();
        Task<HttpResponseMessage> UploadDocumentAsync(IssuerKeySet keys, DateTimeOffset issuedAt) => admin.PutAsync("/v1/federation/cities/440100/document",
            new StringContent(SignedKeySet.Sign(keys.PublicKeys, issuedAt, issuedAt.AddDays(1), federation.Key), Encoding.UTF8, "application/jose+json"));
        Assert.Equal(HttpStatusCode.OK, (await UploadDocumentAsync(guangzhou, now)).StatusCode);
        var pass = new PassIssuer(guangzhou, App.Clock).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.HealthRecord));
        Assert.Equal(HttpStatusCode.OK, (await UploadDocumentAsync(guangzhou.RevokeSigningKey(guangzhou.SigningKeys[0].Id), now.AddSeconds(1))).StatusCode);

        var results = await ResultsAsync(App.Gate(Library), Entry(pass.Text, now));

        Assert.Equal([("recorded", "deny", "key_revoked", true)], results);
        var logged = Assert.Single(await LogAsync());
        Assert.Equal(("pass_refused", "deny", "440100", "green", "allow"), (logged.GetProperty("code").GetString(), logged.GetProperty("decision").GetString(),
            logged.GetProperty("issuer").GetString(), logged.GetProperty("colour").GetString(), logged.GetProperty("offline").GetProperty("decision").GetString()));
    }

    [Fact]
    public async Task TextThatIsNotAPassIsInvalidAndNothingIsArchived()
    {
        var at = App.Clock.GetUtcNow();

        var results = await ResultsAsync(App.Gate(Library), Entry("CP1:NOT-A-PASS", at, offline: "deny", code: "malformed"),
            Entry("CP1:" + new string('0', PassTokenFormat.MaxTextLength), at, offline: "deny", code: "too_large"),
            Entry("hello", at, offline: "allow", code: "bundle_missing"));

        Assert.Equal([("invalid", "deny", "malformed", false), ("invalid", "deny", "too_large", false), ("invalid", "deny", "malformed", true)], results);
        Assert.Empty(await LogAsync());
    }

    [Fact]
    public async Task WhatOnlyTheServerKnowsIsJudgedAfterTheFactABookingYesCapacityNo()
    {
        var zhang = await PassAsync(Phones.ZhangGreen);
        var li = await PassAsync(Phones.LiYellow);
        var theatre = App.Gate("上海大剧院");
        var at = App.Clock.GetUtcNow();
        var admin = await App.StaffAsync("admin");
        var theatreId = await App.VenueIdAsync("上海大剧院");
        (await admin.PutAsync($"/v1/venues/{theatreId}/bookings/{await App.CitizenIdAsync(Phones.ZhangGreen)}", null)).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync($"/v1/venues/{theatreId}/policy", new { allowedColours = new[] { "green", "yellow" }, requiresBooking = true, capacity = 0 })).EnsureSuccessStatusCode();

        // The gate allowed both unchecked (the venue's offline setting); only Zhang had booked. A capacity of 0 is not judged.
        var results = await ResultsAsync(theatre, Entry(zhang, at, flagged: true), Entry(li, at.AddSeconds(1), flagged: true));

        Assert.Equal([("recorded", "allow", "allowed", false), ("recorded", "deny", "booking_required", true)], results);
    }

    [Fact]
    public async Task ABatchThatIsNotValidIsRefusedWholeWithFieldErrors()
    {
        var zhang = await PassAsync(Phones.ZhangGreen);
        var gate = App.Gate(Library);
        var at = App.Clock.GetUtcNow();
        var tooMany = Enumerable.Range(0, 501).Select(i => Entry(zhang, at)).ToArray();
        var twice = Guid.NewGuid();

        var (status, body) = await UploadAsync(gate.Http, tooMany);
        var (emptyStatus, _) = await UploadAsync(gate.Http);
        var (badStatus, bad) = await UploadAsync(gate.Http, Entry(zhang, at, scanId: twice), Entry(zhang, at, scanId: twice), Entry(zhang, at, offline: "allow", code: ""),
            Entry(zhang, at, direction: "sideways"), Entry(zhang, at, offline: "maybe"), Entry(zhang, at, code: new string('x', 65)),
            new { scanId = Guid.NewGuid(), text = zhang, scannedAt = at });

        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (status, body.GetProperty("code").GetString()));
        Assert.True(body.GetProperty("errors").TryGetProperty("entries", out _), body.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, emptyStatus);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal(["entries[1].scanId", "entries[2].offline.code", "entries[3].direction", "entries[4].offline.decision", "entries[5].offline.code", "entries[6].offline"],
            bad.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Empty(await LogAsync());
    }

    [Fact]
    public async Task AScanFromOutsideTheArchivesWindowIsAnsweredInvalidOnItsOwnAndTheRestOfTheBatchIsRecorded()
    {
        var zhang = await PassAsync(Phones.ZhangGreen);
        var at = App.Clock.GetUtcNow();

        // A gate offline for more than a week, or with a clock far ahead: those scans cannot be archived, but refusing
        // the whole batch would have the gate send it again forever.
        var results = await ResultsAsync(App.Gate(Library), Entry("CP1:ANYTHING", at.AddDays(-8)), Entry("CP1:ANYTHING", at.AddMinutes(10)), Entry(zhang, at));

        Assert.Equal([("invalid", "deny", "too_old", true), ("invalid", "deny", "scanned_in_future", true), ("recorded", "allow", "allowed", false)], results);
        Assert.Single(await LogAsync());
    }

    [Fact]
    public async Task ABodyPastTheLimitIsRefusedBeforeItIsRead()
    {
        var huge = "{\"entries\": [" + string.Join(',', Enumerable.Repeat("{\"text\": \"" + new string('0', 500) + "\"}", 2200)) + "]}";

        var response = await App.Gate(Library).Http.PostAsync("/v1/gates/me/journal", new StringContent(huge, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body_too_large", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task OnlyAGateMayUploadAJournal()
    {
        var zhang = await PassAsync(Phones.ZhangGreen);
        var entry = Entry(zhang, App.Clock.GetUtcNow());

        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(App.CreateClient(), entry)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(await App.StaffAsync("admin"), entry)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(App.GateWithCredential("cpg_not-a-credential").Http, entry)).Status);
        Assert.Empty(await LogAsync());
    }
}

public sealed class EmbeddedGateJournalTests() : GateJournalTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresGateJournalTests() : GateJournalTests(StoreMode.RedisAndPostgres);

/// <summary>A journal sent while PostgreSQL is down: refused 503 store_unavailable, archived exactly once when sent again.</summary>
public sealed class GateJournalOutageTests() : OwnPostgresTest("journal")
{
    [Fact]
    public async Task AJournalRefusedWhilePostgresIsDownIsArchivedOnceWhenSentAgain()
    {
        var zhang = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        var gate = Outages.GateHttp(App, Library);
        var at = App.Clock.GetUtcNow();
        var entries = new[] { GateJournalTests.Entry(zhang, at), GateJournalTests.Entry(zhang, at.AddSeconds(1)) };
        var library = await App.StaffAsync("library");
        var venue = await App.VenueIdAsync(Library);

        await Postgres.StopAsync();
        // Past the gate directory's age: its reload fails and the copy it has is served.
        App.Clock.Advance(TimeSpan.FromSeconds(10));
        var (downStatus, down) = await GateJournalTests.UploadAsync(gate, entries);
        await Postgres.StartAgainAsync();
        var (status, body) = await Outages.EventuallyAsync(() => GateJournalTests.UploadAsync(gate, entries), r => r.Status == HttpStatusCode.OK);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "store_unavailable"), (downStatus, down.GetProperty("code").GetString()));
        Assert.Equal(["recorded", "recorded"], body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()));
        var log = await library.GetFromJsonAsync<JsonElement>($"/v1/venues/{venue}/scans");
        Assert.Equal(2, log.GetProperty("items").GetArrayLength());
    }

    private const string Library = "上海图书馆";
}
