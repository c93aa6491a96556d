using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Server.Audit;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// Cases through the HTTP API and the console, and the rule they exist for: a yellow or red status needs an open
/// case of a health type. Most tests here try to get around it, by every path staff can change a status.
/// </summary>
public abstract class CaseTests(StoreMode mode) : AppTest(mode)
{
    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();

    private async Task<string> ColourOfAsync(HttpClient staff, string phone) =>
        (await staff.GetFromJsonAsync<JsonElement>($"/v1/citizens/{await App.CitizenIdAsync(phone)}")).GetProperty("status").GetProperty("colour").GetString()!;

    [Fact]
    public async Task TheAuthorityOpensReadsListsChangesAndClosesACaseAndEveryChangeIsAudited()
    {
        var authority = await App.StaffAsync("authority");
        var head = await App.AuditHeadAsync();

        var created = await authority.PostAsJsonAsync("/v1/cases", new { type = "close_contact_investigation", legalBasis = " 传染病防治法 art. 39 ", notes = "Ward 3\r\nRuijin" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var opened = (await created.Content.ReadFromJsonAsync<JsonElement>())!;
        var id = opened.GetProperty("id").GetString()!;
        Assert.Matches(@"^C-\d{4}-\d{6}$", id);
        Assert.Equal($"/v1/cases/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal(("close_contact_investigation", true, "传染病防治法 art. 39", "authority", "Ward 3\nRuijin", "open"),
            (opened.GetProperty("type").GetString(), opened.GetProperty("health").GetBoolean(), opened.GetProperty("legalBasis").GetString(),
             opened.GetProperty("owner").GetString(), opened.GetProperty("notes").GetString(), opened.GetProperty("state").GetString()));

        // Case ids are read out and typed: any case spelling finds the case.
        Assert.Equal(id, (await authority.GetFromJsonAsync<JsonElement>($"/v1/cases/{id.ToLowerInvariant()}")).GetProperty("id").GetString());
        Assert.Contains(id, (await authority.GetFromJsonAsync<JsonElement>("/v1/cases")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()));

        var updated = await authority.PatchAsJsonAsync($"/v1/cases/{id}", new { legalBasis = "沪卫(2026)12号", owner = "admin" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var after = (await updated.Content.ReadFromJsonAsync<JsonElement>())!;
        Assert.Equal(("沪卫(2026)12号", "admin", "Ward 3\nRuijin"), (after.GetProperty("legalBasis").GetString(), after.GetProperty("owner").GetString(), after.GetProperty("notes").GetString()));

        var closed = await authority.PostAsJsonAsync($"/v1/cases/{id}/close", new { reason = "No new cases in 14 days" });
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        var closedCase = (await closed.Content.ReadFromJsonAsync<JsonElement>())!;
        Assert.Equal(("closed", "authority", "No new cases in 14 days"),
            (closedCase.GetProperty("state").GetString(), closedCase.GetProperty("closedBy").GetString(), closedCase.GetProperty("closeReason").GetString()));

        // Closed is final: no change, no second close, no reopening.
        var changeClosed = await authority.PatchAsJsonAsync($"/v1/cases/{id}", new { notes = "more" });
        Assert.Equal((HttpStatusCode.Conflict, "case_closed"), (changeClosed.StatusCode, await CodeOf(changeClosed)));
        var closeAgain = await authority.PostAsJsonAsync($"/v1/cases/{id}/close", new { reason = "again" });
        Assert.Equal((HttpStatusCode.Conflict, "case_closed"), (closeAgain.StatusCode, await CodeOf(closeAgain)));
        Assert.DoesNotContain(id, (await authority.GetFromJsonAsync<JsonElement>("/v1/cases?state=open")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Contains(id, (await authority.GetFromJsonAsync<JsonElement>("/v1/cases?state=closed")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()));

        var entries = await App.AuditSinceAsync(head);
        Assert.Equal(["case.open", "case.update", "case.close"], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(("authority", $"case:{id}", id), (e.Actor, e.Subject, e.CaseRef)));
        Assert.Contains("owner: admin", entries[1].After, StringComparison.Ordinal);
        Assert.Contains("owner: authority", entries[1].Before, StringComparison.Ordinal);
        Assert.Equal("No new cases in 14 days", entries[2].Reason);
    }

    [Fact]
    public async Task ACityAdminWorksOnCasesTooAndCasesArePagedNewestFirst()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await App.OpenCaseAsync(by: "admin"));
        var admin = await App.StaffAsync("admin");

        var first = await admin.GetFromJsonAsync<JsonElement>("/v1/cases?state=all&limit=2");
        Assert.Equal([ids[2], ids[1]], first.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        var next = first.GetProperty("nextBefore").GetString();
        Assert.Equal(ids[1], next);
        var second = await admin.GetFromJsonAsync<JsonElement>($"/v1/cases?state=all&limit=2&before={next}");
        // Then the first of ours, and the demo's case.
        Assert.Equal(ids[0], second.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Equal("admin", second.GetProperty("items")[0].GetProperty("owner").GetString());

        var bad = await admin.GetAsync("/v1/cases?state=pending");
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (bad.StatusCode, await CodeOf(bad)));
    }

    [Fact]
    public async Task ACaseNeedsAKnownTypeALegalBasisAndAnOwnerWhoWorksOnCases()
    {
        var authority = await App.StaffAsync("authority");
        var head = await App.AuditHeadAsync();

        foreach (var (body, field) in new (object Body, string Field)[]
                 {
                     (new { type = "bank_depositors", legalBasis = "x" }, "type"),
                     (new { type = "confirmed_infection", legalBasis = " " }, "legalBasis"),
                     (new { type = "confirmed_infection", legalBasis = new string('L', 501) }, "legalBasis"),
                     (new { type = "confirmed_infection", legalBasis = "law\u202Ewal" }, "legalBasis"),
                     (new { type = "confirmed_infection", legalBasis = "x", owner = "library" }, "owner"),
                     (new { type = "confirmed_infection", legalBasis = "x", owner = "nobody" }, "owner"),
                     (new { type = "confirmed_infection", legalBasis = "x", notes = new string('n', 4001) }, "notes"),
                     (new { type = "confirmed_infection", legalBasis = "x", notes = "bell\u0007" }, "notes"),
                 })
        {
            var response = await authority.PostAsJsonAsync("/v1/cases", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error on {field}: {problem}");
        }
        Assert.Equal(head, await App.AuditHeadAsync());

        var id = await App.OpenCaseAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await authority.GetAsync("/v1/cases/C-2026-999999")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await authority.GetAsync("/v1/cases/CASE-42")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await authority.PostAsJsonAsync("/v1/cases/C-2026-999999/close", new { reason = "x" })).StatusCode);
        var noReason = await authority.PostAsJsonAsync($"/v1/cases/{id}/close", new { reason = "" });
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (noReason.StatusCode, await CodeOf(noReason)));
    }

    [Fact]
    public async Task AVenueOperatorCanNeitherOpenNorReadNorChangeNorCloseACase()
    {
        var id = await App.OpenCaseAsync();
        var library = await App.StaffAsync("library");
        var head = await App.AuditHeadAsync();

        var responses = new[]
        {
            await library.PostAsJsonAsync("/v1/cases", new { type = "confirmed_infection", legalBasis = "x" }),
            await library.GetAsync("/v1/cases"),
            await library.GetAsync($"/v1/cases/{id}"),
            await library.GetAsync($"/v1/cases/{id}/changes"),
            await library.PatchAsJsonAsync($"/v1/cases/{id}", new { notes = "mine now" }),
            await library.PostAsJsonAsync($"/v1/cases/{id}/close", new { reason = "closed by a venue" }),
        };

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(head, await App.AuditHeadAsync());
        Assert.Equal("open", (await (await App.StaffAsync("authority")).GetFromJsonAsync<JsonElement>($"/v1/cases/{id}")).GetProperty("state").GetString());
        // The console sends it to the access-denied page.
        var console = await App.ConsoleAsync("library");
        foreach (var page in new[] { "/admin/cases", $"/admin/cases/{id}" })
        {
            var response = await console.Http.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/admin/denied", response.Headers.Location!.OriginalString, StringComparison.OrdinalIgnoreCase);
        }
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "red", "unknown" },
        { "red", "made-up" },
        { "red", "closed" },
        { "red", "travel_rule" },
        { "yellow", "unknown" },
        { "yellow", "closed" },
        { "yellow", "travel_rule" },
    };

    private async Task<(string CaseRef, string Code)> CaseForAsync(string kind) => kind switch
    {
        "unknown" => ("C-2026-999999", "case_not_found"),
        "made-up" => ("CASE-42", "case_not_found"),
        "closed" => (await ClosedCaseAsync(), "case_closed"),
        "travel_rule" => (await App.OpenCaseAsync("travel_rule"), "case_not_health"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private async Task<string> ClosedCaseAsync()
    {
        var id = await App.OpenCaseAsync();
        await App.CloseCaseAsync(id);
        return id;
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task AStatusChangeToYellowOrRedWithoutAnOpenHealthCaseIsRefusedAndChangesNothing(string colour, string kind)
    {
        var (caseRef, code) = await CaseForAsync(kind);
        var authority = await App.StaffAsync("authority");
        var zhang = await App.CitizenIdAsync(Phones.ZhangGreen);
        var head = await App.AuditHeadAsync();

        var response = await authority.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour, reason = "depositors' protest", caseRef });

        Assert.Equal((HttpStatusCode.UnprocessableEntity, code), (response.StatusCode, await CodeOf(response)));
        Assert.Equal("green", await ColourOfAsync(authority, Phones.ZhangGreen));
        Assert.Equal(head, await App.AuditHeadAsync());
        Assert.Equal("allowed", (await App.Gate("上海图书馆").DecideAsync(await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync())).Code);
    }

    [Fact]
    public async Task ACityAdminIsHeldToTheSameRule()
    {
        var admin = await App.StaffAsync("admin");
        var response = await admin.PutAsJsonAsync($"/v1/citizens/{await App.CitizenIdAsync(Phones.JohnGreen)}/status",
            new { colour = "red", reason = "travel", caseRef = await App.OpenCaseAsync("travel_rule", by: "admin") });
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "case_not_health"), (response.StatusCode, await CodeOf(response)));
        Assert.Equal("green", await ColourOfAsync(admin, Phones.JohnGreen));
    }

    [Fact]
    public async Task ABulkChangeUnderAClosedCaseChangesNoOneAndSaysWhy()
    {
        var authority = await App.StaffAsync("authority");
        var ids = new[] { await App.CitizenIdAsync(Phones.ZhangGreen), await App.CitizenIdAsync(Phones.JohnGreen) };
        foreach (var kind in new[] { "closed", "travel_rule", "unknown" })
        {
            var (caseRef, code) = await CaseForAsync(kind);
            var head = await App.AuditHeadAsync();

            var response = await authority.PostAsJsonAsync("/v1/status-drafts", new { citizenIds = ids, colour = "red", reason = "Same flight", caseRef });

            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((HttpStatusCode.UnprocessableEntity, code), (response.StatusCode, problem.GetProperty("code").GetString()));
            Assert.Contains(caseRef, problem.GetProperty("title").GetString(), StringComparison.Ordinal);
            Assert.Equal(head, await App.AuditHeadAsync());
            Assert.Equal(("green", "green"), (await ColourOfAsync(authority, Phones.ZhangGreen), await ColourOfAsync(authority, Phones.JohnGreen)));
        }

        // Under an open health case the same list changes.
        var open = await App.OpenCaseAsync("close_contact_investigation");
        var changed = await App.BulkChangeAsync(ids, "yellow", "Same flight", open);
        Assert.Equal(2, changed.GetProperty("results").GetProperty("changed").GetInt32());
    }

    [Fact]
    public async Task TheConsoleStatusFormIsHeldToTheSameRule()
    {
        var console = await App.ConsoleAsync("authority");
        var zhang = await App.CitizenIdAsync(Phones.ZhangGreen);
        var travel = await App.OpenCaseAsync("travel_rule");
        var head = await App.AuditHeadAsync();

        var response = await console.PostFormAsync($"/admin/citizens?q={zhang}", "Change", ("citizenId", zhang), ("colour", "red"), ("reason", "protest"), ("caseRef", travel));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("not a health case", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(head, await App.AuditHeadAsync());
        Assert.Equal("green", await ColourOfAsync(await App.StaffAsync("authority"), Phones.ZhangGreen));

        // The form suggests the open health cases, not the travel rule.
        var page = await (await console.Http.GetAsync($"/admin/citizens?q={zhang}")).Content.ReadAsStringAsync();
        var health = await App.OpenCaseAsync();
        page = await (await console.Http.GetAsync($"/admin/citizens?q={zhang}")).Content.ReadAsStringAsync();
        Assert.Contains($"<option value=\"{health}\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"<option value=\"{travel}\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnImportCannotChangeAStatusWhateverItsRowsSay()
    {
        var authority = await App.StaffAsync("authority");
        var head = await App.AuditHeadAsync();
        // Extra columns and fields an attacker might try: a colour and a case. The import knows neither.
        var csv = await authority.PostAsync("/v1/citizens/import", Csv(
            "externalId,phone,fullName,credentials,colour,status,caseRef\n" +
            "DEMO-1,+8613800000001,张小三,health_record,red,red,CASE-42\n" +
            "BANK-1,+8613711112222,储户一,,red,red,CASE-42\n"));
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var ndjson = await authority.PostAsync("/v1/citizens/import", new StringContent(
            "{\"externalId\":\"BANK-2\",\"phone\":\"+8613711113333\",\"fullName\":\"储户二\",\"colour\":\"red\",\"status\":{\"colour\":\"red\"},\"caseRef\":\"CASE-42\"}\n",
            Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, ndjson.StatusCode);

        Assert.Equal("green", await ColourOfAsync(authority, Phones.ZhangGreen));
        Assert.Equal("green", await ColourOfAsync(authority, "+8613711112222"));
        Assert.Equal("green", await ColourOfAsync(authority, "+8613711113333"));
        // Only the imports' own entries, no status change.
        Assert.All(await App.AuditSinceAsync(head), e => Assert.Equal("citizen.import", e.Action));
    }

    [Fact]
    public async Task AReturnToGreenNeedsAReferenceButNotACaseAndACaseIdIsRecordedAsTheCaseSpellsIt()
    {
        var authority = await App.StaffAsync("authority");
        var li = await App.CitizenIdAsync(Phones.LiYellow);
        var wang = await App.CitizenIdAsync(Phones.WangRed);
        var closed = await ClosedCaseAsync();

        var byTest = await authority.PutAsJsonAsync($"/v1/citizens/{li}/status", new { colour = "green", reason = "Negative PCR on day 7", caseRef = "LAB-2026-77" });
        var underClosedCase = await authority.PutAsJsonAsync($"/v1/citizens/{wang}/status", new { colour = "green", reason = "Recovered", caseRef = closed.ToLowerInvariant() });
        var none = await authority.PutAsJsonAsync($"/v1/citizens/{wang}/status", new { colour = "green", reason = "Recovered", caseRef = "" });

        Assert.Equal(HttpStatusCode.OK, byTest.StatusCode);
        Assert.Equal(HttpStatusCode.OK, underClosedCase.StatusCode);
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), (none.StatusCode, await CodeOf(none)));
        var log = App.Get<IAuditLog>();
        Assert.Equal("LAB-2026-77", (await log.QueryAsync(new AuditQuery(Subject: $"citizen:{li}", Limit: 1), CancellationToken.None))[0].CaseRef);
        Assert.Equal(closed, (await log.QueryAsync(new AuditQuery(Subject: $"citizen:{wang}", Limit: 1), CancellationToken.None))[0].CaseRef);
    }

    [Fact]
    public async Task ACaseListsEveryCitizenItTouchedWhoByWhomAndWhen()
    {
        var id = await App.OpenCaseAsync();
        var authority = await App.StaffAsync("authority");
        var admin = await App.StaffAsync("admin");
        var (zhang, john) = (await App.CitizenIdAsync(Phones.ZhangGreen), await App.CitizenIdAsync(Phones.JohnGreen));
        var other = await App.OpenCaseAsync();

        (await authority.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour = "red", reason = "Positive PCR", caseRef = id.ToLowerInvariant() })).EnsureSuccessStatusCode();
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        (await admin.PutAsJsonAsync($"/v1/citizens/{john}/status", new { colour = "yellow", reason = "Household", caseRef = id })).EnsureSuccessStatusCode();
        (await authority.PutAsJsonAsync($"/v1/citizens/{john}/status", new { colour = "red", reason = "Elsewhere", caseRef = other })).EnsureSuccessStatusCode();
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        (await authority.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour = "green", reason = "Recovered", caseRef = id })).EnsureSuccessStatusCode();

