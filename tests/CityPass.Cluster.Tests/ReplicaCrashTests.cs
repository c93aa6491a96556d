using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CityPass.Core.Keys;
using CityPass.Testing;
using Xunit.Abstractions;

namespace CityPass.Cluster.Tests;

/// <summary>
/// Three server processes on 127.0.0.1, one Orleans cluster through Redis membership, on one Redis and one
/// PostgreSQL. One is killed with SIGKILL while citizens' passes are asked for and their statuses changed
/// through the other two: nothing acknowledged may be lost, and no pass may be older than a change it follows.
/// </summary>
public sealed partial class ReplicaCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Citizens = 30;

    /// <summary>A call slower than this counts as unavailable.</summary>
    private const double SlowSeconds = 2;

    /// <summary>The bound the test holds the unavailability to; the measured window is printed.</summary>
    private const double MaxWindowSeconds = 8;

    /// <summary>The same for a graceful stop: a hand-off, not a detection.</summary>
    private const double MaxStopWindowSeconds = 2;

    private static readonly TimeSpan AfterKill = TimeSpan.FromSeconds(15);
    private RedisServer _redis = null!;
    private readonly List<ServerProcess> _servers = [];

    /// <summary>One call: when it ended and began (seconds into the run), whose, which, its HTTP status (0: no answer) and the version it saw.</summary>
    private sealed record Event(double At, string Citizen, string Kind, int Status, uint Version, double StartedAt)
    {
        public bool Ok => Status is >= 200 and < 300;
    }

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync("--appendonly", "yes");
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionString,
            ["ConnectionStrings:Postgres"] = await (await PostgresServer.Shared).CreateDatabaseAsync("crash"),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Keys:KeySetJson"] = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddMinutes(-1)).ToPrivateJson(),
            ["Keys:ServerSecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Orleans:ClusterId"] = "crash-" + Guid.NewGuid().ToString("N"),
            ["RateLimits:PerCitizenPerSecond"] = "10000",
            ["RateLimits:SignInsPerMinute"] = "10000",
            // One account changes statuses as fast as it can here: the anomaly guard's hourly limit would hold them (its own tests are StatusDraftTests).
            ["StatusDrafts:ChangesPerHourBeforeHold"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        _servers.Add(await ServerProcess.StartAsync(new Dictionary<string, string>(settings) { ["Demo:Seed"] = "true" }));
        foreach (var _ in Enumerable.Range(0, 2)) _servers.Add(await ServerProcess.StartAsync(new Dictionary<string, string>(settings) { ["Demo:Seed"] = "false" }));
    }

    public async Task DisposeAsync()
    {
        foreach (var s in _servers) await s.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task KillingAReplicaUnderLoadLosesNoChangeAndIssuesNoPassOlderThanACommittedChange()
    {
        var window = await RunThroughAsync("killed (SIGKILL)", victim => victim.KillAsync());

        Assert.True(window < MaxWindowSeconds, $"calls failed or stalled for {window:F1} s after the kill");
    }

    [Fact]
    public async Task StoppingAReplicaUnderLoadHandsItsCitizensOverWithinASecond()
    {
        var window = await RunThroughAsync("stopped (SIGTERM)", victim => victim.StopAsync());

        // A call that reaches a grain as it is handed off can be refused (503, Retry-After) for a moment: runs saw 0 and 8 such calls.
        Assert.True(window < MaxStopWindowSeconds, $"calls failed or stalled for {window:F1} s after the stop");
    }

    /// <summary>
    /// Passes asked for and statuses changed through the first two replicas, for 30 citizens at once, while
    /// <paramref name="disrupt"/> befalls the third; checks nothing acknowledged was lost and no pass was
    /// older than a change acknowledged before it was asked for. Returns how long after the disruption the
    /// last failed (or stalled) call ended: 0 when none did.
    /// </summary>
    private async Task<double> RunThroughAsync(string what, Func<ServerProcess, Task> disrupt)
    {
        var (survivors, victim) = (_servers[..2], _servers[2]);
        var authority = await StaffAsync(survivors[0], "authority", "demo-authority-2026");
        var csv = "externalId,phone,fullName,credentials\n" + string.Concat(Enumerable.Range(0, Citizens).Select(i => $"CR-{i},+86136{i:D8},Citizen {i},health_record\n"));
        (await authority.PostAsync(new Uri("/v1/citizens/import", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        // Yellow and red need an open health case: one for the whole run, an investigation (a case about one person covers fewer citizens than the run's).
        var opened = await authority.PostAsJsonAsync(new Uri("/v1/cases", UriKind.Relative), new { type = "close_contact_investigation", legalBasis = "Replica crash test" });
        opened.EnsureSuccessStatusCode();
        var caseId = (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var ids = new string[Citizens];
        var phones = new HttpClient[Citizens];
        for (var i = 0; i < Citizens; i++)
        {
            ids[i] = (await authority.GetFromJsonAsync<JsonElement>($"/v1/citizens/?phone=%2B86136{i:D8}")).GetProperty("id").GetString()!;
            phones[i] = await SignInAsync(survivors[i % 2], $"+86136{i:D8}");
            // Activate every citizen's grain now, so about a third of them live on the replica that will die.
            using var onVictim = Client(victim, phones[i]);
            (await onVictim.GetAsync(new Uri("/v1/me/pass", UriKind.Relative))).EnsureSuccessStatusCode();
        }

        // One client per (caller, replica), kept for the run: a new connection per call would be a test of the socket table.
        var passClients = phones.Select(p => survivors.Select(s => Client(s, p)).ToArray()).ToArray();
        var authorityClients = survivors.Select(s => Client(s, authority)).ToArray();
        var events = new ConcurrentQueue<Event>();
        var clock = Stopwatch.StartNew();
        double disruptedAt = double.NaN;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, Citizens).Select(i => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var via = (i + n) % 2;
                var started = clock.Elapsed.TotalSeconds;
                if (n % 4 == 3)
                {
                    var (status, version) = await TryAsync(() => authorityClients[via].PutAsJsonAsync($"/v1/citizens/{ids[i]}/status",
                        new { colour = (n / 4 % 3) switch { 0 => "yellow", 1 => "red", _ => "green" }, reason = $"crash-{i}-{n}", caseRef = caseId }),
                        body => body.GetProperty("current").GetProperty("version").GetUInt32());
                    events.Enqueue(new Event(clock.Elapsed.TotalSeconds, ids[i], "change", status, version, started));
                }
                else
                {
                    var (status, version) = await TryAsync(() => passClients[i][via].GetAsync(new Uri("/v1/me/pass", UriKind.Relative)),
                        body => body.GetProperty("status").GetProperty("version").GetUInt32());
                    events.Enqueue(new Event(clock.Elapsed.TotalSeconds, ids[i], "pass", status, version, started));
                }
                await Task.Delay(50);
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(5));
        disruptedAt = clock.Elapsed.TotalSeconds;
        await disrupt(victim);
        // Long enough for the survivors to declare it dead and everything after to settle.
        await Task.Delay(AfterKill);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var all = events.ToList();
        var errors = all.Where(e => !e.Ok).ToList();
        // Unavailable: failed, or so slow a phone or a console would have given up.
        var hurt = all.Where(e => !e.Ok || e.At - e.StartedAt > SlowSeconds).ToList();
        var window = hurt.Count == 0 ? 0 : hurt.Max(e => e.At) - disruptedAt;
        output.WriteLine($"Replica {what}: {all.Count} calls ({all.Count(e => e.Kind == "change")} changes), {errors.Count} failed, {hurt.Count - errors.Count} slower than {SlowSeconds} s; " +
            $"the last of them ended {window:F2} s after; failures by status: " +
            string.Join(", ", errors.GroupBy(e => e.Status).Select(g => $"{g.Key}: {g.Count()}")));
        foreach (var second in all.GroupBy(e => (int)Math.Floor(e.StartedAt - disruptedAt)).OrderBy(g => g.Key))
        {
            output.WriteLine($"  started at +{second.Key,3} s: {second.Count(e => e.Ok),4} ok, {second.Count(e => !e.Ok),3} failed, slowest {second.Max(e => e.At - e.StartedAt) * 1000,6:F0} ms");
        }
        Assert.DoesNotContain(errors, e => e.At < disruptedAt);
        // A failure is a 503 with Retry-After that a phone retries, never a 500 nor a hang.
        Assert.All(errors, e => Assert.Equal(503, e.Status));
        Assert.True(all.Count(e => e.StartedAt > disruptedAt + window) > 100, "calls go on after the window");

        for (var i = 0; i < Citizens; i++)
        {
            var mine = all.Where(e => e.Citizen == ids[i]).ToList();
            var history = (await authority.GetFromJsonAsync<JsonElement>($"/v1/citizens/{ids[i]}/status-history")).EnumerateArray()
                .Select(s => (Version: s.GetProperty("version").GetUInt32(), Reason: s.GetProperty("reason").GetString()!)).ToList();
            // Versions 1..n with no gap, and every acknowledged change among them.
            Assert.Equal(Enumerable.Range(1, history.Count).Select(v => (uint)v), history.Select(h => h.Version));
            foreach (var change in mine.Where(e => e.Kind == "change" && e.Ok)) Assert.Contains(history, h => h.Version == change.Version);
            // One audit entry per change in the history (a change may have committed while its answer was lost).
            var audit = await authority.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=citizen:{ids[i]}&limit=1000");
            Assert.Equal(history.Count - 1, audit.GetArrayLength());
            // No pass older than a change acknowledged before the pass was asked for.
            foreach (var pass in mine.Where(e => e.Kind == "pass" && e.Ok))
            {
                var newestBefore = mine.Where(e => e.Kind == "change" && e.Ok && e.At < pass.StartedAt).Select(e => e.Version).DefaultIfEmpty(0u).Max();
                Assert.True(pass.Version >= newestBefore, $"a pass of v{pass.Version} after v{newestBefore} was acknowledged");
            }
        }
        return window;
    }

    private static async Task<(int Status, uint Version)> TryAsync(Func<Task<HttpResponseMessage>> call, Func<JsonElement, uint> version)
    {
        try
        {
            using var response = await call();
            if (!response.IsSuccessStatusCode) return ((int)response.StatusCode, 0);
            return ((int)response.StatusCode, version(await response.Content.ReadFromJsonAsync<JsonElement>()));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, 0);
        }
    }

    /// <summary>A client of <paramref name="server"/> carrying <paramref name="signedIn"/>'s credentials.</summary>
    private static HttpClient Client(ServerProcess server, HttpClient signedIn)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = signedIn.DefaultRequestHeaders.Authorization;
        return http;
    }

    private static async Task<HttpClient> StaffAsync(ServerProcess server, string username, string password)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress };
        var response = await http.PostAsJsonAsync("/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<HttpClient> SignInAsync(ServerProcess server, string phone)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress };
        (await http.PostAsJsonAsync("/v1/citizens/otp", new { phone })).EnsureSuccessStatusCode();
        var message = await http.GetFromJsonAsync<string>($"/v1/dev/sms-outbox?phone={Uri.EscapeDataString(phone)}");
        var code = SixDigits().Match(message!).Value;
        var response = await http.PostAsJsonAsync("/v1/citizens/session", new { phone, code });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();
}
