using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Server.Authority;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// Four eyes on status changes: a bulk change is a draft until a second health authority account approves it, and the
/// anomaly guard turns single changes past its limits into drafts. Each rule with a test that tries to get around it.
/// A second account of the same person is out of scope here: that is for the staff register (docs/security.md).
/// </summary>
public abstract class StatusDraftTests(StoreMode mode) : AppTest(mode)
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["StatusDrafts:ChangesPerHourBeforeHold"] = "4",
        ["StatusDrafts:CitizensPerPersonCase"] = "2",
    };

    /// <summary>From the system of record (not through a sign-in: some tests move the clock past where a new token would be accepted).</summary>
    private async Task<string> ColourAsync(string phone) =>
        (await App.Get<CityPass.Server.Citizens.ICitizenStore>().FindByPhoneAsync(phone, CancellationToken.None))!.Status.Colour.ToWireName();

    private async Task<(HttpClient Drafter, string DraftId, string[] Ids)> DraftAsync(string colour = "yellow", string? caseRef = null, string by = "authority")
    {
        var drafter = await App.StaffAsync(by);
        var ids = new[] { await App.CitizenIdAsync(Phones.ZhangGreen), await App.CitizenIdAsync(Phones.JohnGreen) };
        var response = await drafter.PostAsJsonAsync("/v1/status-drafts",
            new { citizenIds = ids, colour, reason = "Same carriage", caseRef = caseRef ?? await App.OpenCaseAsync("close_contact_investigation") });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var draft = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("pending", 2, 0), (draft.GetProperty("state").GetString(), draft.GetProperty("citizens").GetInt32(), draft.GetProperty("done").GetInt32()));
        return (drafter, draft.GetProperty("id").GetString()!, ids);
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();

    [Fact]
    public async Task ADraftChangesNoOneUntilASecondAccountApprovesIt()
    {
        var (_, draftId, ids) = await DraftAsync();
        Assert.Equal(("green", "green"), (await ColourAsync(Phones.ZhangGreen), await ColourAsync(Phones.JohnGreen)));

        var approver = await App.StaffAsync("epidemiologist");
        var approved = await approver.PostAsync($"/v1/status-drafts/{draftId}/approve", null);
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        Assert.Equal($"/v1/status-drafts/{draftId}", approved.Headers.Location!.OriginalString);
        var done = await CityPassApp.WaitForDraftAsync(approver, draftId);

        Assert.Equal(("approved", "epidemiologist", 2, 2), (done.GetProperty("state").GetString(), done.GetProperty("decidedBy").GetString(),
            done.GetProperty("done").GetInt32(), done.GetProperty("results").GetProperty("changed").GetInt32()));
        Assert.Equal(("yellow", "yellow"), (await ColourAsync(Phones.ZhangGreen), await ColourAsync(Phones.JohnGreen)));
        // Each citizen's change is audited with the draft as its actor; the draft's entries say who drafted and who approved.
        var authority = await App.StaffAsync("authority");
        foreach (var id in ids)
        {
            var entry = (await authority.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=citizen:{id}&limit=1"))[0];
            Assert.Equal(("citizen.status.change", $"status-draft:{draftId}"), (entry.GetProperty("action").GetString(), entry.GetProperty("actor").GetString()));
        }
        var trail = (await authority.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=status-draft:{draftId}")).EnumerateArray()
            .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("actor").GetString())).ToList();
        Assert.Equal([("status.draft.approve", "epidemiologist"), ("status.draft", "authority")], trail);
        Assert.True((await authority.GetFromJsonAsync<JsonElement>("/v1/audit/verify")).GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task TheDrafterCannotApproveTheirOwnDraft()
    {
        var (drafter, draftId, _) = await DraftAsync();
        var response = await drafter.PostAsync($"/v1/status-drafts/{draftId}/approve", null);
        Assert.Equal((HttpStatusCode.Forbidden, StatusDraftCodes.OwnDraft), (response.StatusCode, await CodeAsync(response)));

        // Nor does a city admin approve (they draft and reject); nor a venue operator reach drafts at all.
        var admin = await App.StaffAsync("admin");
        var byAdmin = await admin.PostAsync($"/v1/status-drafts/{draftId}/approve", null);
        Assert.Equal((HttpStatusCode.Forbidden, StatusDraftCodes.ApproverRole), (byAdmin.StatusCode, await CodeAsync(byAdmin)));
        var library = await App.StaffAsync("library");
        Assert.Equal(HttpStatusCode.Forbidden, (await library.PostAsync($"/v1/status-drafts/{draftId}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await library.GetAsync($"/v1/status-drafts/{draftId}")).StatusCode);

        var still = await drafter.GetFromJsonAsync<JsonElement>($"/v1/status-drafts/{draftId}");
        Assert.Equal("pending", still.GetProperty("state").GetString());
        Assert.Equal("green", await ColourAsync(Phones.ZhangGreen));
    }

    [Fact]
    public async Task ADraftIsDecidedOnce()
    {
        var (drafter, draftId, _) = await DraftAsync();
        var approver = await App.StaffAsync("epidemiologist");
        Assert.Equal(HttpStatusCode.Accepted, (await approver.PostAsync($"/v1/status-drafts/{draftId}/approve", null)).StatusCode);
        await CityPassApp.WaitForDraftAsync(approver, draftId);
        var head = await App.AuditHeadAsync();

        var again = await approver.PostAsync($"/v1/status-drafts/{draftId}/approve", null);
        Assert.Equal((HttpStatusCode.Conflict, StatusDraftCodes.Decided), (again.StatusCode, await CodeAsync(again)));
        var reject = await drafter.PostAsJsonAsync($"/v1/status-drafts/{draftId}/reject", new { reason = "Too late" });
        Assert.Equal((HttpStatusCode.Conflict, StatusDraftCodes.Decided), (reject.StatusCode, await CodeAsync(reject)));
        Assert.Equal(head, await App.AuditHeadAsync());
    }

    [Fact]
    public async Task ARejectedDraftNeverRuns()
    {
        var (drafter, draftId, _) = await DraftAsync();
        var noReason = await drafter.PostAsJsonAsync($"/v1/status-drafts/{draftId}/reject", new { reason = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        // The drafter withdraws it.
        var rejected = await drafter.PostAsJsonAsync($"/v1/status-drafts/{draftId}/reject", new { reason = "Wrong carriage" });
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal(("rejected", "Wrong carriage"), ((await rejected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString(),
            (await drafter.GetFromJsonAsync<JsonElement>($"/v1/status-drafts/{draftId}")).GetProperty("decisionReason").GetString()));

        var approve = await (await App.StaffAsync("epidemiologist")).PostAsync($"/v1/status-drafts/{draftId}/approve", null);
        Assert.Equal((HttpStatusCode.Conflict, StatusDraftCodes.Decided), (approve.StatusCode, await CodeAsync(approve)));
        Assert.Equal("green", await ColourAsync(Phones.ZhangGreen));
    }

    [Fact]
    public async Task ADraftExpiresUnapproved()
    {
        var (_, draftId, _) = await DraftAsync();
        // Signed in first: tokens are checked against the real clock, and this one's would begin a day ahead of it.
        var approver = await App.StaffAsync("epidemiologist");
        App.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        var response = await approver.PostAsync($"/v1/status-drafts/{draftId}/approve", null);
        Assert.Equal((HttpStatusCode.Conflict, StatusDraftCodes.Expired), (response.StatusCode, await CodeAsync(response)));
        Assert.Equal("expired", (await approver.GetFromJsonAsync<JsonElement>($"/v1/status-drafts/{draftId}")).GetProperty("state").GetString());
        var expired = await approver.GetFromJsonAsync<JsonElement>("/v1/status-drafts?state=expired");
        Assert.Contains(draftId, expired.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetString()));
        Assert.Empty((await approver.GetFromJsonAsync<JsonElement>("/v1/status-drafts?state=pending")).GetProperty("items").EnumerateArray());
        Assert.Equal("green", await ColourAsync(Phones.ZhangGreen));
    }

    [Fact]
    public async Task ACaseClosedAfterDraftingStopsTheApproval()
    {
        var caseId = await App.OpenCaseAsync("close_contact_investigation");
        var (_, draftId, _) = await DraftAsync(caseRef: caseId);
        await App.CloseCaseAsync(caseId);

        var approver = await App.StaffAsync("epidemiologist");
        var response = await approver.PostAsync($"/v1/status-drafts/{draftId}/approve", null);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "case_closed"), (response.StatusCode, await CodeAsync(response)));
        Assert.Equal("pending", (await approver.GetFromJsonAsync<JsonElement>($"/v1/status-drafts/{draftId}")).GetProperty("state").GetString());
        Assert.Equal("green", await ColourAsync(Phones.ZhangGreen));
    }

    [Fact]
    public async Task OneAccountsChangesPastTheHourlyLimitAreHeld()
    {
        var authority = await App.StaffAsync("authority");
        var caseId = await App.OpenCaseAsync("close_contact_investigation");
        var zhang = await App.CitizenIdAsync(Phones.ZhangGreen);
        // Four changes in the hour (the limit set above) go through...
        foreach (var colour in new[] { "yellow", "green", "yellow", "green" })
        {
            var made = await authority.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour, reason = "Contact", caseRef = caseId });
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }
        // ...the fifth is held: a draft, not a change.
        var held = await authority.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour = "red", reason = "Contact", caseRef = caseId });
        Assert.Equal(HttpStatusCode.Accepted, held.StatusCode);
        var draft = await held.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("pending", StatusGuard.HourlyLimit, 1), (draft.GetProperty("state").GetString(), draft.GetProperty("heldBecause").GetString(), draft.GetProperty("citizens").GetInt32()));
        Assert.Equal("green", await ColourAsync(Phones.ZhangGreen));
        // Another account is not held by this one's hour; and an hour later this one is free again.
        var other = await App.StaffAsync("epidemiologist");
        Assert.Equal(HttpStatusCode.OK, (await other.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour = "yellow", reason = "Contact", caseRef = caseId })).StatusCode);
        App.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(HttpStatusCode.OK, (await authority.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour = "green", reason = "Cleared", caseRef = caseId })).StatusCode);

        // The held one, approved by someone else, then runs.
        var draftId = draft.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Accepted, (await other.PostAsync($"/v1/status-drafts/{draftId}/approve", null)).StatusCode);
        await CityPassApp.WaitForDraftAsync(other, draftId);
        Assert.Equal("red", await ColourAsync(Phones.ZhangGreen));
    }

    [Fact]
    public async Task AChangeOutsideTheCasesScopeIsHeld()
    {
        var authority = await App.StaffAsync("authority");
        var caseId = await App.OpenCaseAsync("confirmed_infection");
        var (zhang, john, li) = (await App.CitizenIdAsync(Phones.ZhangGreen), await App.CitizenIdAsync(Phones.JohnGreen), await App.CitizenIdAsync(Phones.LiYellow));
        // A case about one person covers two citizens here (set above): the person and one of the household.
        Assert.Equal(HttpStatusCode.OK, (await authority.PutAsJsonAsync($"/v1/citizens/{zhang}/status", new { colour = "red", reason = "Positive PCR", caseRef = caseId })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await authority.PutAsJsonAsync($"/v1/citizens/{john}/status", new { colour = "yellow", reason = "Household", caseRef = caseId })).StatusCode);

        var third = await authority.PutAsJsonAsync($"/v1/citizens/{li}/status", new { colour = "red", reason = "Household", caseRef = caseId });
        Assert.Equal(HttpStatusCode.Accepted, third.StatusCode);
        Assert.Equal(StatusGuard.CaseScope, (await third.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("heldBecause").GetString());
        Assert.Equal("yellow", await ColourAsync(Phones.LiYellow));
        // A citizen already under the case is within it: changed at once.
        Assert.Equal(HttpStatusCode.OK, (await authority.PutAsJsonAsync($"/v1/citizens/{john}/status", new { colour = "red", reason = "Positive PCR", caseRef = caseId })).StatusCode);

        // The hold is audited on the citizen, and the console shows it as awaiting approval.
        var hold = (await authority.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=citizen:{li}&action=status.hold"))[0];
        Assert.Equal(("authority", caseId), (hold.GetProperty("actor").GetString(), hold.GetProperty("caseRef").GetString()));
        var console = await App.ConsoleAsync("epidemiologist");
        var page = await console.Http.GetStringAsync("/admin/cases");
        Assert.Contains("1 status change awaiting a second approver", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADraftNamesOnlyCitizenIds()
    {
        var authority = await App.StaffAsync("authority");
        var caseId = await App.OpenCaseAsync("close_contact_investigation");
        var head = await App.AuditHeadAsync();
        var response = await authority.PostAsJsonAsync("/v1/status-drafts", new { citizenIds = new[] { await App.CitizenIdAsync(Phones.ZhangGreen), "+8613800000004", "x" }, colour = "yellow", reason = "r", caseRef = caseId });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("citizenIds")[0].GetString();
        Assert.Contains("2, 3", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("+8613800000004", errors, StringComparison.Ordinal);
        Assert.Equal(head, await App.AuditHeadAsync());
    }
}

public sealed class EmbeddedStatusDraftTests() : StatusDraftTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresStatusDraftTests() : StatusDraftTests(StoreMode.RedisAndPostgres);
