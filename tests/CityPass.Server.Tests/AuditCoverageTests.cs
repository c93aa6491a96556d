using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using CityPass.Server.Audit;
using CityPass.Server.Tests.Support;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityPass.Server.Tests;

/// <summary>
/// Every change of state by staff leaves an audit entry. The routes come from the OpenAPI document
/// and the console's form handlers from the page models, so a new route or form without an audit
/// entry (or without a case here) fails these tests.
/// </summary>
public abstract class AuditCoverageTests(StoreMode mode) : AppTest(mode)
{
    /// <summary>Mutating routes that are not staff actions, so not audited.</summary>
    private static readonly HashSet<string> NotStaff =
    [
        "POST /v1/scans",             // a gate's scan: recorded in the scan log, not the audit log
        "POST /v1/gates/me/journal",  // a gate's offline journal: recorded in the scan log too
        "POST /v1/citizens/otp",      // a citizen asks for a sign-in code
        "POST /v1/citizens/session",  // a citizen signs in
        "POST /v1/me/visits",         // a visitor registers at an estate: the visit is the estate's visitor trail
        "POST /v1/me/hosted-visits/{visitId}/approve",  // a resident decides on a visit to their unit: recorded on the visit
        "POST /v1/me/hosted-visits/{visitId}/decline",
        "PUT /v1/me/consents/{venueKind}",     // a citizen's own consent to be identified: kept in their consent history (Identify)
        "DELETE /v1/me/consents/{venueKind}",  // its withdrawal: the same history
    ];

    private static readonly string[] MutatingMethods = ["post", "put", "patch", "delete"];

