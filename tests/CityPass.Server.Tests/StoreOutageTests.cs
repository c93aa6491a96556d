using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Server.Stores.Redis;
using CityPass.Server.Tests.Support;
using CityPass.Testing;

namespace CityPass.Server.Tests;

/// <summary>What a failing store does to the whole server (issue 12): each test owns the store it breaks.</summary>
public static class Outages
{
    /// <summary>The server's default scan budget (Scans:BudgetMilliseconds).</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The budget plus what the test's own HTTP round trip in process can cost on a shared 2-core machine running
    /// the whole suite in parallel (766 ms was seen there for a refusal the server timed at its 250 ms budget, and
    /// 1,308 and 1,375 ms in one CI run, 2,378 ms in another: the classes that use it now run alone, <see cref="Alone"/>);
    /// a refusal that waited for the Redis client's 5 s default (the bug) is still
    /// far beyond it. The budget itself is measured under load, where nothing else shares the process: the faults run
    /// of the load runner (probe refusals, slowest 142-263 ms).
    /// </summary>
    public static readonly TimeSpan AnsweredWithin = Budget + TimeSpan.FromSeconds(2);

    public static async Task<(HttpStatusCode Status, string? Code, TimeSpan Took, HttpResponseMessage Response)> ScanAsync(
        HttpClient gate, string text, Guid scanId, string direction = "in", DateTimeOffset? scannedAt = null)
    {
        var watch = Stopwatch.StartNew();
        var response = await gate.PostAsJsonAsync("/v1/scans", new { text, scanId, direction, scannedAt });
        watch.Stop();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body.TryGetProperty("code", out var code) ? code.GetString() : null, watch.Elapsed, response);
    }

    /// <summary>The id of the demo venue's north gate, the one <see cref="GateHttp"/> scans with.</summary>
    public static Guid GateId(CityPassApp app, string venue) => NorthGate(app, venue).GateId;

    private static (string Venue, string Gate, Guid GateId, string Credential) NorthGate(CityPassApp app, string venue) =>
        app.Demo.Gates.Single(x => x.Venue.StartsWith(venue, StringComparison.Ordinal) && x.Gate == "North entrance");

    public static HttpClient GateHttp(CityPassApp app, string venue)
    {
        var g = NorthGate(app, venue);
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Gate", g.Credential);
        return http;
    }

    /// <summary>Reads until <paramref name="done"/> or 30 s; a read refused while a store comes back (a 503 thrown as HttpRequestException) is read again.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                var value = await read();
                if (done(value) || DateTime.UtcNow > deadline) return value;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The library's north gate, its venue, and John's pass, ready for a scan that is one script call.</summary>
    public sealed record LibraryScene(HttpClient Gate, Guid VenueId, Guid GateId, RedisKeys.Venue Keys, string JohnsPass, string JohnsId);

    /// <summary>
    /// Zhang has entered the library (occupancy 1, and the scan path is warm: nothing else waits on a reply), and
    /// John's hot copy is in <paramref name="redis"/>, so his scan is one script call, run the moment it reaches Redis.
    /// </summary>
    public static async Task<LibraryScene> LibrarySceneAsync(CityPassApp app, RedisServer redis)
    {
        var gate = GateHttp(app, "上海图书馆");
        var venue = await app.VenueIdAsync("上海图书馆");
        var zhang = await (await app.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        var john = await (await app.SignInCitizenAsync(Phones.JohnGreen)).PassTextAsync();
        var johnId = await app.CitizenIdAsync(Phones.JohnGreen);
        Assert.True(CityPass.Core.Citizens.CitizenPseudonym.TryParse(johnId, out var johnPseudonym));
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(gate, zhang, Guid.NewGuid())).Status);
        Assert.Equal("1", await EventuallyAsync(() => redis.CliAsync("EXISTS", RedisKeys.Citizen(johnPseudonym)), r => r == "1"));
        return new LibraryScene(gate, venue, GateId(app, "上海图书馆"), new RedisKeys.Venue(venue), john, johnId);
    }

    public static void AssertRefusedInTime((HttpStatusCode Status, string? Code, TimeSpan Took, HttpResponseMessage Response) scan)
    {
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "store_unavailable"), (scan.Status, scan.Code));
        Assert.NotNull(scan.Response.Headers.RetryAfter);
        Assert.True(scan.Took < AnsweredWithin, $"refused only after {scan.Took.TotalMilliseconds:0} ms");
    }
}

