using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Dashboard;
using CityPass.Server.Scans;
using CityPass.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CityPass.Server.Tests;

/// <summary>
/// The city dashboard (issue 17): GET /v1/dashboard for city admins and the health authority, read from the per-minute
/// roll-ups the archive writes; the console page at /admin/city/dashboard. The demo library admits green only.
/// </summary>
public abstract class DashboardTests(StoreMode mode) : AppTest(mode)
{
    private const string Library = "上海图书馆";

    private readonly Dictionary<string, HttpClient> _staff = [];

    /// <summary>
    /// Signed in once per user and kept: tokens are checked against the real clock, so one issued after the test clock
    /// has been moved on would not be valid yet.
    /// </summary>
    private async Task<JsonElement> DashboardAsync(string user = "authority", string query = "")
    {
        if (!_staff.TryGetValue(user, out var staff)) _staff[user] = staff = await App.StaffAsync(user);
        var response = await staff.GetAsync("/v1/dashboard" + query);
        Assert.True(response.IsSuccessStatusCode, $"dashboard answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static long Allowed(JsonElement d) => d.GetProperty("scans").GetProperty("totalAllowed").GetInt64();

    private static Dictionary<string, long> DeniedByCode(JsonElement d) =>
        d.GetProperty("scans").GetProperty("deniedByCode").EnumerateArray().ToDictionary(s => s.GetProperty("code").GetString()!, s => s.GetProperty("total").GetInt64());

    [Fact]
    public async Task ScansPerMinuteEqualWhatWasScannedWithARetryCountedOnce()
    {
        var gate = App.Gate(Library);
        var green = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        var red = await (await App.SignInCitizenAsync(Phones.WangRed)).PassTextAsync();
        var scanId = Guid.NewGuid();
        Assert.Equal("allowed", (await gate.DecideAsync(green, scanId: scanId)).Code);
        // The gate timed out and sent the same scan again: one scan.
        Assert.Equal("allowed", (await gate.DecideAsync(green, scanId: scanId)).Code);
        Assert.Equal("allowed", (await gate.DecideAsync(green, "out")).Code);
        Assert.Equal("status_not_allowed", (await gate.DecideAsync(red)).Code);
        Assert.Equal("status_not_allowed", (await gate.DecideAsync(red)).Code);

        var dashboard = await EventuallyAsync(() => DashboardAsync(), d => Allowed(d) >= 2 && DeniedByCode(d).Values.Sum() >= 2);
        await Task.Delay(300);
        dashboard = await DashboardAsync();

        var scans = dashboard.GetProperty("scans");
        Assert.Equal(60, scans.GetProperty("minutes").GetInt32());
        Assert.Equal(60, scans.GetProperty("minuteStarts").GetArrayLength());
        Assert.Equal(2, Allowed(dashboard));
        Assert.Equal(new Dictionary<string, long> { ["status_not_allowed"] = 2 }, DeniedByCode(dashboard));
        Assert.Equal(2, scans.GetProperty("totalDenied").GetInt64());
        // The series adds up to the totals, and the newest minute is now's.
        Assert.Equal(2, scans.GetProperty("allowed").EnumerateArray().Sum(c => c.GetInt64()));
        var newest = scans.GetProperty("minuteStarts")[59].GetDateTimeOffset();
        Assert.Equal(ScanMinute.Of(App.Clock.GetUtcNow()), newest);

        // What the scan log holds, the roll-ups count.
        var libraryId = await App.VenueIdAsync(Library);
        var log = await (await App.StaffAsync("library")).GetFromJsonAsync<JsonElement>($"/v1/venues/{libraryId}/scans");
        Assert.Equal(4, log.GetProperty("items").GetArrayLength());

        var busiest = dashboard.GetProperty("busiestVenues");
        Assert.Equal(1, busiest.GetArrayLength());
        Assert.Equal((libraryId, 2L, 2L, 0), (busiest[0].GetProperty("venueId").GetGuid(), busiest[0].GetProperty("allowed").GetInt64(),
            busiest[0].GetProperty("denied").GetInt64(), busiest[0].GetProperty("inside").GetInt32()));
        Assert.Equal("徐汇区 Xuhui", busiest[0].GetProperty("district").GetString());

        // An hour on, the window has moved past them; the roll-ups are still there for longer windows.
        await DashboardAsync(query: "?minutes=180");
        App.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(0, Allowed(await DashboardAsync()));
        Assert.Equal(2, Allowed(await DashboardAsync(query: "?minutes=180")));
    }

    [Fact]
    public async Task OccupancyIsGroupedByDistrictAndVenueTypeAgainstCapacity()
    {
        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        Assert.Equal("allowed", (await App.Gate(Library).DecideAsync(text)).Code);

        var dashboard = await DashboardAsync("admin");

        var xuhui = dashboard.GetProperty("occupancyByDistrict").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "徐汇区 Xuhui");
        Assert.Equal((1, 1, 1, 300), (xuhui.GetProperty("venues").GetInt32(), xuhui.GetProperty("inside").GetInt32(),
            xuhui.GetProperty("insideOfCapacity").GetInt32(), xuhui.GetProperty("capacity").GetInt32()));
        Assert.Equal(Math.Round(1 / 300.0, 4), xuhui.GetProperty("utilisation").GetDouble());
        var libraries = dashboard.GetProperty("occupancyByKind").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "library");
        Assert.Equal(1, libraries.GetProperty("inside").GetInt32());
        // The estate has no capacity: it counts who is inside, not against a capacity.
        var estates = dashboard.GetProperty("occupancyByKind").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "housing_estate");
        Assert.Equal((0, JsonValueKind.Null), (estates.GetProperty("capacity").GetInt32(), estates.GetProperty("utilisation").ValueKind));