    private async Task<HashSet<string>> MutatingRoutesAsync()
    {
        var document = await App.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var routes = new HashSet<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => MutatingMethods.Contains(o.Name)))
            {
                routes.Add($"{operation.Name.ToUpperInvariant()} {(path.Name.Length > 1 ? path.Name.TrimEnd('/') : path.Name)}");
            }
        }
        return routes;
    }

    [Fact]
    public async Task EveryMutatingStaffRouteWritesOneAuditEntry()
    {
        var routes = await MutatingRoutesAsync();
        Assert.Superset(NotStaff, routes); // the exclusions are real routes, not stale names
        var admin = await App.StaffAsync("admin");
        var authority = await App.StaffAsync("authority");
        var library = await App.StaffAsync("library");
        var anonymous = App.CreateClient();
        var libraryId = await App.VenueIdAsync("上海图书馆");
        var zhang = await App.CitizenIdAsync(Phones.ZhangGreen);
        var li = await App.CitizenIdAsync(Phones.LiYellow);
        var covered = new HashSet<string>();
        // Secrets that pass through these calls; none may reach the audit log.
        var secrets = new List<string> { App.Demo.Staff.Single(s => s.Username == "library").Password };

        async Task<JsonElement> CallAsync(string route, HttpClient client, string url, HttpContent? body = null, bool atLeastOne = false)
        {
            var head = await App.AuditHeadAsync();
            var method = new HttpMethod(route[..route.IndexOf(' ', StringComparison.Ordinal)]);
            var response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = body });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{route} ({url}) answered {response.StatusCode}: {text}");
            var added = await App.AuditSinceAsync(head);
            if (atLeastOne) Assert.True(added.Count >= 1, $"{route} wrote no audit entry");
            else Assert.True(added.Count == 1, $"{route} wrote {added.Count} audit entries: {string.Join(", ", added.Select(e => e.Action))}");
            Assert.All(added, e => Assert.NotEqual("", e.Actor));
            covered.Add(route);
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }

        await CallAsync("POST /v1/auth/token", anonymous, "/v1/auth/token", JsonContent.Create(new { username = "library", password = secrets[0] }));

        const string newPassword = "audit-me-not-2026";
        secrets.Add(newPassword);
        var op = await CallAsync("POST /v1/operators", admin, "/v1/operators", JsonContent.Create(new { username = "audited", password = "first-password-2026", role = "VenueOperator", venueIds = new[] { libraryId } }));
        secrets.Add("first-password-2026");
        var opId = op.GetProperty("id").GetGuid();
        await CallAsync("PUT /v1/operators/{id}", admin, $"/v1/operators/{opId}", JsonContent.Create(new { username = "audited", password = newPassword, role = "VenueOperator", venueIds = new[] { libraryId } }));
        await CallAsync("POST /v1/operators/{id}/disable", admin, $"/v1/operators/{opId}/disable");
        await CallAsync("POST /v1/operators/{id}/enable", admin, $"/v1/operators/{opId}/enable");
        var reset = await CallAsync("POST /v1/operators/{id}/password-reset", admin, $"/v1/operators/{opId}/password-reset");
        secrets.Add(reset.GetProperty("temporaryPassword").GetString()!);
        await CallAsync("DELETE /v1/operators/{id}", admin, $"/v1/operators/{opId}");

        var venue = await CallAsync("POST /v1/venues", admin, "/v1/venues", JsonContent.Create(new { name = "Audit Hall", kind = "hall" }));
        var venueId = venue.GetProperty("id").GetGuid();
        await CallAsync("PUT /v1/venues/{id}", admin, $"/v1/venues/{venueId}", JsonContent.Create(new { name = "Audit Hall 2", kind = "hall", address = "1 Audit Rd" }));
        await CallAsync("PUT /v1/venues/{id}/policy", library, $"/v1/venues/{libraryId}/policy", JsonContent.Create(new { allowedColours = new[] { "green" }, capacity = 50 }));
        var gate = await CallAsync("POST /v1/venues/{id}/gates", library, $"/v1/venues/{libraryId}/gates", JsonContent.Create(new { name = "Audit door" }));
        var gateId = gate.GetProperty("id").GetGuid();
        await CallAsync("PUT /v1/gates/{id}", library, $"/v1/gates/{gateId}", JsonContent.Create(new { name = "Audit door 2" }));
        var issued = await CallAsync("POST /v1/gates/{id}/credentials", library, $"/v1/gates/{gateId}/credentials");
        secrets.Add(issued.GetProperty("credential").GetString()!);
        await CallAsync("DELETE /v1/gates/{id}/credentials", library, $"/v1/gates/{gateId}/credentials");
        await CallAsync("DELETE /v1/gates/{id}", library, $"/v1/gates/{gateId}");
        await CallAsync("PUT /v1/venues/{id}/bookings/{citizenId}", library, $"/v1/venues/{libraryId}/bookings/{zhang}");
        await CallAsync("DELETE /v1/venues/{id}/bookings/{citizenId}", library, $"/v1/venues/{libraryId}/bookings/{zhang}");
        var now = App.Clock.GetUtcNow();
        await CallAsync("POST /v1/venues/{id}/tickets", library, $"/v1/venues/{libraryId}/tickets",
            JsonContent.Create(new { bookings = new[] { new { bookingId = "AUD-1", citizenId = zhang, seat = "Reading room 3", validFrom = now, validUntil = now.AddHours(2) } } }));
        var estateId = await App.VenueIdAsync("阳光小区");
        await CallAsync("POST /v1/venues/{id}/residents", await App.StaffAsync("estate"), $"/v1/venues/{estateId}/residents",
            JsonContent.Create(new { residents = new[] { new { unit = "7-7-707", citizenId = li } } }));
        await CallAsync("DELETE /v1/venues/{id}", admin, $"/v1/venues/{venueId}");

        // A case: opened, changed, used by a status change, closed.
        var opened = await CallAsync("POST /v1/cases", authority, "/v1/cases", JsonContent.Create(new { type = "close_contact_investigation", legalBasis = "传染病防治法 art. 39" }));
        var caseId = opened.GetProperty("id").GetString()!;
        await CallAsync("PATCH /v1/cases/{id}", authority, $"/v1/cases/{caseId}", JsonContent.Create(new { notes = "A ward of Ruijin." }));
        await CallAsync("PUT /v1/citizens/{id}/status", authority, $"/v1/citizens/{zhang}/status", JsonContent.Create(new { colour = "yellow", reason = "contact", caseRef = caseId }));
        // Four eyes: a draft is one entry; its approval one, then one per citizen changed as it runs; a rejection one.
        var epidemiologist = await App.StaffAsync("epidemiologist");
        var draft = await CallAsync("POST /v1/status-drafts", authority, "/v1/status-drafts",
            JsonContent.Create(new { citizenIds = new[] { zhang, li }, colour = "green", reason = "cleared", caseRef = "SH-2" }));
        var draftId = draft.GetProperty("id").GetString()!;
        await CallAsync("POST /v1/status-drafts/{id}/approve", epidemiologist, $"/v1/status-drafts/{draftId}/approve", atLeastOne: true);
        await CityPassApp.WaitForDraftAsync(epidemiologist, draftId);
        var withdrawn = await CallAsync("POST /v1/status-drafts", authority, "/v1/status-drafts",
            JsonContent.Create(new { citizenIds = new[] { zhang }, colour = "green", reason = "cleared", caseRef = "SH-3" }));
        await CallAsync("POST /v1/status-drafts/{id}/reject", authority, $"/v1/status-drafts/{withdrawn.GetProperty("id").GetString()}/reject",
            JsonContent.Create(new { reason = "Drafted twice" }));
        await CallAsync("POST /v1/cases/{id}/close", authority, $"/v1/cases/{caseId}/close", JsonContent.Create(new { reason = "Investigation finished" }));
        // An appeal: opened by the citizen (audited though not staff: it starts a staff decision), upheld by the authority
        // (its status change is one more entry, as every status change is).
        var caseForAppeal = await App.OpenCaseAsync();
        var john = await App.CitizenIdAsync(Phones.JohnGreen);
        (await authority.PutAsJsonAsync($"/v1/citizens/{john}/status", new { colour = "red", reason = "positive", caseRef = caseForAppeal })).EnsureSuccessStatusCode();
        var johnPhone = (await App.SignInCitizenAsync(Phones.JohnGreen)).Http;
        var appeal = await CallAsync("POST /v1/me/appeals", johnPhone, "/v1/me/appeals", JsonContent.Create(new { reason = "wrong barcode" }));
        await CallAsync("POST /v1/appeals/{id}/decision", authority, $"/v1/appeals/{appeal.GetProperty("id").GetString()}/decision",
            JsonContent.Create(new { decision = "uphold", reason = "lab mix-up" }), atLeastOne: true);

        // One entry per import (its counts), not per row.
        await CallAsync("POST /v1/citizens/import", authority, "/v1/citizens/import",
            new StringContent("externalId,phone,fullName,credentials\nAUD-1,+8613711110001,Audit One,\n", Encoding.UTF8, "text/csv"), atLeastOne: true);

        // A trusted city: added (its URL unreachable: the failed fetch is not a change), refreshed, given a document, changed, removed.
        var guangzhou = CityPass.Core.Keys.IssuerKeySet.Generate(new CityPass.Core.Keys.IssuerId(440100), CityPass.Core.Keys.SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
        var federation = CityPass.Core.Federation.FederationKey.Generate(CityPass.Core.Keys.SignatureSuite.Es256);
        var city = new { issuer = "440100", name = "广州", federationSuite = "ES256", federationPublicKey = Convert.ToBase64String(federation.PublicKey.ExportSubjectPublicKeyInfo()), documentUrl = "http://127.0.0.1:9/keyset.jws" };
        await CallAsync("POST /v1/federation/cities", admin, "/v1/federation/cities", JsonContent.Create(city));
        await CallAsync("POST /v1/federation/cities/{issuer}/refresh", admin, "/v1/federation/cities/440100/refresh");
        await CallAsync("PUT /v1/federation/cities/{issuer}/document", admin, "/v1/federation/cities/440100/document",
            new StringContent(CityPass.Core.Federation.SignedKeySet.Sign(guangzhou.PublicKeys, App.Clock.GetUtcNow(), App.Clock.GetUtcNow().AddDays(1), federation.Key), Encoding.UTF8, "application/jose+json"));
        await CallAsync("PUT /v1/federation/cities/{issuer}", admin, "/v1/federation/cities/440100", JsonContent.Create(city with { name = "广州市" }));
        await CallAsync("DELETE /v1/federation/cities/{issuer}", admin, "/v1/federation/cities/440100");

        // The city's keys: a pair created for tomorrow and activated now, the old signing key revoked, a pair that signs
        // at once and the one before it retired: one entry each.
        await CallAsync("POST /v1/keys", admin, "/v1/keys", JsonContent.Create(new { reason = "rotation" }));
        await CallAsync("POST /v1/keys/{kind}/{id}/activate", admin, "/v1/keys/signing/2/activate", JsonContent.Create(new { }));
        await CallAsync("POST /v1/keys/{kind}/{id}/revoke", admin, "/v1/keys/signing/1/revoke", JsonContent.Create(new { reason = "leak" }));
        await CallAsync("POST /v1/keys", admin, "/v1/keys", JsonContent.Create(new { activatesAt = App.Clock.GetUtcNow() }));
        await CallAsync("POST /v1/keys/{kind}/{id}/retire", admin, "/v1/keys/signing/2/retire", JsonContent.Create(new { }));

        var uncovered = routes.Except(NotStaff).Except(covered).Order().ToList();
        Assert.True(uncovered.Count == 0, $"Mutating routes without an audit case here (add one, and audit the change): {string.Join("; ", uncovered)}");
        Assert.Empty(covered.Except(routes)); // every case is still a route

        var all = await App.AuditSinceAsync(0);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(all, e => $"{e.Actor}|{e.Subject}|{e.Before}|{e.After}|{e.Reason}|{e.CaseRef}".Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>Console form handlers covered by a test below that checks their audit entry, by page model and method.</summary>
    private static readonly Dictionary<string, string> AuditedForms = new()
    {
        ["IndexModel.OnPostCreateAsync"] = nameof(ConsoleVenueCreationIsAudited),
        ["ResidentsModel.OnPostAddAsync"] = nameof(ConsoleResidentChangesAreAudited),
        ["ResidentsModel.OnPostRemoveAsync"] = nameof(ConsoleResidentChangesAreAudited),
        ["SignInModel.OnPostAsync"] = nameof(ConsoleSignInsAndFailedAttemptsAreAudited),
        ["CitizensModel.OnPostChangeAsync"] = nameof(ConsoleStatusChangeIsAudited),
        ["DraftsModel.OnPostDraftAsync"] = nameof(ConsoleDraftsAreAudited),
        ["DraftModel.OnPostApproveAsync"] = nameof(ConsoleDraftsAreAudited),
        ["DraftModel.OnPostRejectAsync"] = nameof(ConsoleDraftsAreAudited),
        ["CasesModel.OnPostOpenAsync"] = nameof(ConsoleCaseChangesAreAudited),
        ["CaseModel.OnPostUpdateAsync"] = nameof(ConsoleCaseChangesAreAudited),
        ["CaseModel.OnPostCloseAsync"] = nameof(ConsoleCaseChangesAreAudited),
        ["AppealsModel.OnPostDecideAsync"] = nameof(ConsoleAppealDecisionIsAudited),
        // The exposure list's bulk change: one citizen.status.change entry per citizen (and the page's trace, case.trace).
        ["ExposuresModel.OnPostChangeStatusesAsync"] = nameof(ContactTracingTests.TheConsoleTracesAndChangesTheSelectedCitizensStatuses),
        // One citizen.import entry per import (its counts), whether the file came as the body (script) or multipart (none).
        ["ImportModel.OnPostUploadAsync"] = nameof(ConsoleImportIsAudited),
        ["GatesModel.OnPostAddAsync"] = nameof(ConsoleGateChangesAreAudited),
        ["GatesModel.OnPostIssueAsync"] = nameof(ConsoleGateChangesAreAudited),
        ["GatesModel.OnPostRevokeAsync"] = nameof(ConsoleGateChangesAreAudited),
        ["PolicyModel.OnPostSaveAsync"] = nameof(ConsolePolicySaveIsAudited),
        ["TrustedCitiesModel.OnPostAddAsync"] = nameof(ConsoleTrustedCityChangesAreAudited),
        ["TrustedCitiesModel.OnPostRefreshAsync"] = nameof(ConsoleTrustedCityChangesAreAudited),
        ["TrustedCitiesModel.OnPostUploadAsync"] = nameof(ConsoleTrustedCityChangesAreAudited),
        ["TrustedCitiesModel.OnPostRemoveAsync"] = nameof(ConsoleTrustedCityChangesAreAudited),
        ["KeysModel.OnPostCreateAsync"] = nameof(ConsoleKeyChangesAreAudited),
        ["KeysModel.OnPostActivateAsync"] = nameof(ConsoleKeyChangesAreAudited),
        ["KeysModel.OnPostRetireAsync"] = nameof(ConsoleKeyChangesAreAudited),
        ["KeysModel.OnPostRevokeAsync"] = nameof(ConsoleKeyChangesAreAudited),
        ["StaffModel.OnPostCreateAsync"] = nameof(ConsoleStaffChangesAreAudited),
        ["StaffModel.OnPostUpdateAsync"] = nameof(ConsoleStaffChangesAreAudited),
        ["StaffModel.OnPostDisableAsync"] = nameof(ConsoleStaffChangesAreAudited),
        ["StaffModel.OnPostEnableAsync"] = nameof(ConsoleStaffChangesAreAudited),
        ["StaffModel.OnPostResetAsync"] = nameof(ConsoleStaffChangesAreAudited),
    };

    /// <summary>Console form handlers that change nothing stored.</summary>
    private static readonly HashSet<string> ReadOnlyForms =
    [
        "PolicyModel.OnPostPreviewAsync", // renders the preview table of an unsaved policy
        "SignOutModel.OnPostAsync",       // clears this browser's cookie only
    ];

    [Fact]
    public void EveryConsoleFormHandlerIsAuditedOrReadOnly()
    {
        var handlers = typeof(CityPass.Server.Pages.Admin.ConsolePageModel).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(PageModel)) && t.Namespace?.StartsWith("CityPass.Server.Pages.Admin", StringComparison.Ordinal) == true)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => m.Name.StartsWith("OnPost", StringComparison.Ordinal))
                .Select(m => $"{t.Name}.{m.Name}"))
            .ToHashSet();
        Assert.NotEmpty(handlers);
        var unlisted = handlers.Except(AuditedForms.Keys).Except(ReadOnlyForms).Order().ToList();
        Assert.True(unlisted.Count == 0, $"Console form handlers neither audited by a listed test nor listed as read-only: {string.Join("; ", unlisted)}");
        Assert.Empty(AuditedForms.Keys.Concat(ReadOnlyForms).Except(handlers)); // no stale names
        Assert.Empty(AuditedForms.Keys.Intersect(ReadOnlyForms));
    }

    private async Task<AuditEntry> SingleNewEntryAsync(long head, string action)
    {
        var added = await App.AuditSinceAsync(head);
        Assert.True(added.Count == 1, $"expected one audit entry, got: {string.Join(", ", added.Select(e => e.Action))}");
        Assert.Equal(action, added[0].Action);
        return added[0];
    }

    [Fact]
    public async Task ConsoleSignInsAndFailedAttemptsAreAudited()
    {
        var console = App.NewConsole();
        var head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await console.SignInAsync("library", "not-the-password")).StatusCode);
        var failed = await SingleNewEntryAsync(head, "operator.signin.failed");
        Assert.Equal(("library", "console"), (failed.Actor, failed.After));
        Assert.DoesNotContain("not-the-password", $"{failed.Before}{failed.After}{failed.Reason}", StringComparison.Ordinal);

        // An unknown username is recorded without what was typed (it may be someone's password).
        head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await console.SignInAsync("demo-library-2026", "x")).StatusCode);
        var unknown = await SingleNewEntryAsync(head, "operator.signin.failed");
        Assert.Equal(("(unknown)", "operator:unknown"), (unknown.Actor, unknown.Subject));

        head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await console.SignInAsync("library", App.Demo.Staff.Single(s => s.Username == "library").Password)).StatusCode);
        var signedIn = await SingleNewEntryAsync(head, "operator.signin");
        Assert.Equal(("library", "console"), (signedIn.Actor, signedIn.After));
    }

    [Fact]
    public async Task ConsoleKeyChangesAreAudited()
    {
        var console = await App.ConsoleAsync("admin");
        async Task StepAsync(string handler, string action, params (string, string)[] fields)
        {
            var head = await App.AuditHeadAsync();
            var response = await console.PostFormAsync("/admin/keys", handler, fields);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Redirect, $"{handler} answered {response.StatusCode}");
            var entry = await SingleNewEntryAsync(head, action);
            Assert.Equal("admin", entry.Actor);
        }

        await StepAsync("Create", "keys.create", ("activatesAt", ""), ("reason", "rotation"));
        await StepAsync("Activate", "keys.activate", ("kind", "secret"), ("id", "2"), ("reason", ""));
        await StepAsync("Revoke", "keys.revoke", ("kind", "signing"), ("id", "1"), ("reason", "leak"));
        await StepAsync("Create", "keys.create", ("activatesAt", ConsoleTimeNow()), ("reason", ""));
        await StepAsync("Retire", "keys.retire", ("kind", "secret"), ("id", "2"), ("reason", ""));
    }

    private string ConsoleTimeNow() => CityPass.Server.Admin.ConsoleTime.ForInput(App.Clock.GetUtcNow());

    [Fact]
    public async Task ConsoleVenueCreationIsAudited()
    {
        var console = await App.ConsoleAsync("admin");
        var head = await App.AuditHeadAsync();
        var response = await console.PostFormAsync("/admin", "Create", ("Name", "Console Hall"), ("Kind", "hall"), ("Address", ""));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var entry = await SingleNewEntryAsync(head, "venue.create");
        Assert.Equal(("admin", "Console Hall"), (entry.Actor, entry.After));
    }

    [Fact]
    public async Task ConsoleResidentChangesAreAudited()
    {
        var console = await App.ConsoleAsync("estate");
        var estateId = await App.VenueIdAsync("阳光小区");
        var john = await App.CitizenIdAsync(Phones.JohnGreen);
        foreach (var handler in new[] { "Add", "Remove" })
        {
            var head = await App.AuditHeadAsync();
            var response = await console.PostFormAsync($"/admin/venues/{estateId}/residents", handler, ("unit", "8-8-808"), ("citizenId", john));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            var entry = await SingleNewEntryAsync(head, "venue.residents.push");
            Assert.Equal(("estate", $"venue:{estateId}"), (entry.Actor, entry.Subject));
            Assert.Contains(handler == "Add" ? "added=1" : "removed=1", entry.After, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConsoleStatusChangeIsAudited()
    {
        var console = await App.ConsoleAsync("authority");
        var zhang = await App.CitizenIdAsync(Phones.ZhangGreen);
        var caseId = await App.OpenCaseAsync();
        var head = await App.AuditHeadAsync();
        var response = await console.PostFormAsync($"/admin/citizens?q={zhang}", "Change", ("citizenId", zhang), ("colour", "red"), ("reason", "positive test"), ("caseRef", caseId));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var entry = await SingleNewEntryAsync(head, "citizen.status.change");
        Assert.Equal(("authority", $"citizen:{zhang}", caseId), (entry.Actor, entry.Subject, entry.CaseRef));
    }

    [Fact]
    public async Task ConsoleAppealDecisionIsAudited()
    {
        var caseId = await App.OpenCaseAsync();
        var john = await App.CitizenIdAsync(Phones.JohnGreen);
        (await (await App.StaffAsync("authority")).PutAsJsonAsync($"/v1/citizens/{john}/status", new { colour = "red", reason = "positive", caseRef = caseId })).EnsureSuccessStatusCode();
        var opened = await (await App.SignInCitizenAsync(Phones.JohnGreen)).Http.PostAsJsonAsync("/v1/me/appeals", new { reason = "wrong barcode" });
        var appealId = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var console = await App.ConsoleAsync("authority");
        var head = await App.AuditHeadAsync();
        var response = await console.PostFormAsync("/admin/appeals", "Decide", ("appealId", appealId), ("decision", "reject"), ("reason", "confirmed positive"));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var entry = await SingleNewEntryAsync(head, "appeal.decide");
        Assert.Equal(("authority", $"citizen:{john}", caseId, "confirmed positive"), (entry.Actor, entry.Subject, entry.CaseRef, entry.Reason));
    }

    [Fact]
    public async Task ConsoleDraftsAreAudited()
    {
        var drafter = await App.ConsoleAsync("authority");
        var approver = await App.ConsoleAsync("epidemiologist");
        var (zhang, john) = (await App.CitizenIdAsync(Phones.ZhangGreen), await App.CitizenIdAsync(Phones.JohnGreen));
        var caseId = await App.OpenCaseAsync("close_contact_investigation");

        var head = await App.AuditHeadAsync();
        var drafted = await drafter.PostFormAsync("/admin/drafts", "Draft", ("ids", $"{zhang}\n{john}"), ("colour", "yellow"), ("reason", "Same carriage"), ("caseRef", caseId));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, drafted.StatusCode);
        var draft = await SingleNewEntryAsync(head, "status.draft");
        Assert.Equal(("authority", caseId, "yellow for 2 citizen(s)"), (draft.Actor, draft.CaseRef, draft.After));
        var page = drafted.Headers.Location!.OriginalString.Split('?')[0];

        head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await approver.PostFormAsync(page, "Approve")).StatusCode);
        var approval = (await App.AuditSinceAsync(head))[0];
        Assert.Equal(("status.draft.approve", "epidemiologist", draft.Subject), (approval.Action, approval.Actor, approval.Subject));
        // The run writes its citizens' entries in the background: let it finish before counting the next form's entries.
        await CityPassApp.WaitForDraftAsync(await App.StaffAsync("epidemiologist"), draft.Subject["status-draft:".Length..]);

        var second = await drafter.PostFormAsync("/admin/drafts", "Draft", ("ids", zhang), ("colour", "red"), ("reason", "Same carriage"), ("caseRef", caseId));
        head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await approver.PostFormAsync(second.Headers.Location!.OriginalString.Split('?')[0], "Reject", ("reason", "Yellow is enough"))).StatusCode);
        var rejection = await SingleNewEntryAsync(head, "status.draft.reject");
        Assert.Equal(("epidemiologist", "Yellow is enough"), (rejection.Actor, rejection.Reason));
    }

    [Fact]
    public async Task ConsoleCaseChangesAreAudited()
    {
        var console = await App.ConsoleAsync("authority");
        var head = await App.AuditHeadAsync();
        var opened = await console.PostFormAsync("/admin/cases", "Open", ("type", "confirmed_infection"), ("legalBasis", "传染病防治法 art. 39"), ("owner", "admin"), ("notes", "Ward 3\nRuijin"));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, opened.StatusCode);
        var open = await SingleNewEntryAsync(head, "case.open");
        var caseId = open.CaseRef!;
        Assert.Equal(("authority", $"case:{caseId}"), (open.Actor, open.Subject));
        Assert.Equal($"/admin/cases/{caseId}?opened=1", opened.Headers.Location!.OriginalString);
        Assert.Contains("owner: admin", open.After, StringComparison.Ordinal);

        head = await App.AuditHeadAsync();
        var updated = await console.PostFormAsync($"/admin/cases/{caseId}", "Update", ("legalBasis", "沪卫(2026)12号"), ("owner", "authority"), ("notes", "Ward 3"));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, updated.StatusCode);
        var update = await SingleNewEntryAsync(head, "case.update");
        Assert.Equal(caseId, update.CaseRef);
        Assert.Contains("沪卫(2026)12号", update.After, StringComparison.Ordinal);

        head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await console.PostFormAsync($"/admin/cases/{caseId}", "Close", ("reason", "No new cases in 14 days"))).StatusCode);
        var close = await SingleNewEntryAsync(head, "case.close");
        Assert.Equal((caseId, "No new cases in 14 days", "closed"), (close.CaseRef, close.Reason, close.After));
    }

    [Fact]
    public async Task ConsoleImportIsAudited()
    {
        var console = await App.ConsoleAsync("authority");
        var head = await App.AuditHeadAsync();
        var streamed = await console.PostBodyAsync("/admin/import", "Upload",
            new StringContent("externalId,phone,fullName,credentials\nAUD-C1,+8613711120001,Audit One,\nAUD-C2,bad,Audit Two,\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(System.Net.HttpStatusCode.OK, streamed.StatusCode);
        var entry = await SingleNewEntryAsync(head, CityPass.Server.Authority.CitizenImportService.AuditAction);
        Assert.Equal(("authority", "import:csv", "rows=2 created=1 updated=0 unchanged=0 rejected=1"), (entry.Actor, entry.Subject, entry.After));

        head = await App.AuditHeadAsync();
        var posted = await console.PostFileAsync("/admin/import", "Upload", "file", "citizens.ndjson",
            Encoding.UTF8.GetBytes("{\"externalId\":\"AUD-C3\",\"phone\":\"+8613711120003\",\"fullName\":\"Audit Three\"}\n"), "application/octet-stream");
        Assert.Equal(System.Net.HttpStatusCode.OK, posted.StatusCode);
        entry = await SingleNewEntryAsync(head, CityPass.Server.Authority.CitizenImportService.AuditAction);
        Assert.Equal(("authority", "import:ndjson", "rows=1 created=1 updated=0 unchanged=0 rejected=0"), (entry.Actor, entry.Subject, entry.After));
    }

    [Fact]
    public async Task ConsoleGateChangesAreAudited()
    {
        var console = await App.ConsoleAsync("library");
        var libraryId = await App.VenueIdAsync("上海图书馆");
        var page = $"/admin/venues/{libraryId}/gates";

        var head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await console.PostFormAsync(page, "Add", ("name", "Console door"))).StatusCode);
        var created = await SingleNewEntryAsync(head, "gate.create");
        Assert.Equal("library", created.Actor);
        var gateId = created.Subject["gate:".Length..];

        head = await App.AuditHeadAsync();
        var issued = await console.PostFormAsync(page, "Issue", ("gateId", gateId));
        Assert.Equal(System.Net.HttpStatusCode.OK, issued.StatusCode);
        var issue = await SingleNewEntryAsync(head, "gate.credential.issue");
        Assert.Equal($"gate:{gateId}", issue.Subject);
        var secret = System.Text.RegularExpressions.Regex.Match(await issued.Content.ReadAsStringAsync(), "cpg_[A-Za-z0-9_-]+").Value;
        Assert.NotEmpty(secret);
        Assert.DoesNotContain(secret, $"{issue.Before}{issue.After}{issue.Reason}", StringComparison.Ordinal);

        head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await console.PostFormAsync(page, "Revoke", ("gateId", gateId))).StatusCode);
        Assert.Equal($"gate:{gateId}", (await SingleNewEntryAsync(head, "gate.credential.revoke")).Subject);
    }

    [Fact]
    public async Task ConsoleTrustedCityChangesAreAudited()
    {
        var console = await App.ConsoleAsync("admin");
        const string page = "/admin/trusted-cities";
        var guangzhou = CityPass.Core.Keys.IssuerKeySet.Generate(new CityPass.Core.Keys.IssuerId(440100), CityPass.Core.Keys.SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
        var federation = CityPass.Core.Federation.FederationKey.Generate(CityPass.Core.Keys.SignatureSuite.Es256);

        var head = await App.AuditHeadAsync();
        var added = await console.PostFormAsync(page, "Add", ("issuer", "440100"), ("name", "广州"), ("federationSuite", "ES256"),
            ("federationPublicKey", Convert.ToBase64String(federation.PublicKey.ExportSubjectPublicKeyInfo())), ("documentUrl", "http://127.0.0.1:9/keyset.jws"));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, added.StatusCode);
        var add = await SingleNewEntryAsync(head, "federation.city.add");
        Assert.Equal(("admin", "city:440100"), (add.Actor, add.Subject));
        Assert.Contains(federation.Fingerprint, add.After, StringComparison.Ordinal);

        head = await App.AuditHeadAsync();
        var refreshed = await console.PostFormAsync(page, "Refresh", ("issuer", "440100"));
        Assert.Equal(System.Net.HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Contains("document_unreachable", await refreshed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("refused document_unreachable", (await SingleNewEntryAsync(head, "federation.document.refresh")).After, StringComparison.Ordinal);

        head = await App.AuditHeadAsync();
        var document = CityPass.Core.Federation.SignedKeySet.Sign(guangzhou.PublicKeys, App.Clock.GetUtcNow(), App.Clock.GetUtcNow().AddDays(1), federation.Key);
        var uploaded = await console.PostFormAsync(page, "Upload", ("issuer", "440100"), ("document", document));
        Assert.Equal(System.Net.HttpStatusCode.OK, uploaded.StatusCode);
        Assert.Contains("a newer document was accepted", await uploaded.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("accepted", (await SingleNewEntryAsync(head, "federation.document.upload")).After, StringComparison.Ordinal);

        head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await console.PostFormAsync(page, "Remove", ("issuer", "440100"))).StatusCode);
        Assert.Equal("city:440100", (await SingleNewEntryAsync(head, "federation.city.remove")).Subject);
    }

    [Fact]
    public async Task ConsoleStaffChangesAreAudited()
    {
        var console = await App.ConsoleAsync("admin");
        var head = await App.AuditHeadAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await console.PostFormAsync("/admin/staff", "Create", ("username", "desk"), ("password", "desk-password-2026"), ("role", "HealthAuthority"))).StatusCode);
        var created = await SingleNewEntryAsync(head, "operator.create");
        Assert.Equal("admin", created.Actor);
        var id = created.Subject["operator:".Length..];

        foreach (var (handler, fields, action) in new (string, (string, string)[], string)[]
                 {
                     ($"Update&id={id}", [("username", "desk"), ("role", "CityAdmin")], "operator.update"),
                     ($"Disable&id={id}", [], "operator.disable"),
                     ($"Enable&id={id}", [], "operator.enable"),
                     ($"Reset&id={id}", [], "operator.password.reset"),
                 })
        {
            head = await App.AuditHeadAsync();
            Assert.Equal(System.Net.HttpStatusCode.OK, (await console.PostFormAsync("/admin/staff", handler, fields)).StatusCode);
            var entry = await SingleNewEntryAsync(head, action);
            Assert.Equal(($"operator:{id}", "admin"), (entry.Subject, entry.Actor));
        }
    }

    [Fact]
    public async Task ConsolePolicySaveIsAudited()
    {
        var console = await App.ConsoleAsync("library");
        var libraryId = await App.VenueIdAsync("上海图书馆");
        var head = await App.AuditHeadAsync();
        var response = await console.PostFormAsync($"/admin/venues/{libraryId}/policy", "Save",
            ("Form.AllowedColours", "green"), ("Form.Capacity", "77"), ("Form.AntiPassback", "true"));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var entry = await SingleNewEntryAsync(head, "venue.policy.set");
        Assert.Equal(("library", $"venue:{libraryId}"), (entry.Actor, entry.Subject));
        Assert.Contains("77", entry.After, StringComparison.Ordinal);
    }
}

public sealed class EmbeddedAuditCoverageTests() : AuditCoverageTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresAuditCoverageTests() : AuditCoverageTests(StoreMode.RedisAndPostgres);
