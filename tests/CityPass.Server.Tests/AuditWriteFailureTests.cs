using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Server.Citizens;
using CityPass.Server.Federation;
using CityPass.Server.Operators;
using CityPass.Server.Tests.Support;
using Npgsql;

namespace CityPass.Server.Tests;

/// <summary>
/// PostgreSQL fails between a change by staff and its audit entry: the request answers 503 <c>store_unavailable</c> within
/// the budget, the change has not happened (the draft still pending, the case still open, the appeal still undecided) and
/// nothing is in the audit log; once PostgreSQL is back the same request is done, once, with its one entry. The embedded
/// store's equivalent is the record stores' contract (<c>...WhoseAuditEntryCannotBeWritten...</c>).
/// </summary>
[Collection(Alone.Name)]
public sealed class AuditWriteFailureTests() : AppTest(StoreMode.RedisAndPostgres)
{
    private const string Trigger = "test_audit_writer_dies";

    /// <summary>
    /// From now on, the connection that appends an audit entry ends (as a crashed or failed-over server ends it) before
    /// the entry is stored, whatever it wrote before in its transaction. Reads and other writes go on.
    /// </summary>
    private async Task BreakAuditWritesAsync()
    {
        await using var command = App.Get<NpgsqlDataSource>().CreateCommand($"""
            CREATE FUNCTION {Trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_terminate_backend(pg_backend_pid());
                PERFORM pg_sleep(5);
                RETURN NEW;
            END $$;
            CREATE TRIGGER {Trigger} BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION {Trigger}();
            """);
        await command.ExecuteNonQueryAsync();
    }

    private async Task RestoreAuditWritesAsync()
    {
        await using var command = App.Get<NpgsqlDataSource>().CreateCommand($"DROP TRIGGER {Trigger} ON audit_log; DROP FUNCTION {Trigger}();");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Sends <paramref name="send"/> while audit writes fail, expects the refusal and <paramref name="unchanged"/> to hold
    /// with no new audit entry; then, PostgreSQL back, sends it again and expects it done with exactly one
    /// <paramref name="action"/> entry. Answers that second response.
    /// </summary>
    private async Task<HttpResponseMessage> RefusedWhileAuditFailsThenDoneOnceAsync(
        Func<Task<HttpResponseMessage>> send, HttpStatusCode done, string action, Func<Task> unchanged)
    {
        var head = await App.AuditHeadAsync();
        await BreakAuditWritesAsync();
        var watch = Stopwatch.StartNew();
        var refused = await send();
        watch.Stop();
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "store_unavailable"), (refused.StatusCode, problem.GetProperty("code").GetString()));
        Assert.True(refused.Headers.RetryAfter is not null, "a 503 names when to try again");
        Assert.True(watch.Elapsed < Outages.AnsweredWithin, $"refused after {watch.Elapsed.TotalMilliseconds:0} ms");
        await unchanged();
        Assert.Equal(head, await App.AuditHeadAsync());

        await RestoreAuditWritesAsync();
        var response = await send();
        Assert.True(response.StatusCode == done, $"once back, answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        // Other entries may follow (an approved draft's run changes its citizens); this action's entry is there once.
        Assert.Single(await App.AuditSinceAsync(head), e => e.Action == action);
        return response;
    }