/// <summary>The test's own redis-server, connected with the server's production settings (250 ms per call).</summary>
[Collection(Alone.Name)]
public sealed class RedisOutageTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private CityPassApp App { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        App = new CityPassApp(StoreMode.RedisAndPostgres, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = _redis.EndPoint,
            ["ConnectionStrings:Postgres"] = await RealServers.NewPostgresDatabaseAsync(),
            // Membership on a Redis that keeps its data, as docs/architecture.md asks: a silo whose table vanished stops itself.
            ["ConnectionStrings:Orleans"] = await RealServers.NewRedisDatabaseAsync(),
            // Only the refill can bring a lost citizen back within a test's time.
            ["HotState:ReconcileSeconds"] = "3600",
        });
        await App.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<string> RedisAsync(params string[] command) => await _redis.CliAsync(command);

    [Fact]
    public async Task WhileRedisIsDownScansAreRefusedWith503InTimeLoggedOnceAndComeBackWithoutARestart()
    {
        var text = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        var gate = Outages.GateHttp(App, "上海图书馆");
        Assert.Equal(HttpStatusCode.OK, (await Outages.ScanAsync(gate, text, Guid.NewGuid())).Status);

        _redis.Kill();
        for (var i = 0; i < 10; i++) Outages.AssertRefusedInTime(await Outages.ScanAsync(gate, text, Guid.NewGuid(), "out"));
        var ready = await App.CreateClient().GetAsync("/health/ready");
        var health = await ready.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.StartsWith("down since", health.GetProperty("checks").GetProperty("stores").GetProperty("data").GetProperty("hotState").GetString(), StringComparison.Ordinal);
        // Once for the outage, not once per refused scan, and never as an unhandled error.
        Assert.Single(App.Logs.Lines, l => l.Line.Contains("hot state (Redis) is not answering", StringComparison.Ordinal));
        Assert.DoesNotContain(App.Logs.Lines, l => l.Line.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase));

        // A fresh, empty Redis: the scan path finds its script and the citizen again by itself.
        await _redis.StartAgainAsync();
        var after = await Outages.EventuallyAsync(() => Outages.ScanAsync(gate, text, Guid.NewGuid(), "out"), s => s.Status == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(HttpStatusCode.OK, (await Outages.EventuallyAsync(() => App.CreateClient().GetAsync("/health/ready"), r => r.StatusCode == HttpStatusCode.OK)).StatusCode);
    }

    [Fact]
    public async Task AScanRefusedWhileRedisHangsLeavesNoEntryNoRecordAndNoOccupancyWhenItResumes()
    {
        var (gate, venue, gateId, keys, john, johnId) = await Outages.LibrarySceneAsync(App, _redis);
        var streamBefore = await RedisAsync("XLEN", keys.Stream);

        _redis.Pause();
        var scanId = Guid.NewGuid();
        var refused = await Outages.ScanAsync(gate, john, scanId);
        _redis.Resume();

        Outages.AssertRefusedInTime(refused);
        // Redis has now run whatever queued up while it was stopped; the refused scan's script did nothing.
        Assert.Equal("PONG", await RedisAsync("PING"));
        Assert.Equal("1", await RedisAsync("GET", keys.Occupancy));
        Assert.Equal("0", await RedisAsync("EXISTS", keys.Dedupe(gateId, scanId)));
        Assert.Equal("0", await RedisAsync("SISMEMBER", keys.Presence, johnId));
        Assert.True(long.Parse(await RedisAsync("XLEN", keys.Stream), CultureInfo.InvariantCulture) <= long.Parse(streamBefore, CultureInfo.InvariantCulture));
        // The gate's retry is decided now, as a first answer.
        var retry = await Outages.EventuallyAsync(() => Outages.ScanAsync(gate, john, scanId), s => s.Status == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal("2", await RedisAsync("GET", keys.Occupancy));
        var library = await App.StaffAsync("library");
        var archived = await Outages.EventuallyAsync(() => library.GetFromJsonAsync<JsonElement>($"/v1/venues/{venue}/scans"), s => s.GetProperty("items").GetArrayLength() >= 2);
        Assert.Single(archived.GetProperty("items").EnumerateArray(), s => s.GetProperty("scanId").GetGuid() == scanId);
    }

    [Fact]
    public async Task AfterRedisRestartsEmptyCitizensAndBookingsAreBackWithinSecondsAndABookedCitizenIsAllowed()
    {
        var theatre = Outages.GateHttp(App, "上海大剧院");
        var theatreId = await App.VenueIdAsync("上海大剧院");
        var johnPhone = await App.SignInCitizenAsync(Phones.JohnGreen);
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var clinic = await App.StaffAsync("clinic");
        (await clinic.PutAsync($"/v1/venues/{theatreId}/bookings/{johnId}", null)).EnsureSuccessStatusCode();
        Assert.True(CityPass.Core.Citizens.CitizenPseudonym.TryParse(await App.CitizenIdAsync(Phones.ZhangGreen), out var zhangId));
        // Zhang is inside the library, and his entry is archived.
        var library = Outages.GateHttp(App, "上海图书馆");
        var libraryKeys = new RedisKeys.Venue(await App.VenueIdAsync("上海图书馆"));
        var zhangPass = await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync();
        Assert.Equal(HttpStatusCode.OK, (await Outages.ScanAsync(library, zhangPass, Guid.NewGuid())).Status);
        var librarian = await App.StaffAsync("library");
        await Outages.EventuallyAsync(() => librarian.GetFromJsonAsync<JsonElement>($"/v1/venues/{libraryKeys.Id}/scans"), s => s.GetProperty("items").GetArrayLength() == 1);
        // John is inside the theatre, which now has no anti-passback: its count comes back, and nobody's presence.
        var theatreKeys = new RedisKeys.Venue(theatreId);
        (await clinic.PutAsJsonAsync($"/v1/venues/{theatreId}/policy", new { requiresBooking = true, antiPassback = false })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await Outages.ScanAsync(theatre, await johnPhone.PassTextAsync(), Guid.NewGuid())).Status);
        await Outages.EventuallyAsync(() => clinic.GetFromJsonAsync<JsonElement>($"/v1/venues/{theatreId}/scans"), s => s.GetProperty("items").GetArrayLength() == 1);

        _redis.Kill();
        await _redis.StartAgainAsync();
        // Nothing asks for Zhang: his hot copy comes back by itself (the periodic reconciler runs only hourly here).
        Assert.Equal("1", await Outages.EventuallyAsync(() => RedisAsync("EXISTS", RedisKeys.Citizen(zhangId)), r => r == "1"));
        // The refill puts the citizens back first, then each venue's bookings and figures.
        Assert.Equal("1", await Outages.EventuallyAsync(() => RedisAsync("SISMEMBER", new RedisKeys.Venue(theatreId).Bookings, johnId), r => r == "1"));
        // Who is inside, and how many, from the day's archive: anti-passback still knows Zhang is in.
        Assert.Equal("1", await Outages.EventuallyAsync(() => RedisAsync("GET", libraryKeys.Occupancy), r => r == "1"));
        Assert.Equal("1", await RedisAsync("SISMEMBER", libraryKeys.Presence, zhangId.ToString()));
        Assert.Equal("1", await Outages.EventuallyAsync(() => RedisAsync("GET", theatreKeys.Occupancy), r => r == "1"));
        Assert.Equal("0", await RedisAsync("EXISTS", theatreKeys.Presence));
        var scan = await Outages.EventuallyAsync(async () => await Outages.ScanAsync(theatre, await johnPhone.PassTextAsync(), Guid.NewGuid()), s => s.Status == HttpStatusCode.OK);
        Assert.Equal((HttpStatusCode.OK, "allowed"), (scan.Status, scan.Code));
        Assert.Contains(App.Logs.Lines, l => l.Line.Contains("put back", StringComparison.Ordinal) && l.Category.EndsWith("HotStateRefill", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TurningAntiPassbackOnWhileRedisIsDownAnswers503AndTheOldPolicyStands()
    {
        var library = await App.StaffAsync("library");
        var venueId = await App.VenueIdAsync("上海图书馆");
        (await library.PutAsJsonAsync($"/v1/venues/{venueId}/policy", new { antiPassback = false })).EnsureSuccessStatusCode();

        _redis.Kill();
        var refused = await library.PutAsJsonAsync($"/v1/venues/{venueId}/policy", new { antiPassback = true });
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        await _redis.StartAgainAsync();

        // Who is inside could not be started, so the policy that needs it was not stored.
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "store_unavailable"), (refused.StatusCode, body.GetProperty("code").GetString()));
        var policy = await Outages.EventuallyAsync(() => library.GetFromJsonAsync<JsonElement>($"/v1/venues/{venueId}/policy"), _ => true);
        Assert.False(policy.GetProperty("antiPassback").GetBoolean());
    }

    [Fact]
    public async Task ALateUploadArchivedTodayIsLeftOutOfTheFiguresRebuiltAfterRedisRestartsEmpty()
    {
        var library = App.Gate("上海图书馆");
        var keys = new RedisKeys.Venue(await App.VenueIdAsync("上海图书馆"));
        Assert.True(CityPass.Core.Citizens.CitizenPseudonym.TryParse(await App.CitizenIdAsync(Phones.JohnGreen), out var johnId));
        // Zhang enters now; John's entry of two days ago is uploaded now. Both are archived today.
        await library.DecideAsync(await (await App.SignInCitizenAsync(Phones.ZhangGreen)).PassTextAsync());
        var late = await library.DecideAsync(await (await App.SignInCitizenAsync(Phones.JohnGreen)).PassTextAsync(), scannedAt: App.Clock.GetUtcNow().AddDays(-2));
        Assert.True(late.Body.GetProperty("lateUpload").GetBoolean());
        var librarian = await App.StaffAsync("library");
        await Outages.EventuallyAsync(() => librarian.GetFromJsonAsync<JsonElement>($"/v1/venues/{keys.Id}/scans"), s => s.GetProperty("items").GetArrayLength() == 2);

        _redis.Kill();
        await _redis.StartAgainAsync();

        Assert.Equal("1", await Outages.EventuallyAsync(() => RedisAsync("GET", keys.Occupancy), r => r == "1"));
        Assert.Equal("0", await RedisAsync("SISMEMBER", keys.Presence, johnId.ToString()));
    }

    [Fact]
    public async Task ABookingMadeWhileRedisIsDownIsDoneAndHonouredOnceRedisIsBack()
    {
        var theatre = Outages.GateHttp(App, "上海大剧院");
        var theatreId = await App.VenueIdAsync("上海大剧院");
        var john = await App.SignInCitizenAsync(Phones.JohnGreen);
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var clinic = await App.StaffAsync("clinic");

        _redis.Kill();
        var booking = await clinic.PutAsync($"/v1/venues/{theatreId}/bookings/{johnId}", null);
        await _redis.StartAgainAsync();

        Assert.True(booking.IsSuccessStatusCode, $"a booking while Redis is down answered {booking.StatusCode}");
        var scan = await Outages.EventuallyAsync(async () => await Outages.ScanAsync(theatre, await john.PassTextAsync(), Guid.NewGuid()), s => s.Code == "allowed");
        Assert.Equal((HttpStatusCode.OK, "allowed"), (scan.Status, scan.Code));
    }
}

