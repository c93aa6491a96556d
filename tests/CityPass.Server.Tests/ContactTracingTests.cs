using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Scans;
using CityPass.Server.Tests.Support;

namespace CityPass.Server.Tests;

/// <summary>
/// Contact tracing through GET /v1/cases/{id}/exposures and the console's page, on scans with known overlaps written
/// straight into the archive (times the gates could not be made to produce): entry/exit pairs, a visit without an exit
/// (the venue type's dwell time), denied scans, another venue, touching visits, the window's edges and both filters.
/// </summary>
public abstract class ContactTracingTests(StoreMode mode) : AppTest(mode)
{
    // Dwell times spelled out here, so the expected minutes do not hang on the defaults.
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Tracing:DwellMinutes:library"] = "120",
        ["Tracing:DwellMinutes:theatre"] = "90",
        ["Tracing:MaxVisitMinutes"] = "480",
    };

    private DateTimeOffset _t;
    private Guid _library, _theatre, _clinic, _estate;
    private string _zhang = "", _li = "", _john = "";
    private readonly CitizenPseudonym _b = CitizenPseudonym.NewRandom(), _c = CitizenPseudonym.NewRandom(), _d = CitizenPseudonym.NewRandom(),
        _e = CitizenPseudonym.NewRandom(), _f = CitizenPseudonym.NewRandom(), _g = CitizenPseudonym.NewRandom(), _h = CitizenPseudonym.NewRandom();

    /// <summary>
    /// Zhang (the index case): library 0:00–2:00 (exit recorded), theatre from 5:00 (no exit: 90 minutes), a denied clinic
    /// entry at 8:00. Expected: John 75 min (library 45 + theatre 30), Li 60 (library from 1:00, no exit), H 20 (theatre),
    /// B 10 (library); not C (enters as Zhang leaves), D (gone by dwell time before), E (clinic, where Zhang was denied),
    /// F (another venue), G (denied).
    /// </summary>
    private async Task SeedAsync()
    {
        var now = App.Clock.GetUtcNow();
        _t = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero).AddDays(-2).AddHours(2);
        (_library, _theatre, _clinic, _estate) = (await App.VenueIdAsync("上海图书馆"), await App.VenueIdAsync("上海大剧院"), await App.VenueIdAsync("瑞金医院"), await App.VenueIdAsync("阳光小区"));
        (_zhang, _li, _john) = (await App.CitizenIdAsync(Phones.ZhangGreen), await App.CitizenIdAsync(Phones.LiYellow), await App.CitizenIdAsync(Phones.JohnGreen));
        var zhang = Id(_zhang);
        var li = Id(_li);
        var john = Id(_john);
        await App.Get<IScanStore>().InsertAsync(
        [
            Scan(_library, zhang, ScanDirection.In, 0), Scan(_library, zhang, ScanDirection.Out, 120),
            Scan(_theatre, zhang, ScanDirection.In, 300),
            Scan(_clinic, zhang, ScanDirection.In, 480, allowed: false),

            Scan(_library, john, ScanDirection.In, -30), Scan(_library, john, ScanDirection.Out, 45),
            Scan(_theatre, john, ScanDirection.In, 360),
            Scan(_library, li, ScanDirection.In, 60),
            Scan(_library, _b, ScanDirection.In, 110), Scan(_library, _b, ScanDirection.Out, 180),
            Scan(_library, _c, ScanDirection.In, 120), Scan(_library, _c, ScanDirection.Out, 150),
            Scan(_library, _d, ScanDirection.In, -180),
            Scan(_clinic, _e, ScanDirection.In, 480),
            Scan(_estate, _f, ScanDirection.In, 30),
            Scan(_library, _g, ScanDirection.In, 30, allowed: false),
            Scan(_theatre, _h, ScanDirection.In, 240), Scan(_theatre, _h, ScanDirection.Out, 320),
        ], CancellationToken.None);
    }

    private static CitizenPseudonym Id(string text) => CitizenPseudonym.TryParse(text, out var id) ? id : throw new ArgumentException(text);

    private ScanRecord Scan(Guid venue, CitizenPseudonym citizen, ScanDirection direction, int minutes, bool allowed = true) => new(
        Guid.NewGuid(), Guid.NewGuid(), venue, direction, allowed, allowed ? DecisionCode.Allowed : DecisionCode.StatusNotAllowed,
        StatusColour.Green, "张*三", citizen, new IssuerId(310100), new TokenId(CitizenPseudonym.NewRandom().Value), _t.AddMinutes(minutes), _t.AddMinutes(minutes));

    private string Url(string caseId, string query = "") =>
        $"/v1/cases/{caseId}/exposures?citizenId={_zhang}&from={Uri.EscapeDataString(_t.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(_t.AddHours(12).ToString("O"))}{query}";

    private static (string Citizen, double Minutes)[] Exposures(JsonElement trace) =>
        [.. trace.GetProperty("exposures").EnumerateArray().Select(e => (e.GetProperty("citizenId").GetString()!, e.GetProperty("overlapMinutes").GetDouble()))];

    [Fact]
    public async Task OverlappingVisitsAtTheSameVenueAreExposuresWithTheirMinutes()
    {
        await SeedAsync();
        var caseId = await App.OpenCaseAsync();
        var authority = await App.StaffAsync("authority");
        var trace = await authority.GetFromJsonAsync<JsonElement>(Url(caseId));

        Assert.Equal([(_john, 75.0), (_li, 60.0), (_h.ToString(), 20.0), (_b.ToString(), 10.0)], Exposures(trace));
        Assert.Equal(4, trace.GetProperty("exposedCitizens").GetInt32());
        var visits = trace.GetProperty("visits").EnumerateArray().ToList();
        Assert.Equal([("library", "exit", 120.0, 3), ("theatre", "dwell", 90.0, 2)],
            visits.Select(v => (v.GetProperty("venueType").GetString(), v.GetProperty("endedBy").GetString(),
                (v.GetProperty("end").GetDateTimeOffset() - v.GetProperty("entry").GetDateTimeOffset()).TotalMinutes, v.GetProperty("contacts").GetInt32())));
        // John's two stretches, where and when.
        var johnContacts = trace.GetProperty("exposures")[0].GetProperty("contacts").EnumerateArray()
            .Select(c => (c.GetProperty("venueId").GetGuid(), c.GetProperty("from").GetDateTimeOffset(), c.GetProperty("minutes").GetDouble())).ToList();
        Assert.Equal([(_library, _t, 45.0), (_theatre, _t.AddHours(6), 30.0)], johnContacts);

        // Audited: who traced whom, under which case.
        var entry = (await App.AuditSinceAsync(0)).Last(e => e.Action == "case.trace");
        Assert.Equal(("authority", $"citizen:{_zhang}", caseId), (entry.Actor, entry.Subject, entry.CaseRef));
        Assert.Contains("2 visits, 4 exposed citizens", entry.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FiltersAndTheWindowNarrowTheList()
    {
        await SeedAsync();
        var caseId = await App.OpenCaseAsync();
        var authority = await App.StaffAsync("authority");

        Assert.Equal([(_john, 75.0), (_li, 60.0)], Exposures((await authority.GetFromJsonAsync<JsonElement>(Url(caseId, "&minOverlapMinutes=30")))!));
        Assert.Equal([(_john, 30.0), (_h.ToString(), 20.0)], Exposures((await authority.GetFromJsonAsync<JsonElement>(Url(caseId, "&venueTypes=theatre")))!));
        Assert.Equal([(_john, 75.0), (_li, 60.0), (_h.ToString(), 20.0), (_b.ToString(), 10.0)],
            Exposures((await authority.GetFromJsonAsync<JsonElement>(Url(caseId, "&venueTypes=Theatre,library")))!));

        // The window is on entries: from 1:00, the library visit (entered at 0:00) is out; to 5:00 (exclusive), the theatre's.
        var fromOne = $"/v1/cases/{caseId}/exposures?citizenId={_zhang}&from={Uri.EscapeDataString(_t.AddHours(1).ToString("O"))}&to={Uri.EscapeDataString(_t.AddHours(12).ToString("O"))}";
        Assert.Equal([(_john, 30.0), (_h.ToString(), 20.0)], Exposures((await authority.GetFromJsonAsync<JsonElement>(fromOne))!));
        var toFive = $"/v1/cases/{caseId}/exposures?citizenId={_zhang}&from={Uri.EscapeDataString(_t.ToString("O"))}&to={Uri.EscapeDataString(_t.AddHours(5).ToString("O"))}";
        Assert.Equal([(_li, 60.0), (_john, 45.0), (_b.ToString(), 10.0)], Exposures((await authority.GetFromJsonAsync<JsonElement>(toFive))!));
    }

    [Fact]
    public async Task BadInputAndTheWrongCaseAnswerStableCodes()
    {
        await SeedAsync();
        var caseId = await App.OpenCaseAsync();
        var authority = await App.StaffAsync("authority");

        async Task ExpectAsync(HttpClient client, string url, HttpStatusCode status, string code)
        {
            var response = await client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{url} answered {response.StatusCode}: {body}");
            Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        }

        await ExpectAsync(authority, $"/v1/cases/{caseId}/exposures?citizenId=not-a-citizen", HttpStatusCode.BadRequest, "validation_failed");
        await ExpectAsync(authority, Url(caseId, "&minOverlapMinutes=-5"), HttpStatusCode.BadRequest, "validation_failed");
        await ExpectAsync(authority, $"/v1/cases/{caseId}/exposures?citizenId={_zhang}&from=yesterday", HttpStatusCode.BadRequest, "validation_failed");
        await ExpectAsync(authority, $"/v1/cases/{caseId}/exposures?citizenId={_zhang}&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", HttpStatusCode.BadRequest, "trace_window_too_long");
        await ExpectAsync(authority, Url("C-2026-999999"), HttpStatusCode.NotFound, "not_found");
        await ExpectAsync(authority, Url(await App.OpenCaseAsync(type: "travel_rule")), HttpStatusCode.UnprocessableEntity, "case_not_health");
        var closed = await App.OpenCaseAsync();
        await App.CloseCaseAsync(closed);
        await ExpectAsync(authority, Url(closed), HttpStatusCode.Conflict, "case_closed");
        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.StaffAsync("library")).GetAsync(Url(caseId))).StatusCode);
        // Refusals disclose nothing, so they are not traces in the audit log.
        Assert.DoesNotContain(await App.AuditSinceAsync(0), e => e.Action == "case.trace");
    }

    [Fact]
    public async Task TheConsoleTracesAndChangesTheSelectedCitizensStatuses()
    {
        await SeedAsync();
        var caseId = await App.OpenCaseAsync(type: "close_contact_investigation");
        var console = await App.ConsoleAsync("authority");
        // The form's times are the city's (datetime-local).
        var page = $"/admin/cases/{caseId}/exposures?citizenId={_zhang}&from={Uri.EscapeDataString(Admin.ConsoleTime.ForInput(_t.AddHours(-1)))}&to={Uri.EscapeDataString(Admin.ConsoleTime.ForInput(_t.AddHours(12)))}&minOverlap=30";
        var html = await console.Http.GetStringAsync(page);
        Assert.Contains($"value=\"{_john}\"", html, StringComparison.Ordinal);
        Assert.Contains($"value=\"{_li}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain($"value=\"{_b}\"", html, StringComparison.Ordinal);

        var head = await App.AuditHeadAsync();
        var posted = await console.PostFormAsync(page, "ChangeStatuses", ("citizenIds", _john), ("citizenIds", _li), ("colour", "red"), ("reason", "Close contact"), ("caseRef", caseId));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var location = posted.Headers.Location!.OriginalString;
        Assert.Matches("^/admin/drafts/[0-9a-f-]{36}\\?drafted=1$", location);
        var added = await App.AuditSinceAsync(head);
        // The page's own trace (the form was read first), then one draft of the two under the case: nobody changed yet.
        Assert.Equal(["case.trace", "status.draft"], added.Select(e => e.Action));
        Assert.All(added, e => Assert.Equal(caseId, e.CaseRef));
        var draft = await (await App.StaffAsync("authority")).GetFromJsonAsync<System.Text.Json.JsonElement>($"/v1/status-drafts/{location["/admin/drafts/".Length..location.IndexOf('?', StringComparison.Ordinal)]}");
        Assert.Equal(new[] { _john, _li }.Order(StringComparer.Ordinal), draft.GetProperty("citizenIds").EnumerateArray().Select(i => i.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(("pending", "red"), (draft.GetProperty("state").GetString(), draft.GetProperty("colour").GetString()));
    }
}

public sealed class EmbeddedContactTracingTests() : ContactTracingTests(StoreMode.Embedded);

/// <summary>The same tests on real Redis and PostgreSQL servers on loopback.</summary>
public sealed class RedisPostgresContactTracingTests() : ContactTracingTests(StoreMode.RedisAndPostgres);