        // A venue created with a district groups under it; without one, under "".
        var admin = await App.StaffAsync("admin");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/v1/venues", new { name = "Jing'an Sports Centre", kind = "stadium", address = "1 Rd", district = "静安区 Jing'an" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/v1/venues", new { name = "Pop-up clinic", kind = "clinic", address = "" })).StatusCode);
        var districts = (await DashboardAsync("admin")).GetProperty("occupancyByDistrict").EnumerateArray().Select(g => g.GetProperty("key").GetString()).ToList();
        Assert.Contains("静安区 Jing'an", districts);
        Assert.Contains("", districts);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/v1/venues", new { name = "X", kind = "clinic", district = new string('d', 101) })).StatusCode);
    }

    [Fact]
    public async Task ThePopulationsColourMixShowsTodaysChange()
    {
        var before = await DashboardAsync();
        long Citizens(JsonElement d, string colour) => d.GetProperty("population").EnumerateArray().Single(c => c.GetProperty("colour").GetString() == colour).GetProperty("citizens").GetInt64();
        long Change(JsonElement d, string colour) => d.GetProperty("population").EnumerateArray().Single(c => c.GetProperty("colour").GetString() == colour).GetProperty("changeToday").GetInt64();
        Assert.Equal((2L, 1L, 1L), (Citizens(before, "green"), Citizens(before, "yellow"), Citizens(before, "red")));

        var caseId = await App.OpenCaseAsync();
        var authority = await App.StaffAsync("authority");
        var citizenId = await App.CitizenIdAsync(Phones.JohnGreen);
        var changed = await authority.PutAsJsonAsync($"/v1/citizens/{citizenId}/status", new { colour = "red", reason = "Positive test", caseRef = caseId });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        // The mix is counted at most every 30 s, in the background: the next read still shows the last count, then the new one.
        Assert.Equal(1L, Citizens(await DashboardAsync(), "red"));
        App.Clock.Advance(DashboardService.PopulationMaxAge + TimeSpan.FromSeconds(1));
        var after = await EventuallyAsync(() => DashboardAsync(), d => Citizens(d, "red") == 2);
        Assert.Equal((1L, 1L, 2L), (Citizens(after, "green"), Citizens(after, "yellow"), Citizens(after, "red")));
        Assert.True(after.GetProperty("populationAsOf").GetDateTimeOffset() > before.GetProperty("populationAsOf").GetDateTimeOffset());
        Assert.Equal(Change(before, "green") - 1, Change(after, "green"));
        Assert.Equal(Change(before, "red") + 1, Change(after, "red"));
        Assert.Equal(0.5, after.GetProperty("population").EnumerateArray().Single(c => c.GetProperty("colour").GetString() == "red").GetProperty("share").GetDouble());
    }

    [Fact]
    public async Task GatesWithADriftingClockOrSilentAreListed()
    {
        var gate = App.Gate(Library);
        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        // The gate's clock is 50 s ahead: within the late-upload limit, beyond the 30 s the console warns at.
        Assert.Equal("allowed", (await gate.DecideAsync(text, scannedAt: App.Clock.GetUtcNow().AddSeconds(50))).Code);

        var dashboard = await EventuallyAsync(() => DashboardAsync(), d => d.GetProperty("gates").GetProperty("clockDrift").GetInt32() >= 1);
        var gates = dashboard.GetProperty("gates");
        Assert.Equal(1, gates.GetProperty("clockDrift").GetInt32());
        var issues = gates.GetProperty("issues").EnumerateArray().ToList();
        var drifting = issues[0];
        Assert.Equal(gate.GateId, drifting.GetProperty("gateId").GetGuid());
        Assert.Equal(["clock_drift"], drifting.GetProperty("problems").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(50, drifting.GetProperty("clockDriftSeconds").GetDouble(), 1);
        // Every other demo gate has a credential and no scan: silent.
        var active = gates.GetProperty("active").GetInt32();
        Assert.Equal(active - 1, gates.GetProperty("silent").GetInt32());
        Assert.All(issues.Skip(1), i => Assert.Contains("silent", i.GetProperty("problems").EnumerateArray().Select(p => p.GetString())));

        // Silent after the threshold: 31 minutes on, the drifting gate is silent too.
        App.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(active, (await DashboardAsync()).GetProperty("gates").GetProperty("silent").GetInt32());
        Assert.Equal(active - 1, (await DashboardAsync(query: "?silentAfterMinutes=60")).GetProperty("gates").GetProperty("silent").GetInt32());
    }

    [Fact]
    public async Task TrustedCitiesFreshnessIsShown()
    {
        var admin = await App.StaffAsync("admin");
        var key = Convert.ToBase64String(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfo());
        var added = await admin.PostAsJsonAsync("/v1/federation/cities", new { issuer = "330100", name = "Hangzhou", federationSuite = "ES256", federationPublicKey = key });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());

        var city = Assert.Single((await DashboardAsync()).GetProperty("trustedCities").EnumerateArray());
        Assert.Equal(("330100", "Hangzhou", "pending"), (city.GetProperty("issuer").GetString(), city.GetProperty("name").GetString(), city.GetProperty("state").GetString()));
        Assert.Equal(JsonValueKind.Null, city.GetProperty("documentAgeHours").ValueKind);
    }

    [Fact]
    public async Task OnlyCityAdminsAndTheHealthAuthoritySeeTheDashboard()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClient().GetAsync("/v1/dashboard")).StatusCode);
        var library = await App.StaffAsync("library");
        var refused = await library.GetAsync("/v1/dashboard");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("forbidden", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        await DashboardAsync("admin");
        await DashboardAsync("authority");

        // The console page too: a venue operator is turned away, the authority sees it (with its live panels).
        var operatorConsole = await App.ConsoleAsync("library");
        var page = await operatorConsole.Http.GetAsync("/admin/city/dashboard");
        Assert.NotEqual(HttpStatusCode.OK, page.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await operatorConsole.Http.GetAsync("/admin/city/dashboard?handler=Panels")).StatusCode);
        var authorityConsole = await App.ConsoleAsync("authority");
        var shown = await authorityConsole.Http.GetAsync("/admin/city/dashboard");
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains("dashboard-chart", await shown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var panels = await authorityConsole.Http.GetAsync("/admin/city/dashboard?handler=Panels");
        Assert.Equal(HttpStatusCode.OK, panels.StatusCode);
        Assert.Contains("dashboard-data", await panels.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?minutes=0", "minutes")]
    [InlineData("?minutes=4", "minutes")]
    [InlineData("?minutes=181", "minutes")]
    [InlineData("?minutes=sixty", "minutes")]
    [InlineData("?minutes=-5", "minutes")]
    [InlineData("?minutes=99999999999999", "minutes")]
    [InlineData("?top=0", "top")]
    [InlineData("?top=51", "top")]
    [InlineData("?silentAfterMinutes=4", "silentAfterMinutes")]
    [InlineData("?silentAfterMinutes=1441", "silentAfterMinutes")]
    public async Task ParametersOutOfBoundsAreValidationProblems(string query, string field)
    {
        var authority = await App.StaffAsync("authority");
        var response = await authority.GetAsync("/v1/dashboard" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task TheBoundsThemselvesAreAccepted()
    {
        var smallest = await DashboardAsync(query: "?minutes=5&top=1&silentAfterMinutes=5");
        Assert.Equal(5, smallest.GetProperty("scans").GetProperty("minuteStarts").GetArrayLength());
        var largest = await DashboardAsync(query: "?minutes=180&top=50&silentAfterMinutes=1440");
        Assert.Equal(180, largest.GetProperty("scans").GetProperty("allowed").GetArrayLength());
    }

    [Fact]
    public async Task RollUpsArePurgedWithTheScansAtRetention()
    {
        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        Assert.Equal("allowed", (await App.Gate(Library).DecideAsync(text)).Code);
        var scanned = App.Clock.GetUtcNow();
        var minutes = App.Get<IScanMinuteStore>();
        await EventuallyAsync(() => minutes.MinutesAsync(scanned.AddHours(-1), scanned.AddHours(1), null, CancellationToken.None), m => m.Count == 1);

        // 30 days (the default retention) and a bit later, the hourly purge takes the scan and its minute.
        await DashboardAsync(query: "?minutes=180"); // signed in before the clock moves
        App.Clock.Advance(TimeSpan.FromDays(30) + TimeSpan.FromMinutes(2));
        // The worker's hourly timer fires on the clock's move too; this purge makes sure, whichever comes first.
        var worker = App.Services.GetServices<IHostedService>().OfType<ScanRetentionWorker>().Single();
        await worker.PurgeOnceAsync(CancellationToken.None);
        Assert.Equal(0, await App.Get<IScanStore>().CountAsync(null, CancellationToken.None));
        Assert.Empty(await minutes.MinutesAsync(scanned.AddHours(-1), scanned.AddHours(1), null, CancellationToken.None));
        Assert.Equal(0, Allowed(await DashboardAsync(query: "?minutes=180")));
    }

    [Fact]
    public async Task TheOccupancyChartCountsEveryArchivedScanNotOnlyTheNewestThousand()
    {
        var libraryId = await App.VenueIdAsync(Library);
        var now = App.Clock.GetUtcNow();
        // 1,500 archived scans of the last 90 minutes, a third refused, a third of the allowed ones exits.
        var records = Enumerable.Range(0, 1500).Select(i => new ScanRecord(Guid.NewGuid(), Guid.NewGuid(), libraryId,
            i % 3 == 1 ? CityPass.Core.Venues.ScanDirection.Out : CityPass.Core.Venues.ScanDirection.In, i % 3 != 2,
            i % 3 != 2 ? CityPass.Core.Venues.DecisionCode.Allowed : CityPass.Core.Venues.DecisionCode.StatusNotAllowed, CityPass.Core.Citizens.StatusColour.Green,
            "张*三", null, new CityPass.Core.Keys.IssuerId(310000), CityPass.Core.Tokens.TokenId.NewRandom(), now.AddSeconds(-i * 3.5), now.AddSeconds(-i * 3.5))).ToList();
        await App.Get<IScanStore>().InsertAsync(records, CancellationToken.None);

        var console = await App.ConsoleAsync("library");
        foreach (var range in new[] { "2h", "24h", "7d" })
        {
            var series = await console.Http.GetFromJsonAsync<JsonElement>($"/admin/venues/{libraryId}/occupancy?handler=Series&range={range}");
            long Sum(string name) => series.GetProperty(name).EnumerateArray().Sum(e => e.GetInt64());
            Assert.Equal((500L, 500L, 500L), (Sum("entries"), Sum("exits"), Sum("refused")));
        }
        Assert.Equal(12, (await console.Http.GetFromJsonAsync<JsonElement>($"/admin/venues/{libraryId}/occupancy?handler=Series")).GetProperty("labels").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await console.Http.GetAsync($"/admin/venues/{libraryId}/occupancy?handler=Series&range=1y")).StatusCode);
        // Another venue's chart stays another venue's.
        var theatre = await App.VenueIdAsync("上海大剧院");
        Assert.Equal(HttpStatusCode.NotFound, (await console.Http.GetAsync($"/admin/venues/{theatre}/occupancy?handler=Series")).StatusCode);
    }
}

public sealed class EmbeddedDashboardTests() : DashboardTests(StoreMode.Embedded);

/// <summary>The same on real Redis and PostgreSQL: scans reach the roll-ups through the stream and the archiver.</summary>
public sealed class RedisPostgresDashboardTests() : DashboardTests(StoreMode.RedisAndPostgres);