/// <summary>The test's own PostgreSQL cluster, stopped under a running server.</summary>
[Collection(Alone.Name)]
public sealed class PostgresOutageTests() : OwnPostgresTest("outage")
{
    [Fact]
    public async Task WhilePostgresIsDownScansAreDecidedAndLaterArchivedPassesKeepComingAndChangesAnswer503()
    {
        var zhangPhone = await App.SignInCitizenAsync(Phones.ZhangGreen);
        var zhang = await zhangPhone.PassTextAsync();
        var johnPhone = await App.SignInCitizenAsync(Phones.JohnGreen);
        var john = await johnPhone.PassTextAsync();
        var gate = Outages.GateHttp(App, "上海图书馆");
        var authority = await App.StaffAsync("authority");
        var library = await App.StaffAsync("library");
        var zhangId = await App.CitizenIdAsync(Phones.ZhangGreen);
        var caseId = await App.OpenCaseAsync("close_contact_investigation");
        var venue = await App.VenueIdAsync("上海图书馆");
        var scanIds = new List<Guid> { Guid.NewGuid() };
        Assert.Equal(HttpStatusCode.OK, (await Outages.ScanAsync(gate, zhang, scanIds[0])).Status);

        await Postgres.StopAsync();
        // Past the gate directory's age: its reload fails and the copy it has is served.
        App.Clock.Advance(TimeSpan.FromSeconds(10));
        foreach (var (text, direction) in new[] { (john, "in"), (zhang, "out"), (john, "out"), (zhang, "in") })
        {
            scanIds.Add(Guid.NewGuid());
            var scan = await Outages.ScanAsync(gate, text, scanIds[^1], direction);
            Assert.True(scan.Status == HttpStatusCode.OK, $"a scan while PostgreSQL is down answered {scan.Status} {scan.Code}");
        }
        // A late upload may repeat a scan whose answer only the archive still has: refused while that cannot be read,
        // so the gate keeps it in its journal; it was not recorded, and is once sent again.
        var lateId = Guid.NewGuid();
        var scannedAt = App.Clock.GetUtcNow().AddHours(-3);
        var lateWhileDown = await Outages.ScanAsync(gate, john, lateId, "in", scannedAt);
        var change = await authority.PutAsJsonAsync($"/v1/citizens/{zhangId}/status", new { colour = "yellow", reason = "contact", caseRef = caseId });
        var changeBody = await change.Content.ReadFromJsonAsync<JsonElement>();
        var ready = await App.CreateClient().GetAsync("/health/ready");
        var health = await ready.Content.ReadFromJsonAsync<JsonElement>();
        var password = App.Demo.Staff.Single(s => s.Username == "library").Password;
        var signIn = await App.CreateClient().PostAsJsonAsync("/v1/auth/token", new { username = "library", password });
        var signInBody = await signIn.Content.ReadFromJsonAsync<JsonElement>();
        // The citizen's page refreshes its pass from the grain's state (issued 50 s ago, past its refresh time).
        App.Clock.Advance(TimeSpan.FromSeconds(40));
        var refreshed = await zhangPhone.PassTextAsync();

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "store_unavailable"), (lateWhileDown.Status, lateWhileDown.Code));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "store_unavailable"), (change.StatusCode, changeBody.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "store_unavailable"), (signIn.StatusCode, signInBody.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.OK, "Degraded"), (ready.StatusCode, health.GetProperty("status").GetString()));
        Assert.StartsWith("down since", health.GetProperty("checks").GetProperty("stores").GetProperty("data").GetProperty("records").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(zhang, refreshed);
        Assert.Equal(HttpStatusCode.OK, (await Outages.ScanAsync(gate, refreshed, Guid.NewGuid(), "out")).Status);

        await Postgres.StartAgainAsync();
        // Every answered scan reaches the archive once; the refused change was not made, and can be made now.
        var archived = await Outages.EventuallyAsync(() => library.GetFromJsonAsync<JsonElement>($"/v1/venues/{venue}/scans?limit=100"),
            s => s.GetProperty("items").GetArrayLength() >= scanIds.Count + 1);
        var ids = archived.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("scanId").GetGuid()).ToList();
        Assert.All(scanIds, id => Assert.Single(ids, id));
        Assert.DoesNotContain(lateId, ids);
        var lateAgain = await Outages.ScanAsync(gate, await johnPhone.PassTextAsync(), lateId, "in", scannedAt);
        Assert.Equal(HttpStatusCode.OK, lateAgain.Status);
        Assert.Equal("green", (await authority.GetFromJsonAsync<JsonElement>($"/v1/citizens/{zhangId}")).GetProperty("status").GetProperty("colour").GetString());
        var retried = await Outages.EventuallyAsync(() => authority.PutAsJsonAsync($"/v1/citizens/{zhangId}/status", new { colour = "yellow", reason = "contact", caseRef = caseId }),
            r => r.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }
}