        var changes = await authority.GetFromJsonAsync<JsonElement>($"/v1/cases/{id}/changes");
        var items = changes.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(id, changes.GetProperty("caseId").GetString());
        Assert.Equal(
            [(zhang, "张*三", "red", "green", "authority", "Recovered"), (john, "J*** S****", "green", "yellow", "admin", "Household"), (zhang, "张*三", "green", "red", "authority", "Positive PCR")],
            items.Select(i => (i.GetProperty("citizenId").GetString(), i.GetProperty("maskedName").GetString(), i.GetProperty("from").GetString(),
                i.GetProperty("to").GetString(), i.GetProperty("changedBy").GetString(), i.GetProperty("reason").GetString())));
        Assert.True(items[0].GetProperty("at").GetDateTimeOffset() > items[2].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, changes.GetProperty("nextBefore").ValueKind);

        // Paged by audit sequence.
        var page = await authority.GetFromJsonAsync<JsonElement>($"/v1/cases/{id}/changes?limit=2");
        var before = page.GetProperty("nextBefore").GetInt64();
        var rest = await authority.GetFromJsonAsync<JsonElement>($"/v1/cases/{id}/changes?limit=2&before={before}");
        Assert.Equal("Positive PCR", Assert.Single(rest.GetProperty("items").EnumerateArray()).GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await authority.GetAsync("/v1/cases/C-2026-999999/changes")).StatusCode);

        // The case's page shows the same, and never the full name.
        var console = await App.ConsoleAsync("authority");
        var html = WebUtility.HtmlDecode(await (await console.Http.GetAsync($"/admin/cases/{id}")).Content.ReadAsStringAsync());
        Assert.Contains("张*三", html, StringComparison.Ordinal);
        Assert.Contains("J*** S****", html, StringComparison.Ordinal);
        Assert.Contains("green → red", html.Replace("<span class=\"dot red\" aria-hidden=\"true\"></span> ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("张小三", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Elsewhere", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDemoCitizensStandUnderTheDemoHealthCase()
    {
        var authority = await App.StaffAsync("authority");
        var demo = (await authority.GetFromJsonAsync<JsonElement>("/v1/cases")).GetProperty("items").EnumerateArray()
            .Single(c => c.GetProperty("openedBy").GetString() == "demo-seed");
        Assert.True(demo.GetProperty("health").GetBoolean());
        var changes = await authority.GetFromJsonAsync<JsonElement>($"/v1/cases/{demo.GetProperty("id").GetString()}/changes");
        Assert.Equal(
            [await App.CitizenIdAsync(Phones.WangRed), await App.CitizenIdAsync(Phones.LiYellow)],
            changes.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("citizenId").GetString()));
    }
}

public sealed class EmbeddedCaseTests() : CaseTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresCaseTests() : CaseTests(StoreMode.RedisAndPostgres);
