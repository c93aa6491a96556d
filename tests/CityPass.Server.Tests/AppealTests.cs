using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// The citizen's view of their status history and appeals (issue 16), through the HTTP API and the console. Most
/// tests try to get around a rule: appeal green, appeal twice, decide twice, decide a stale appeal, reach someone
/// else's appeals, decide as a venue operator, learn a member of staff's name.
/// </summary>
public abstract class AppealTests(StoreMode mode) : AppTest(mode)
{
    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri} answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Turns a citizen to <paramref name="colour"/> under a new open health case, as the authority; answers the case id.</summary>
    private async Task<string> TurnAsync(string phone, string colour, string reason = "Positive PCR test", string? caseId = null)
    {
        caseId ??= await App.OpenCaseAsync();
        var authority = await App.StaffAsync("authority");
        (await authority.PutAsJsonAsync($"/v1/citizens/{await App.CitizenIdAsync(phone)}/status", new { colour, reason, caseRef = caseId })).EnsureSuccessStatusCode();
        return caseId;
    }

    private static async Task<JsonElement> AppealAsync(CitizenClient citizen, string reason = "I was tested negative twice since") =>
        await JsonOf(await citizen.Http.PostAsJsonAsync("/v1/me/appeals", new { reason }));

    private static async Task<HttpResponseMessage> DecideAsync(HttpClient staff, string appealId, string decision, string reason = "Two negative PCR tests on file", string? colour = null) =>
        await staff.PostAsJsonAsync($"/v1/appeals/{appealId}/decision", new { decision, reason, colour });

    [Fact]
    public async Task ACitizenTurnedRedSeesTheHistoryWithTheCaseAndTheRoleButNoName()
    {
        var caseId = await TurnAsync(Phones.JohnGreen, "red");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);

        var response = await john.Http.GetAsync("/v1/me/status-history");
        var text = await response.Content.ReadAsStringAsync();
        var history = (await JsonOf(response)).EnumerateArray().ToList();

        // Newest first: the red under the case, by the health authority; then the initial green, set by no one.
        Assert.Equal(("red", 2u, "Positive PCR test", caseId, "HealthAuthority"),
            (history[0].GetProperty("colour").GetString(), history[0].GetProperty("version").GetUInt32(), history[0].GetProperty("reason").GetString(),
             history[0].GetProperty("caseRef").GetString(), history[0].GetProperty("changedByRole").GetString()));
        Assert.Equal(("green", 1u, JsonValueKind.Null, JsonValueKind.Null),
            (history[1].GetProperty("colour").GetString(), history[1].GetProperty("version").GetUInt32(), history[1].GetProperty("caseRef").ValueKind, history[1].GetProperty("changedByRole").ValueKind));
        // Neither the username nor the display name of the member of staff who did it.
        Assert.DoesNotContain("authority", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Health Authority", text, StringComparison.Ordinal);

        // Staff read the same rows oldest first; a city admin's change records that role.
        var admin = await App.StaffAsync("admin");
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        (await admin.PutAsJsonAsync($"/v1/citizens/{johnId}/status", new { colour = "green", reason = "Recovered", caseRef = caseId })).EnsureSuccessStatusCode();
        var staffView = (await admin.GetFromJsonAsync<JsonElement[]>($"/v1/citizens/{johnId}/status-history"))!;
        Assert.Equal([1u, 2u, 3u], staffView.Select(h => h.GetProperty("version").GetUInt32()));
        Assert.Equal("CityAdmin", staffView[2].GetProperty("changedByRole").GetString());
    }

    [Fact]
    public async Task ACitizenAppealsTheAuthorityUpholdsItAndTheCitizenSeesTheOutcomeAndEverythingIsAudited()
    {
        var caseId = await TurnAsync(Phones.JohnGreen, "red");
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var authority = await App.StaffAsync("authority");
        var head = await App.AuditHeadAsync();

        var opened = await AppealAsync(john, "  The test was someone else's: wrong barcode  ");
        var id = opened.GetProperty("id").GetString()!;
        Assert.Equal(("open", "red", 2u, caseId, "The test was someone else's: wrong barcode"),
            (opened.GetProperty("state").GetString(), opened.GetProperty("colour").GetString(), opened.GetProperty("statusVersion").GetUInt32(),
             opened.GetProperty("caseRef").GetString(), opened.GetProperty("reason").GetString()));

        // The queue shows it with the citizen's current status and the case.
        var queue = await authority.GetFromJsonAsync<JsonElement>("/v1/appeals?state=open");
        var queued = queue.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("id").GetString() == id);
        Assert.Equal((johnId, "red", caseId, "J*** S****"),
            (queued.GetProperty("citizenId").GetString(), queued.GetProperty("currentStatus").GetProperty("colour").GetString(), queued.GetProperty("caseRef").GetString(),
             queued.GetProperty("maskedName").GetString()));

        var decided = await JsonOf(await DecideAsync(authority, id, "uphold", "Barcode mix-up confirmed by the lab"));
        Assert.Equal(("upheld", "green", "authority"), (decided.GetProperty("state").GetString(), decided.GetProperty("outcomeColour").GetString(), decided.GetProperty("decidedBy").GetString()));

        // The citizen's pass is green, and the page's list says upheld, by which role, why: no name.
        Assert.Equal("green", (await john.PassAsync()).GetProperty("status").GetProperty("colour").GetString());
        var mineResponse = await john.Http.GetAsync("/v1/me/appeals");
        var mineText = await mineResponse.Content.ReadAsStringAsync();
        var mine = (await JsonOf(mineResponse)).GetProperty("items")[0];
        Assert.Equal((id, "upheld", "green", "HealthAuthority", "Barcode mix-up confirmed by the lab"),
            (mine.GetProperty("id").GetString(), mine.GetProperty("state").GetString(), mine.GetProperty("outcomeColour").GetString(),
             mine.GetProperty("decidedByRole").GetString(), mine.GetProperty("decisionReason").GetString()));
        Assert.False(mine.TryGetProperty("decidedBy", out _));
        Assert.DoesNotContain("authority", mineText, StringComparison.Ordinal);
        var history = (await john.Http.GetFromJsonAsync<JsonElement[]>("/v1/me/status-history"))!;
        Assert.Equal(("green", "Appeal upheld: Barcode mix-up confirmed by the lab", caseId, "HealthAuthority"),
            (history[0].GetProperty("colour").GetString(), history[0].GetProperty("reason").GetString(), history[0].GetProperty("caseRef").GetString(),
             history[0].GetProperty("changedByRole").GetString()));
        Assert.Empty((await authority.GetFromJsonAsync<JsonElement>("/v1/appeals")).GetProperty("items").EnumerateArray());
        Assert.Equal(id, (await authority.GetFromJsonAsync<JsonElement>("/v1/appeals?state=decided")).GetProperty("items")[0].GetProperty("id").GetString());

        var entries = await App.AuditSinceAsync(head);
        Assert.Equal(["appeal.open", "citizen.status.change", "appeal.decide"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(($"citizen:{johnId}", caseId), (e.Subject, e.CaseRef)));
        Assert.Equal(($"citizen:{johnId}", "red v2", "The test was someone else's: wrong barcode"), (entries[0].Actor, entries[0].Before, entries[0].Reason));
        Assert.Equal(("authority", $"appeal {id} upheld: green", "Barcode mix-up confirmed by the lab"), (entries[2].Actor, entries[2].After, entries[2].Reason));
    }

    [Fact]
    public async Task GreenIsNotAppealableAndNothingIsRecorded()
    {
        var zhang = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var head = await App.AuditHeadAsync();

        var response = await zhang.Http.PostAsJsonAsync("/v1/me/appeals", new { reason = "I just want to" });

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "appeal_status_green"), (response.StatusCode, await CodeOf(response)));
        Assert.Equal(head, await App.AuditHeadAsync());
        Assert.Empty((await zhang.Http.GetFromJsonAsync<JsonElement>("/v1/me/appeals")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task OneOpenAppealAtATimeAndARejectedStatusIsNotAppealedAgainUntilItChanges()
    {
        var caseId = await TurnAsync(Phones.JohnGreen, "red");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var first = (await AppealAsync(john)).GetProperty("id").GetString()!;

        var second = await john.Http.PostAsJsonAsync("/v1/me/appeals", new { reason = "Again, louder" });
        Assert.Equal((HttpStatusCode.Conflict, "appeal_already_open"), (second.StatusCode, await CodeOf(second)));
        // Ten at once still open none more.
        var burst = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => john.Http.PostAsJsonAsync("/v1/me/appeals", new { reason = $"Again {i}" })));
        Assert.All(burst, r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));

        var authority = await App.StaffAsync("authority");
        var rejected = await JsonOf(await DecideAsync(authority, first, "reject", "The positive test is confirmed"));
        Assert.Equal(("rejected", JsonValueKind.Null), (rejected.GetProperty("state").GetString(), rejected.GetProperty("outcomeColour").ValueKind));
        Assert.Equal("red", (await john.PassAsync()).GetProperty("status").GetProperty("colour").GetString());

        var afterRejection = await john.Http.PostAsJsonAsync("/v1/me/appeals", new { reason = "Please look again" });
        Assert.Equal((HttpStatusCode.Conflict, "appeal_status_already_appealed"), (afterRejection.StatusCode, await CodeOf(afterRejection)));

        // A new status (yellow now) may be appealed.
        await TurnAsync(Phones.JohnGreen, "yellow", "Close contact", caseId);
        Assert.Equal(("open", "yellow", 3u), ((await AppealAsync(john)) is var a ? (a.GetProperty("state").GetString(), a.GetProperty("colour").GetString(), a.GetProperty("statusVersion").GetUInt32()) : default));
        Assert.Equal(2, (await john.Http.GetFromJsonAsync<JsonElement>("/v1/me/appeals")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task DecidingTwiceIsAConflictAndTheFirstDecisionStands()
    {
        await TurnAsync(Phones.JohnGreen, "red");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var id = (await AppealAsync(john)).GetProperty("id").GetString()!;
        var authority = await App.StaffAsync("authority");
        var admin = await App.StaffAsync("admin");
        (await DecideAsync(authority, id, "reject", "Confirmed positive")).EnsureSuccessStatusCode();
        var head = await App.AuditHeadAsync();

        var again = await DecideAsync(admin, id, "uphold", "I disagree with my colleague");

        Assert.Equal((HttpStatusCode.Conflict, "appeal_already_decided"), (again.StatusCode, await CodeOf(again)));
        Assert.Equal(head, await App.AuditHeadAsync());
        Assert.Equal("red", (await john.PassAsync()).GetProperty("status").GetProperty("colour").GetString());
        var stored = await authority.GetFromJsonAsync<JsonElement>($"/v1/appeals/{id}");
        Assert.Equal(("rejected", "authority"), (stored.GetProperty("state").GetString(), stored.GetProperty("decidedBy").GetString()));
    }

    [Fact]
    public async Task AnAppealWhoseStatusChangedSinceIsSupersededNotDecided()
    {
        var caseId = await TurnAsync(Phones.JohnGreen, "red");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var id = (await AppealAsync(john)).GetProperty("id").GetString()!;
        await TurnAsync(Phones.JohnGreen, "yellow", "Downgraded: close contact only", caseId);
        var authority = await App.StaffAsync("authority");
        Assert.True((await authority.GetFromJsonAsync<JsonElement>($"/v1/appeals/{id}")).GetProperty("statusChangedSince").GetBoolean());
        Assert.True((await john.Http.GetFromJsonAsync<JsonElement>("/v1/me/appeals")).GetProperty("items")[0].GetProperty("statusChangedSince").GetBoolean());
        var head = await App.AuditHeadAsync();

        // Upholding it would turn a yellow the appeal never saw to green.
        var response = await DecideAsync(authority, id, "uphold", "Cleared");

        Assert.Equal((HttpStatusCode.Conflict, "appeal_superseded"), (response.StatusCode, await CodeOf(response)));
        Assert.Equal("yellow", (await john.PassAsync()).GetProperty("status").GetProperty("colour").GetString());
        var mine = (await john.Http.GetFromJsonAsync<JsonElement>("/v1/me/appeals")).GetProperty("items")[0];
        Assert.Equal(("superseded", "system"), (mine.GetProperty("state").GetString(), mine.GetProperty("decidedByRole").GetString()));
        var entry = Assert.Single(await App.AuditSinceAsync(head));
        Assert.Equal(("appeal.supersede", "authority", $"citizen:{johnId}", caseId), (entry.Action, entry.Actor, entry.Subject, entry.CaseRef));

        // The citizen appeals the yellow; an open appeal on an older status would have made way for it the same way.
        Assert.Equal("yellow", (await AppealAsync(john)).GetProperty("colour").GetString());
    }

    [Fact]
    public async Task ANewAppealOnAChangedStatusSupersedesTheOpenOne()
    {
        var caseId = await TurnAsync(Phones.JohnGreen, "red");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var first = (await AppealAsync(john)).GetProperty("id").GetString()!;
        await TurnAsync(Phones.JohnGreen, "yellow", "Close contact", caseId);
        App.Clock.Advance(TimeSpan.FromSeconds(1)); // within the sign-in token's clock skew

        var second = (await AppealAsync(john, "Not even a contact")).GetProperty("id").GetString()!;

        var mine = (await john.Http.GetFromJsonAsync<JsonElement>("/v1/me/appeals")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([(second, "open"), (first, "superseded")], mine.Select(a => (a.GetProperty("id").GetString(), a.GetProperty("state").GetString())));
        var queue = (await (await App.StaffAsync("authority")).GetFromJsonAsync<JsonElement>("/v1/appeals")).GetProperty("items");
        Assert.Equal([second], queue.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task UpholdingMovesOnlyToAMilderColourAndYellowStillNeedsAnOpenHealthCase()
    {
        var caseId = await TurnAsync(Phones.JohnGreen, "red");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var id = (await AppealAsync(john)).GetProperty("id").GetString()!;
        var authority = await App.StaffAsync("authority");
        var head = await App.AuditHeadAsync();

        var red = await DecideAsync(authority, id, "uphold", "Upheld but still red", colour: "red");
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (red.StatusCode, await CodeOf(red)));
        // Yellow under a case closed since: the status rule refuses, the appeal stays open, nothing is recorded.
        await App.CloseCaseAsync(caseId);
        head = await App.AuditHeadAsync();
        var yellow = await DecideAsync(authority, id, "uphold", "Contact only, not infected", colour: "yellow");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "case_closed"), (yellow.StatusCode, await CodeOf(yellow)));
        Assert.Equal(head, await App.AuditHeadAsync());
        Assert.Equal("open", (await authority.GetFromJsonAsync<JsonElement>($"/v1/appeals/{id}")).GetProperty("state").GetString());

        // Under an open case it goes through.
        var newCase = await App.OpenCaseAsync("close_contact_investigation");
        var done = await JsonOf(await authority.PostAsJsonAsync($"/v1/appeals/{id}/decision", new { decision = "uphold", reason = "Contact only", colour = "yellow", caseRef = newCase }));
        Assert.Equal(("upheld", "yellow"), (done.GetProperty("state").GetString(), done.GetProperty("outcomeColour").GetString()));
        Assert.Equal("yellow", (await john.PassAsync()).GetProperty("status").GetProperty("colour").GetString());
    }

    [Fact]
    public async Task ReasonsAreRequiredAndBoundedAndADecisionIsUpholdOrReject()
    {
        await TurnAsync(Phones.JohnGreen, "red");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var head = await App.AuditHeadAsync();
        foreach (var reason in new[] { "", "   ", new string('r', 501), "line\nbreak", "right\u202Eleft" })
        {
            var response = await john.Http.PostAsJsonAsync("/v1/me/appeals", new { reason });
            Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (response.StatusCode, await CodeOf(response)));
        }
        Assert.Equal(head, await App.AuditHeadAsync());
        var id = (await AppealAsync(john, new string('r', 500))).GetProperty("id").GetString()!;

        var authority = await App.StaffAsync("authority");
        head = await App.AuditHeadAsync();
        foreach (var (decision, reason, field) in new[] { ("uphold", "", "reason"), ("reject", new string('x', 481), "reason"), ("approve", "fine", "decision"), ("reject", "bell\u0007", "reason") })
        {
            var response = await DecideAsync(authority, id, decision, reason);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), $"no error on {field}");
        }
        Assert.Equal(head, await App.AuditHeadAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await DecideAsync(authority, Guid.NewGuid().ToString(), "reject")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await DecideAsync(authority, "not-an-id", "reject")).StatusCode);
    }

    [Fact]
    public async Task ACitizenTokenReachesOnlyItsOwnAppealsAndHistory()
    {
        await TurnAsync(Phones.JohnGreen, "red");
        await TurnAsync(Phones.WangRed, "red");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var wang = await App.SignInCitizenAsync(Phones.WangRed);
        var johnsAppeal = (await AppealAsync(john)).GetProperty("id").GetString()!;
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);

        // Wang sees only Wang's (none), and cannot reach the staff routes that name a citizen or an appeal.
        Assert.Empty((await wang.Http.GetFromJsonAsync<JsonElement>("/v1/me/appeals")).GetProperty("items").EnumerateArray());
        foreach (var response in new[]
                 {
                     await wang.Http.GetAsync("/v1/appeals"),
                     await wang.Http.GetAsync($"/v1/appeals/{johnsAppeal}"),
                     await wang.Http.PostAsJsonAsync($"/v1/appeals/{johnsAppeal}/decision", new { decision = "reject", reason = "ha" }),
                     await wang.Http.GetAsync($"/v1/citizens/{johnId}/status-history"),
                 })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        // Naming someone else in the body changes nothing: the route takes the citizen from the token.
        var sneaky = await wang.Http.PostAsJsonAsync("/v1/me/appeals", new { reason = "on behalf of John", citizenId = johnId });
        Assert.Equal(HttpStatusCode.Created, sneaky.StatusCode);
        Assert.Equal(1, (await john.Http.GetFromJsonAsync<JsonElement>("/v1/me/appeals")).GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().GetAsync("/v1/me/appeals")).StatusCode);
        // A staff token is not a citizen's.
        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.StaffAsync("authority")).GetAsync("/v1/me/status-history")).StatusCode);
    }

    [Fact]
    public async Task AVenueOperatorCanNeitherSeeNorDecideAppeals()
    {
        await TurnAsync(Phones.JohnGreen, "red");
        var id = (await AppealAsync(await App.SignInCitizenAsync(Phones.JohnGreen))).GetProperty("id").GetString()!;
        var library = await App.StaffAsync("library");
        var head = await App.AuditHeadAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await library.GetAsync("/v1/appeals")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await library.GetAsync($"/v1/appeals/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await DecideAsync(library, id, "uphold")).StatusCode);
        Assert.Equal(head, await App.AuditHeadAsync());

        var console = await App.ConsoleAsync("library");
        var page = await console.Http.GetAsync("/admin/appeals");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/admin/denied", page.Headers.Location!.OriginalString, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("open", (await (await App.StaffAsync("authority")).GetFromJsonAsync<JsonElement>($"/v1/appeals/{id}")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task TheConsoleQueueListsOpenAppealsOldestFirstAndDecidesThem()
    {
        await TurnAsync(Phones.JohnGreen, "red");
        await TurnAsync(Phones.ZhangGreen, "yellow", "Close contact");
        // Both sign in first: sign-in tokens are checked against the real clock, not the test's.
        var (john, zhang) = (await App.SignInCitizenAsync(Phones.JohnGreen), await App.SignInCitizenAsync(Phones.ZhangGreen));
        var first = (await AppealAsync(john, "Wrong barcode at the lab")).GetProperty("id").GetString()!;
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = (await AppealAsync(zhang, "I was abroad that week")).GetProperty("id").GetString()!;
        var console = await App.ConsoleAsync("authority");

        var page = await console.Http.GetStringAsync("/admin/appeals");
        Assert.True(page.IndexOf(first, StringComparison.Ordinal) < page.IndexOf(second, StringComparison.Ordinal), "oldest first");
        Assert.Contains("Wrong barcode at the lab", page, StringComparison.Ordinal);
        Assert.Contains("I was abroad that week", page, StringComparison.Ordinal);

        var empty = await console.PostFormAsync("/admin/appeals", "Decide", ("appealId", second), ("decision", "reject"), ("reason", ""));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        var decided = await console.PostFormAsync("/admin/appeals", "Decide", ("appealId", second), ("decision", "reject"), ("reason", "Border records show otherwise"));
        Assert.Equal(HttpStatusCode.Redirect, decided.StatusCode);
        var again = await console.PostFormAsync("/admin/appeals", "Decide", ("appealId", second), ("decision", "uphold"), ("reason", "Changed my mind"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("no longer open", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var decidedPage = await console.Http.GetStringAsync("/admin/appeals?state=decided");
        Assert.Contains("Border records show otherwise", decidedPage, StringComparison.Ordinal);
        Assert.DoesNotContain(first, decidedPage, StringComparison.Ordinal);
    }
}

public sealed class EmbeddedAppealTests() : AppealTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresAppealTests() : AppealTests(StoreMode.RedisAndPostgres);

/// <summary>An uphold whose status change the anomaly guard holds for a second approver decides nothing.</summary>
public abstract class AppealHeldTests(StoreMode mode) : AppTest(mode)
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["StatusDrafts:ChangesPerHourBeforeHold"] = "1" };

    [Fact]
    public async Task AnUpholdHeldForASecondApproverLeavesTheAppealOpenAndTheStatusAsItWas()
    {
        var caseId = await App.OpenCaseAsync();
        var authority = await App.StaffAsync("authority");
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        (await authority.PutAsJsonAsync($"/v1/citizens/{johnId}/status", new { colour = "red", reason = "Positive PCR test", caseRef = caseId })).EnsureSuccessStatusCode();
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var opened = await john.Http.PostAsJsonAsync("/v1/me/appeals", new { reason = "Wrong barcode" });
        var id = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // The authority's one change this hour is spent: the uphold's change becomes a draft.
        var response = await authority.PostAsJsonAsync($"/v1/appeals/{id}/decision", new { decision = "uphold", reason = "Lab mix-up" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("appeal_change_held", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal("open", (await authority.GetFromJsonAsync<JsonElement>($"/v1/appeals/{id}")).GetProperty("state").GetString());
        Assert.Equal("red", (await john.PassAsync()).GetProperty("status").GetProperty("colour").GetString());
    }
}

public sealed class EmbeddedAppealHeldTests() : AppealHeldTests(StoreMode.Embedded);

public sealed class RedisPostgresAppealHeldTests() : AppealHeldTests(StoreMode.RedisAndPostgres);