/// <summary>Bookings in Redis that drifted from PostgreSQL (a push lost while Redis was away) are put right by the periodic pass.</summary>
public sealed class BookingReconcileTests() : AppTest(StoreMode.RedisAndPostgres)
{
    [Fact]
    public async Task ALostBookingPushAndALostRemovalAreRepairedWithinAReconcilePeriod()
    {
        var theatreId = await App.VenueIdAsync("上海大剧院");
        var johnId = await App.CitizenIdAsync(Phones.JohnGreen);
        var wangId = await App.CitizenIdAsync(Phones.WangRed);
        var clinic = await App.StaffAsync("clinic");
        (await clinic.PutAsync($"/v1/venues/{theatreId}/bookings/{johnId}", null)).EnsureSuccessStatusCode();
        var redis = App.Get<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        var key = new RedisKeys.Venue(theatreId).Bookings;

        // As if John's push had been lost, and the removal of Wang's (not booked) had not reached Redis.
        await redis.SetRemoveAsync(key, johnId);
        await redis.SetAddAsync(key, wangId);

        // HotState:ReconcileSeconds is 1 here.
        Assert.True(await Outages.EventuallyAsync(() => redis.SetContainsAsync(key, johnId), b => b));
        Assert.False(await Outages.EventuallyAsync(() => redis.SetContainsAsync(key, wangId), b => !b));
    }
}