    private static async Task<string> IdOf(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

    private static async Task<string?> CodeOf(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();

    private async Task<object> DraftRequestAsync(string caseId) =>
        new { citizenIds = new[] { await App.CitizenIdAsync(Phones.ZhangGreen), await App.CitizenIdAsync(Phones.JohnGreen) }, colour = "yellow", reason = "Same carriage", caseRef = caseId };

    private static async Task<string> StateOfAsync(HttpClient staff, string path) =>
        (await staff.GetFromJsonAsync<JsonElement>(path)).GetProperty("state").GetString()!;

    [Fact]
    public async Task StaffAccountChangesWhoseAuditEntryFailsAreNotMade()
    {
        var admin = await App.StaffAsync("admin");
        var operators = App.Get<IOperatorStore>();
        // Everything a change could touch, the security stamp included: an unchanged stamp keeps the account's tokens valid.
        async Task<string?> AccountAsync() => await operators.FindByUsernameAsync("desk", CancellationToken.None) is { } o
            ? $"{o.Username} {o.Role} [{string.Join(',', o.VenueIds)}] {o.PasswordHash} {o.SecurityStamp} {o.DisabledAt:O}"
            : null;

        var create = new { username = "desk", password = "desk-password-2026", role = "HealthAuthority" };
        var id = await IdOf(await RefusedWhileAuditFailsThenDoneOnceAsync(() => admin.PostAsJsonAsync("/v1/operators", create), HttpStatusCode.Created, "operator.create",
            async () => Assert.Null(await AccountAsync())));
        foreach (var (send, done, action) in new (Func<Task<HttpResponseMessage>>, HttpStatusCode, string)[]
                 {
                     (() => admin.PutAsJsonAsync($"/v1/operators/{id}", new { username = "desk", role = "CityAdmin" }), HttpStatusCode.OK, "operator.update"),
                     (() => admin.PostAsync($"/v1/operators/{id}/disable", null), HttpStatusCode.OK, "operator.disable"),
                     (() => admin.PostAsync($"/v1/operators/{id}/enable", null), HttpStatusCode.OK, "operator.enable"),
                     (() => admin.PostAsync($"/v1/operators/{id}/password-reset", null), HttpStatusCode.OK, "operator.password.reset"),
                     (() => admin.DeleteAsync($"/v1/operators/{id}"), HttpStatusCode.NoContent, "operator.delete"),
                 })
        {
            var before = await AccountAsync();
            Assert.NotNull(before);
            await RefusedWhileAuditFailsThenDoneOnceAsync(send, done, action, async () => Assert.Equal(before, await AccountAsync()));
        }
        Assert.Null(await AccountAsync());
    }

    [Fact]
    public async Task TrustedCityChangesWhoseAuditEntryFailsAreNotMade()
    {
        var admin = await App.StaffAsync("admin");
        var cities = App.Get<ITrustedCityStore>();
        async Task<string?> CityAsync() => await cities.GetAsync("440100", CancellationToken.None) is { } c
            ? $"{c.Name} {c.FederationPublicKey} {c.DocumentUrl} {c.DocumentIssuedAt:O} {c.LastCheckedAt:O} {c.LastError}"
            : null;
        var guangzhou = IssuerKeySet.Generate(new IssuerId(440100), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
        var federation = FederationKey.Generate(SignatureSuite.Es256);
        // Its URL answers nothing: a refresh is refused, and that refusal is what staff's refresh records.
        var city = new { issuer = "440100", name = "广州", federationSuite = "ES256",
            federationPublicKey = Convert.ToBase64String(federation.PublicKey.ExportSubjectPublicKeyInfo()), documentUrl = "http://127.0.0.1:9/keyset.jws" };

        await RefusedWhileAuditFailsThenDoneOnceAsync(() => admin.PostAsJsonAsync("/v1/federation/cities", city), HttpStatusCode.Created, "federation.city.add",
            async () => Assert.Null(await CityAsync()));
        foreach (var (send, done, action) in new (Func<Task<HttpResponseMessage>>, HttpStatusCode, string)[]
                 {
                     (() => admin.PostAsync("/v1/federation/cities/440100/refresh", null), HttpStatusCode.OK, "federation.document.refresh"),
                     (() => admin.PutAsync("/v1/federation/cities/440100/document", new StringContent(
                         SignedKeySet.Sign(guangzhou.PublicKeys, App.Clock.GetUtcNow(), App.Clock.GetUtcNow().AddDays(1), federation.Key), Encoding.UTF8, "application/jose+json")),
                         HttpStatusCode.OK, "federation.document.upload"),
                     (() => admin.PutAsJsonAsync("/v1/federation/cities/440100", city with { name = "广州市" }), HttpStatusCode.OK, "federation.city.update"),
                     (() => admin.DeleteAsync("/v1/federation/cities/440100"), HttpStatusCode.NoContent, "federation.city.remove"),
                 })
        {
            // Each step's times differ from the last one's, so a check or document written anyway would show.
            App.Clock.Advance(TimeSpan.FromMinutes(1));
            var before = await CityAsync();
            Assert.NotNull(before);
            await RefusedWhileAuditFailsThenDoneOnceAsync(send, done, action, async () => Assert.Equal(before, await CityAsync()));
        }
        Assert.Null(await CityAsync());
    }

    [Fact]
    public async Task AKeyRevocationWhoseAuditEntryFailsIsNotMadeAndItsPassesStillScan()
    {
        var admin = await App.StaffAsync("admin");
        (await admin.PostAsJsonAsync("/v1/keys", new { activatesAt = App.Clock.GetUtcNow() })).EnsureSuccessStatusCode();
        var ring = App.Get<CityPass.Server.Keys.IssuerKeyRing>();
        var version = ring.Version;
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => admin.PostAsJsonAsync("/v1/keys/signing/1/revoke", new { reason = "leak" }), HttpStatusCode.OK, "keys.revoke",
            async () =>
            {
                Assert.Equal(version, ring.Version);
                Assert.False(ring.Current.FindSigningKey(1)!.Validity.Revoked);
                Assert.Equal(version, await App.Get<CityPass.Server.Keys.IIssuerKeyStore>().VersionAsync("310000", CancellationToken.None));
            });
        Assert.True(ring.Current.FindSigningKey(1)!.Validity.Revoked);
    }

    [Fact]
    public async Task ADraftWhoseAuditEntryFailsIsNotMade()
    {
        var authority = await App.StaffAsync("authority");
        var request = await DraftRequestAsync(await App.OpenCaseAsync("close_contact_investigation"));
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => authority.PostAsJsonAsync("/v1/status-drafts", request), HttpStatusCode.Created, "status.draft",
            async () => Assert.Empty((await authority.GetFromJsonAsync<JsonElement>("/v1/status-drafts")).GetProperty("items").EnumerateArray()));
        Assert.Single((await authority.GetFromJsonAsync<JsonElement>("/v1/status-drafts")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task AnApprovalWhoseAuditEntryFailsLeavesTheDraftPendingAndNothingRuns()
    {
        var authority = await App.StaffAsync("authority");
        var approver = await App.StaffAsync("epidemiologist");
        var id = await IdOf(await authority.PostAsJsonAsync("/v1/status-drafts", await DraftRequestAsync(await App.OpenCaseAsync("close_contact_investigation"))));
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => approver.PostAsync($"/v1/status-drafts/{id}/approve", null), HttpStatusCode.Accepted, "status.draft.approve",
            async () =>
            {
                Assert.Equal("pending", await StateOfAsync(approver, $"/v1/status-drafts/{id}"));
                Assert.Equal(StatusColour.Green, (await App.Get<ICitizenStore>().FindByPhoneAsync(Phones.ZhangGreen, CancellationToken.None))!.Status.Colour);
            });
        var again = await approver.PostAsync($"/v1/status-drafts/{id}/approve", null);
        Assert.Equal((HttpStatusCode.Conflict, "draft_decided"), (again.StatusCode, await CodeOf(again)));
        Assert.Equal(2, (await CityPassApp.WaitForDraftAsync(approver, id)).GetProperty("done").GetInt32());
    }

    [Fact]
    public async Task ARejectionWhoseAuditEntryFailsLeavesTheDraftPending()
    {
        var authority = await App.StaffAsync("authority");
        var id = await IdOf(await authority.PostAsJsonAsync("/v1/status-drafts", await DraftRequestAsync(await App.OpenCaseAsync("close_contact_investigation"))));
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => authority.PostAsJsonAsync($"/v1/status-drafts/{id}/reject", new { reason = "Wrong carriage" }),
            HttpStatusCode.OK, "status.draft.reject", async () => Assert.Equal("pending", await StateOfAsync(authority, $"/v1/status-drafts/{id}")));
        var again = await authority.PostAsJsonAsync($"/v1/status-drafts/{id}/reject", new { reason = "Wrong carriage" });
        Assert.Equal((HttpStatusCode.Conflict, "draft_decided"), (again.StatusCode, await CodeOf(again)));
    }

    [Fact]
    public async Task ACaseWhoseAuditEntryFailsIsNotOpened()
    {
        var authority = await App.StaffAsync("authority");
        var before = (await authority.GetFromJsonAsync<JsonElement>("/v1/cases?state=all")).GetProperty("items").GetArrayLength();
        var request = new { type = "confirmed_infection", legalBasis = "传染病防治法 art. 39" };
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => authority.PostAsJsonAsync("/v1/cases", request), HttpStatusCode.Created, "case.open",
            async () => Assert.Equal(before, (await authority.GetFromJsonAsync<JsonElement>("/v1/cases?state=all")).GetProperty("items").GetArrayLength()));
        Assert.Equal(before + 1, (await authority.GetFromJsonAsync<JsonElement>("/v1/cases?state=all")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task ACaseChangeWhoseAuditEntryFailsIsNotMade()
    {
        var authority = await App.StaffAsync("authority");
        var id = await App.OpenCaseAsync();
        var basis = (await authority.GetFromJsonAsync<JsonElement>($"/v1/cases/{id}")).GetProperty("legalBasis").GetString();
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => authority.PatchAsJsonAsync($"/v1/cases/{id}", new { legalBasis = "沪卫(2026)12号" }), HttpStatusCode.OK, "case.update",
            async () => Assert.Equal(basis, (await authority.GetFromJsonAsync<JsonElement>($"/v1/cases/{id}")).GetProperty("legalBasis").GetString()));
        Assert.Equal("沪卫(2026)12号", (await authority.GetFromJsonAsync<JsonElement>($"/v1/cases/{id}")).GetProperty("legalBasis").GetString());
    }

    [Fact]
    public async Task ACloseWhoseAuditEntryFailsLeavesTheCaseOpen()
    {
        var authority = await App.StaffAsync("authority");
        var id = await App.OpenCaseAsync();
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => authority.PostAsJsonAsync($"/v1/cases/{id}/close", new { reason = "No new cases in 14 days" }), HttpStatusCode.OK, "case.close",
            async () => Assert.Equal("open", await StateOfAsync(authority, $"/v1/cases/{id}")));
        var again = await authority.PostAsJsonAsync($"/v1/cases/{id}/close", new { reason = "again" });
        Assert.Equal((HttpStatusCode.Conflict, "case_closed"), (again.StatusCode, await CodeOf(again)));
    }

    [Fact]
    public async Task ADecisionWhoseAuditEntryFailsLeavesTheAppealUndecided()
    {
        var li = await App.SignInCitizenAsync(Phones.LiYellow);
        var authority = await App.StaffAsync("authority");
        var id = await IdOf(await li.Http.PostAsJsonAsync("/v1/me/appeals", new { reason = "I was tested negative twice since" }));
        var decision = new { decision = "reject", reason = "Close contact confirmed by the carriage list" };
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => authority.PostAsJsonAsync($"/v1/appeals/{id}/decision", decision), HttpStatusCode.OK, "appeal.decide",
            async () => Assert.Equal("open", await StateOfAsync(authority, $"/v1/appeals/{id}")));
        var again = await authority.PostAsJsonAsync($"/v1/appeals/{id}/decision", decision);
        Assert.Equal((HttpStatusCode.Conflict, "appeal_already_decided"), (again.StatusCode, await CodeOf(again)));
    }

    [Fact]
    public async Task AnAppealWhoseAuditEntryFailsIsNotOpened()
    {
        var wang = await App.SignInCitizenAsync(Phones.WangRed);
        await RefusedWhileAuditFailsThenDoneOnceAsync(() => wang.Http.PostAsJsonAsync("/v1/me/appeals", new { reason = "The test was someone else's" }), HttpStatusCode.Created, "appeal.open",
            async () => Assert.Empty((await wang.Http.GetFromJsonAsync<JsonElement>("/v1/me/appeals")).GetProperty("items").EnumerateArray()));
    }
}
