using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Core.Identify;
using CityPass.Server.Tests.Support;
using Npgsql;

namespace CityPass.Server.Tests;

/// <summary>
/// Scan-to-identify with consent (issue 17). The demo clinic (瑞金医院, kind "clinic") identifies patients and asks for
/// the masked name, the age band and the e-ID check; 张小三 (born 1988) consented for clinics to his masked name and age
/// band. Tests make the library identify too, through the policy API, for a second venue.
/// </summary>
public abstract class IdentifyTests(StoreMode mode) : AppTest(mode)
{
    private const string Clinic = "瑞金医院";
    private const string Library = "上海图书馆";

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri} answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.StatusCode == HttpStatusCode.NoContent ? default : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>An entry (and the exit after it, for the next entry's anti-passback); the clock then moves past the pass's life.</summary>
    private async Task<JsonElement> EnterAsync(CitizenClient citizen, string venue)
    {
        var gate = App.Gate(venue);
        var (_, _, body) = await gate.DecideAsync(await citizen.PassTextAsync());
        App.Clock.Advance(TimeSpan.FromSeconds(61));
        var (exit, _, exitBody) = await gate.DecideAsync(await citizen.PassTextAsync(), direction: "out");
        Assert.Equal("allow", exit);
        Assert.False(exitBody.TryGetProperty("identity", out _), "an exit identifies nobody");
        App.Clock.Advance(TimeSpan.FromSeconds(61));
        return body;
    }

    private static JsonElement IdentityOf(JsonElement scan) =>
        scan.TryGetProperty("identity", out var identity) ? identity : throw new Xunit.Sdk.XunitException($"no identity in {scan}");

    private static string? Claim(JsonElement identity, string name) =>
        identity.GetProperty("claims").GetProperty(name) is { ValueKind: not JsonValueKind.Null } v ? v.ToString() : null;

    /// <summary>Before the clock moves: staff tokens are checked against the real clock.</summary>
    private async Task IdentifyingLibraryAsync(params string[] claims)
    {
        var library = await App.StaffAsync("library");
        // No opening hours (the demo's close at night) and no anti-passback: entries at any time of the test.
        await JsonOf(await library.PutAsJsonAsync($"/v1/venues/{await App.VenueIdAsync(Library)}/policy",
            new { allowedColours = new[] { "green", "yellow" }, antiPassback = false, identify = true, identifyClaims = claims }));
    }

    private static async Task ConsentAsync(CitizenClient citizen, string kind, params string[] claims) =>
        await JsonOf(await citizen.Http.PutAsJsonAsync($"/v1/me/consents/{kind}", new { claims }));

    private string ExpectedBand(int birthYear) => AgeBands.Of(birthYear, App.Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).Year)!;

    [Fact]
    public async Task TheSameCitizenHasOneMemberIdPerVenueAndVenuesGetOnlyTheConsentedClaims()
    {
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        await IdentifyingLibraryAsync("masked_name");
        var first = IdentityOf(await EnterAsync(zhang, Clinic));
        Assert.Equal("identity_shared", first.GetProperty("code").GetString());
        var memberId = first.GetProperty("memberId").GetString()!;
        Assert.True(MemberIds.IsMemberId(memberId), memberId);
        // Consented: masked name and age band. Asked for but not consented: the e-ID check.
        Assert.Equal(("张*三", ExpectedBand(1988), null), (Claim(first, "maskedName"), Claim(first, "ageBand"), Claim(first, "eidVerified")));

        var again = IdentityOf(await EnterAsync(zhang, Clinic));
        Assert.Equal(memberId, again.GetProperty("memberId").GetString());

        // Another venue: another id. The library asks for the masked name; a consent of [] shares the member id alone.
        await ConsentAsync(zhang, "library");
        var atLibrary = IdentityOf(await EnterAsync(zhang, Library));
        Assert.Equal("identity_shared", atLibrary.GetProperty("code").GetString());
        var libraryId = atLibrary.GetProperty("memberId").GetString()!;
        Assert.True(MemberIds.IsMemberId(libraryId), libraryId);
        Assert.NotEqual(memberId, libraryId);
        Assert.Equal((null, null, null), (Claim(atLibrary, "maskedName"), Claim(atLibrary, "ageBand"), Claim(atLibrary, "eidVerified")));

        // Another citizen at the same venue: another id.
        await ConsentAsync(john, "library", "masked_name", "age_band");
        var johnAtLibrary = IdentityOf(await EnterAsync(john, Library));
        Assert.NotEqual(libraryId, johnAtLibrary.GetProperty("memberId").GetString());
        // John has no birth year on record: the age band he consented to is simply absent (and the library did not ask for it).
        Assert.Equal(("J*** S****", null), (Claim(johnAtLibrary, "maskedName"), Claim(johnAtLibrary, "ageBand")));
    }

    [Fact]
    public async Task AWithdrawnConsentStopsSharingFromTheNextScanAndANewOneAppliesAtOnce()
    {
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        Assert.Equal("identity_shared", IdentityOf(await EnterAsync(zhang, Clinic)).GetProperty("code").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await zhang.Http.DeleteAsync("/v1/me/consents/clinic")).StatusCode);
        var withdrawn = await EnterAsync(zhang, Clinic);
        Assert.Equal("allow", withdrawn.GetProperty("decision").GetString());
        var identity = IdentityOf(withdrawn);
        Assert.Equal("consent_missing", identity.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, identity.GetProperty("memberId").ValueKind);
        Assert.Equal(JsonValueKind.Null, identity.GetProperty("claims").ValueKind);
        // Withdrawing again changes nothing.
        Assert.Equal(HttpStatusCode.NoContent, (await zhang.Http.DeleteAsync("/v1/me/consents/clinic")).StatusCode);

        await ConsentAsync(zhang, "clinic", "eid_verified");
        var granted = IdentityOf(await EnterAsync(zhang, Clinic));
        Assert.Equal((null, null, "True"), (Claim(granted, "maskedName"), Claim(granted, "ageBand"), Claim(granted, "eidVerified")));

        var consents = await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/consents");
        var clinic = consents.GetProperty("consents").EnumerateArray().Single();
        Assert.Equal(("clinic", "eid_verified"), (clinic.GetProperty("venueKind").GetString(), string.Join(",", clinic.GetProperty("claims").EnumerateArray().Select(c => c.GetString()))));
        // The clinic asks, with the claims it asks for.
        var asking = consents.GetProperty("asking").EnumerateArray().Single();
        Assert.Equal("clinic", asking.GetProperty("venueKind").GetString());
        Assert.Equal(["masked_name", "age_band", "eid_verified"], asking.GetProperty("claims").EnumerateArray().Select(c => c.GetString()));
        // The citizen's own changes, newest first: granted, withdrawn (once: the second withdrawal changed nothing), the demo's grant.
        Assert.Equal(["eid_verified", null, "masked_name,age_band"], consents.GetProperty("history").EnumerateArray()
            .Select(h => h.GetProperty("claims") is { ValueKind: JsonValueKind.Array } c ? string.Join(",", c.EnumerateArray().Select(x => x.GetString())) : null));
    }

    [Fact]
    public async Task ADenialAnExitAndAVenueThatDoesNotIdentifyShareNothing()
    {
        // John consents for clinics, but has no social-security card: the clinic denies him, and tells nothing.
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        await ConsentAsync(john, "clinic", "masked_name", "age_band", "eid_verified");
        var (decision, code, denied) = await App.Gate(Clinic).DecideAsync(await john.PassTextAsync());
        Assert.Equal(("deny", "credential_missing"), (decision, code));
        Assert.False(denied.TryGetProperty("identity", out _), denied.ToString());

        // The theatre does not identify: its answer has no identity at all, whatever the citizen consented.
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        await ConsentAsync(zhang, "theatre", "masked_name");
        var (theatreDecision, _, theatre) = await App.Gate("上海大剧院").DecideAsync(await zhang.PassTextAsync());
        Assert.Equal("allow", theatreDecision);
        Assert.False(theatre.TryGetProperty("identity", out _), theatre.ToString());
        Assert.Empty((await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/disclosures")).EnumerateArray());
        Assert.Empty((await john.Http.GetFromJsonAsync<JsonElement>("/v1/me/disclosures")).EnumerateArray());
    }

    [Fact]
    public async Task TheDisclosureLogListsWhatWasSharedAndOnlyTheVenuesOwnStaffReadIts()
    {
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var (clinicStaff, admin, libraryStaff, authority) = (await App.StaffAsync("clinic"), await App.StaffAsync("admin"), await App.StaffAsync("library"), await App.StaffAsync("authority"));
        var shared = IdentityOf(await EnterAsync(zhang, Clinic));
        var memberId = shared.GetProperty("memberId").GetString();

        var mine = (await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/disclosures")).EnumerateArray().Single();
        Assert.StartsWith(Clinic, mine.GetProperty("venueName").GetString(), StringComparison.Ordinal);
        Assert.Equal(("clinic", memberId), (mine.GetProperty("venueKind").GetString(), mine.GetProperty("memberId").GetString()));
        Assert.Equal(["masked_name", "age_band"], mine.GetProperty("claims").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(("张*三", ExpectedBand(1988)), (mine.GetProperty("shared").GetProperty("maskedName").GetString(), mine.GetProperty("shared").GetProperty("ageBand").GetString()));

        var clinicId = await App.VenueIdAsync(Clinic);
        var url = $"/v1/venues/{clinicId}/disclosures";
        var response = await clinicStaff.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entry = JsonDocument.Parse(text).RootElement.EnumerateArray().Single();
        Assert.Equal(memberId, entry.GetProperty("memberId").GetString());
        Assert.False(entry.TryGetProperty("citizenId", out _));
        Assert.DoesNotContain(await App.CitizenIdAsync(Phones.ZhangGreen), text, StringComparison.OrdinalIgnoreCase);
        Assert.Single((await admin.GetFromJsonAsync<JsonElement>(url)).EnumerateArray());

        // Another venue's operator, the authority (it does not run venues) and a citizen do not read it.
        Assert.Equal(HttpStatusCode.NotFound, (await libraryStaff.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await authority.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await zhang.Http.GetAsync(url)).StatusCode);
        // Staff do not read a citizen's routes.
        Assert.Equal(HttpStatusCode.Forbidden, (await clinicStaff.GetAsync("/v1/me/disclosures")).StatusCode);
    }

    [Fact]
    public async Task TheConsoleShowsAVenuesDisclosureLogToItsOwnStaffOnly()
    {
        var (clinicConsole, libraryConsole, authorityConsole) = (await App.ConsoleAsync("clinic"), await App.ConsoleAsync("library"), await App.ConsoleAsync("authority"));
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var memberId = IdentityOf(await EnterAsync(zhang, Clinic)).GetProperty("memberId").GetString()!;
        var clinicId = await App.VenueIdAsync(Clinic);
        var url = $"/admin/venues/{clinicId}/disclosures";

        var page = await clinicConsole.Http.GetStringAsync(url);
        Assert.Contains(memberId, page, StringComparison.Ordinal);
        Assert.Contains(ExpectedBand(1988), page, StringComparison.Ordinal);
        Assert.DoesNotContain(await App.CitizenIdAsync(Phones.ZhangGreen), page, StringComparison.OrdinalIgnoreCase);
        // The venue's tabs lead there for its staff; the authority, which does not run venues, has neither the tab nor the page.
        Assert.Contains(url, await clinicConsole.Http.GetStringAsync($"/admin/venues/{clinicId}/gates"), StringComparison.Ordinal);
        Assert.DoesNotContain(url, await authorityConsole.Http.GetStringAsync($"/admin/venues/{clinicId}/gates"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await authorityConsole.Http.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await libraryConsole.Http.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task BadInputAnswersValidationFailedNamingTheField()
    {
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        async Task<string> FieldAsync(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            return string.Join(",", problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        }
        Assert.Equal("claims", await FieldAsync(await zhang.Http.PutAsJsonAsync("/v1/me/consents/library", new { claims = new[] { "shoe_size" } })));
        Assert.Equal("claims", await FieldAsync(await zhang.Http.PutAsJsonAsync("/v1/me/consents/library", new { })));
        Assert.Equal("claims", await FieldAsync(await zhang.Http.PutAsJsonAsync("/v1/me/consents/library", new { claims = Enumerable.Repeat("age_band", 9) })));
        Assert.Equal("venueKind", await FieldAsync(await zhang.Http.PutAsJsonAsync($"/v1/me/consents/{new string('k', 51)}", new { claims = Array.Empty<string>() })));
        Assert.Equal("venueKind", await FieldAsync(await zhang.Http.DeleteAsync($"/v1/me/consents/{new string('k', 51)}")));
        Assert.Equal("limit", await FieldAsync(await zhang.Http.GetAsync("/v1/me/disclosures?limit=0")));
        Assert.Equal("limit", await FieldAsync(await zhang.Http.GetAsync("/v1/me/disclosures?limit=201")));

        var library = await App.StaffAsync("library");
        var policy = $"/v1/venues/{await App.VenueIdAsync(Library)}/policy";
        Assert.Equal("identifyClaims", await FieldAsync(await library.PutAsJsonAsync(policy, new { identifyClaims = new[] { "masked_name" } })));
        Assert.Equal("identifyClaims", await FieldAsync(await library.PutAsJsonAsync(policy, new { identify = true, identifyClaims = new[] { "phone" } })));
        Assert.Equal("limit", await FieldAsync(await library.GetAsync($"/v1/venues/{await App.VenueIdAsync(Library)}/disclosures?limit=500")));
        // Nothing was stored.
        Assert.Equal("clinic", (await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/consents")).GetProperty("consents").EnumerateArray().Single().GetProperty("venueKind").GetString());
        Assert.False((await library.GetFromJsonAsync<JsonElement>($"/v1/venues/{await App.VenueIdAsync(Library)}")).GetProperty("policy").GetProperty("identify").GetBoolean());
    }

    [Fact]
    public async Task DisclosuresAndConsentChangesArePurgedAfterTheRetentionPeriodButConsentsStay()
    {
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        IdentityOf(await EnterAsync(zhang, Clinic));
        App.Clock.Advance(TimeSpan.FromDays(179));
        Assert.Single((await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/disclosures")).EnumerateArray());
        // 180 days after it: the worker's next hourly run purges it.
        App.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(2));
        var left = await EventuallyAsync(() => zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/disclosures"), d => d.GetArrayLength() == 0);
        Assert.Equal(0, left.GetArrayLength());
        var consents = await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/consents");
        Assert.Single(consents.GetProperty("consents").EnumerateArray());
        Assert.Empty(consents.GetProperty("history").EnumerateArray());
    }
}

public sealed class EmbeddedIdentifyTests() : IdentifyTests(StoreMode.Embedded);

/// <summary>The same on real Redis and PostgreSQL; and what happens when the disclosure log cannot be written.</summary>
public sealed class RedisPostgresIdentifyTests() : IdentifyTests(StoreMode.RedisAndPostgres)
{
    [Fact]
    public async Task WhenTheDisclosureCannotBeLoggedTheEntryStandsAndNothingIsShared()
    {
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var dataSource = App.Get<NpgsqlDataSource>();
        await using (var hide = dataSource.CreateCommand("ALTER TABLE identity_disclosures RENAME TO identity_disclosures_away")) await hide.ExecuteNonQueryAsync();
        try
        {
            var (decision, code, body) = await App.Gate("瑞金医院").DecideAsync(await zhang.PassTextAsync());
            Assert.Equal(("allow", "allowed"), (decision, code));
            var identity = body.GetProperty("identity");
            Assert.Equal("identity_unavailable", identity.GetProperty("code").GetString());
            Assert.Equal(JsonValueKind.Null, identity.GetProperty("memberId").ValueKind);
            Assert.Equal(JsonValueKind.Null, identity.GetProperty("claims").ValueKind);
        }
        finally
        {
            await using var back = dataSource.CreateCommand("ALTER TABLE identity_disclosures_away RENAME TO identity_disclosures");
            await back.ExecuteNonQueryAsync();
        }
        Assert.Empty((await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/disclosures")).EnumerateArray());
    }
}
