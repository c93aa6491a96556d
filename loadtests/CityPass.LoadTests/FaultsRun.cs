using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using Spectre.Console;

namespace CityPass.LoadTests;

/// <summary>
/// The fault run (<c>--faults</c>, issue 12 "Fail safe when a store fails"): on the scan run's rig and data, a short
/// search for the maximum scan rate, then one fixed-rate wrk run at <see cref="RunOptions.FaultRatePercent"/>% of it
/// for the whole scenario while the runner:
/// 1. lets it run steady;
/// 2. SIGKILLs redis-server and starts it again on the same port and directory (it comes back with what its
///    append-only file had), then, a minute later, kills it again and starts it empty (its files removed);
///    when the server stops itself after that (its membership watchdog), starts it again on the same port, as an
///    orchestrator would;
/// 3. stops PostgreSQL (<c>pg_ctl stop -m fast</c>) for a minute and starts it again;
/// 4. stops the load, waits for the archiver to drain, and checks the archive against what every scan was told.
/// Alongside: <c>/health/ready</c> and the archive backlog every second (<see cref="HealthPoller"/>), and the
/// runner's own scans, timed and named one by one (<see cref="GateProbe"/>). Retries are off: each scan id is
/// sent once, so a refused one can be looked for in the archive by its id.
/// </summary>
public sealed class FaultsRun(RunOptions options)
{
    /// <summary>wrk's --timeout: a request sent this close to the end of the load may still have been in flight when wrk stopped.</summary>
    private static readonly TimeSpan InFlightWindow = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The watchdog restarts a replica at a random moment within this many seconds, so that several do not go down
    /// at once (default 60). There is one replica here: a shorter jitter only keeps the timeline from waiting up to
    /// a minute at random; the outage it causes is the same.
    /// </summary>
    private const string MembershipLossJitterSeconds = "5";

    /// <summary>Kubernetes' default liveness probe: every 10 s, three failures in a row.</summary>
    private static readonly TimeSpan LivenessGrace = TimeSpan.FromSeconds(30);

    private readonly List<FaultEvent> _events = [];
    private readonly List<string> _notes = [];
    private readonly ScanLogs _searchLogs = new();
    private string _tmp = "";
    private string _wrkDir = "";
    private string _gatesFile = "";
    private LoadTestRig _rig = null!;
    private long _zeroMs;
    private int _serverStarts = 1;

    private Dictionary<string, string> Settings() => new(options.ServerSettings)
    {
        ["Orleans__MembershipLossJitterSeconds"] = MembershipLossJitterSeconds,
        // So what the server logged can be put on the run's time line. (The console logger's own options: the server
        // ignored the same keys under FormatterOptions.)
        ["Logging__Console__TimestampFormat"] = ServerLogDigest.TimestampFormat,
        ["Logging__Console__UseUtcTimestamp"] = "true",
    };

    public async Task<FaultsResults> RunAsync()
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        _tmp = Path.Combine(options.OutputDirectory, "tmp");
        Directory.CreateDirectory(_tmp);
        _wrkDir = Path.Combine(options.RepoRoot, "loadtests", "wrk");
        var serverDll = LoadTestRun.ServerDll(options.RepoRoot);
        if (!File.Exists(serverDll)) throw new InvalidOperationException($"{serverDll} is missing: build Release first (loadtests/run.sh does).");
        var machine = await LoadTestRun.MachineAsync();
        if (machine.ChromiumSeenRunning) _notes.Add("Chromium (the other engineer's browser tests) was running when the run started: the machine was busier than usual.");
        var (commit, uncommitted) = await SourceAsync(options.RepoRoot);

        await using var rig = _rig = await LoadTestRig.StartAsync(_tmp, options.RedisAppendOnly, serverDll, Settings(), Say);
        var redis = rig.Multiplexer.GetDatabase();
        SeedResult seed;
        using (var api = new CityPassApi(rig.Server.BaseAddress))
        {
            var admin = await api.StaffTokenAsync("admin", "demo-admin-2026");
            Say($"Seeding {options.Citizens:N0} citizens, {options.Venues:N0} venues, {options.Gates:N0} gates through the API");
            seed = await new Seeder(api, options).SeedAsync(admin);
            if (seed.CitizensRejected > 0) throw new InvalidOperationException($"The import rejected {seed.CitizensRejected} rows.");
        }
        _gatesFile = Path.Combine(_tmp, "gates.txt");
        await File.WriteAllLinesAsync(_gatesFile, seed.GateCredentials);
        var passes = new PassPool(rig.Keys, rig.Postgres.ConnectionString());

        // The maximum, briefly: closed loop at the levels where the full run finds it; the better one counts.
        var pool = await passes.MintAsync(Path.Combine(_tmp, "passes-search.txt"), DateTimeOffset.UtcNow);
        await ClosedLoopAsync("warmup", 32, options.WarmUp, pool);
        var search = new List<SearchStep>();
        foreach (var c in options.FaultSearchConnections) search.Add(await ClosedLoopAsync($"max-c{c}", c, options.SweepStep, pool));
        var max = search.Max(s => s.RequestsPerSecond);
        var rate = Math.Max(1, Math.Round(max * options.FaultRatePercent / 100));
        Say($"Maximum {max:N0} scans/s; the fault load runs at {options.FaultRatePercent}%: {rate:N0}/s");
        await DrainAsync();

        // One pool for the whole load, minted now: a pass lives ten minutes, the load stops well before.
        var faultPool = await passes.MintAsync(Path.Combine(_tmp, "passes-faults.txt"), DateTimeOffset.UtcNow);
        var limit = faultPool.ExpiresAt - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(30);
        var passTexts = File.ReadLines(faultPool.File).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToList();

        _zeroMs = MonotonicClock.NowMs;
        var zeroUtc = DateTime.UtcNow;
        var logPrefix = Path.Combine(_tmp, "faults");
        var env = WrkEnvironment(faultPool, logPrefix, rate);
        Process? wrkProcess = null;
        Say($"Load: {rate:N0} scans/s, {options.RateConnections} connections, for the whole scenario (at most {limit.TotalMinutes:N1} min)");
        var poller = new HealthPoller(rig.Server.BaseAddress, redis, _zeroMs);
        var probe = new GateProbe(rig.Server.BaseAddress, passTexts, seed.GateCredentials, _zeroMs, TimeSpan.FromMilliseconds(100));
        var wrk = Wrk.RunAsync(new WrkRun("faults", "scans.lua", options.WrkThreads, options.RateConnections, limit, env), rig.Server.BaseAddress, _wrkDir,
            Path.Combine(_tmp, "faults.wrk.txt"), p => wrkProcess = p);
        using var stopSupervising = new CancellationTokenSource();
        var supervisor = SuperviseServerAsync(stopSupervising.Token);

        List<FaultPhase> phases;
        long endMs;
        try
        {
            phases = await ScenarioAsync(wrk);
        }
        finally
        {
            // Also when the scenario failed: wrk must not outlive the run.
            endMs = MonotonicClock.NowMs;
            Mark("load stopped (wrk SIGINT)");
            if (wrkProcess is { HasExited: false } w) await Processes.RunAsync("kill", ["-INT", w.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
            await stopSupervising.CancelAsync();
            await supervisor;
        }
        var summary = await wrk;
        var probes = await probe.StopAsync();
        var health = await poller.StopAsync();
        await probe.DisposeAsync();
        await poller.DisposeAsync();
        var loadSeconds = (endMs - _zeroMs) / 1000.0;
        Say($"wrk: {summary.Requests:N0} requests, statuses {string.Join(", ", summary.Statuses.Select(kv => $"{kv.Key}: {kv.Value:N0}"))}, " +
            $"errors {string.Join(", ", summary.Errors.Where(e => e.Value > 0).Select(e => $"{e.Key}: {e.Value:N0}"))}");

        Say("Waiting for the archiver to drain the Redis streams, then checking the archive against every answer");
        var catchUp = await ArchiveCheck.WaitUntilArchivedAsync(redis, rig.Postgres.ConnectionString(), TimeSpan.FromMinutes(5));
        var rows = await ArchiveCheck.ReadArchivedAsync(rig.Postgres.ConnectionString());
        var log = FaultLog.Read(logPrefix);
        var outcomes = FaultArchiveCheck.Outcomes(log, _zeroMs, endMs, (long)InFlightWindow.TotalMilliseconds, probes, _searchLogs.Answered);

        var timeline = FaultTimeline.Build(log, outcomes, _zeroMs, loadSeconds, _events.Where(e => !e.What.StartsWith("load", StringComparison.Ordinal)).Select(e => e.AtSeconds),
            probes, health, phases);
        var (seconds, report, summaries) = (timeline.Seconds, timeline.Report, timeline.Summaries);

        string PhaseOf(double at) => double.IsNaN(at) ? "before the load" : phases.LastOrDefault(p => at >= p.StartSeconds)?.Name ?? "before the load";
        var away = FaultTimeline.ServerAway(seconds);
        var archive = FaultArchiveCheck.Compare(outcomes, rows, PhaseOf, at => away.Any(w => at >= w.From && at < w.To), catchUp);
        var refusedDecided = await RefusedButDecidedAsync(_rig.Postgres.ConnectionString(), archive.RefusedArchivedKeys, outcomes, probes, zeroUtc);
        await DumpAsync(outcomes, rows, PhaseOf);
        // The probe's scans one by one stay with the raw material; the results carry them per second and per phase.
        await File.WriteAllLinesAsync(Path.Combine(_tmp, "probe.txt"),
            probes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.AtSeconds:0.000} {p.LatencyMs:0.000} {p.Status} {p.Code} {p.Key.GateId:N} {p.Key.ScanId}")));
        Say($"Archive: {archive.Answered200:N0} answered 200, {archive.ArchivedRows:N0} rows; missing {archive.Missing:N0}, twice {archive.DuplicatedKeys:N0}; " +
            $"refusals {archive.RefusedAnswers:N0}, refused and archived {archive.RefusedArchived:N0} (apart: {archive.UnansweredArchived:N0} sent to a server going away); " +
            $"unknown outcome {archive.UnknownOutcome:N0} -> {(archive.Passed ? "PASS" : "FAIL")}");

        if (summary.SocketErrors > 0) _notes.Add($"wrk counted socket errors: {string.Join(", ", summary.Errors.Where(e => e.Key != "status" && e.Value > 0).Select(e => $"{e.Key} {e.Value:N0}"))} (wrk retries a refused connection at once, so while the server is away each attempt counts).");
        if (await LoadTestRun.ChromiumRunningAsync() && !machine.ChromiumSeenRunning) _notes.Add("Chromium was running at the end of the run: part of the run shared the machine with browser tests.");
        var overrides = ServerProcess.Overrides.Concat(Settings()).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        return new FaultsResults(FaultsResults.ModeName, started, clock.Elapsed.TotalMinutes, Command(), commit, uncommitted, machine, overrides,
            seed with { GateCredentials = [] }, search, max, options.FaultRatePercent, rate, options.RateConnections, options.FaultMaxLagMs,
            loadSeconds, summary.Requests, summary.Statuses, summary.Errors, [.. _events], summaries, report, seconds, health,
            FaultTimeline.Compress(health), archive, refusedDecided, ServerLogDigest.Read(ServerLogs(), zeroUtc), _notes);
    }

    /// <summary>The faults, in order, while the load runs; the phases they make.</summary>
    private async Task<List<FaultPhase>> ScenarioAsync(Task wrk)
    {
        var redis = _rig.Redis;
        var postgres = _rig.Postgres;
        var marks = new List<(string Name, double Start, double? Back)>();
        await UntilAsync(options.FaultSteady.TotalSeconds, wrk);

        var kill = Mark("SIGKILL redis-server");
        await redis.KillAsync();
        await redis.StartAgainAsync(empty: false);
        var back = Mark("redis-server started again with its append-only file: answers PING");
        marks.Add((FaultsResults.RedisRestart, kill, back));
        await UntilAsync(back + options.FaultSettle.TotalSeconds, wrk);

        if (options.EmptyRedisRestart)
        {
            kill = Mark("SIGKILL redis-server, to start it empty");
            await redis.KillAsync();
            await redis.StartAgainAsync(empty: true);
            back = Mark("redis-server started empty (append-only file removed): answers PING");
            marks.Add((FaultsResults.RedisEmpty, kill, back));
            // The server's membership row went with Redis's data: its watchdog stops the process, and the supervisor starts it again.
            var ready = await ServerReadyAfterAsync(kill, options.ServerExitWatch);
            if (ready is null) lock (_notes) _notes.Add($"The server did not stop within {options.ServerExitWatch.TotalSeconds:N0} s of the empty restart.");
            await UntilAsync((ready ?? back) + options.FaultSettle.TotalSeconds, wrk);
        }

        var stop = Mark("pg_ctl stop -m fast");
        await postgres.StopAsync();
        Mark("PostgreSQL stopped");
        await UntilAsync(stop + options.PostgresDown.TotalSeconds, wrk);
        Mark("pg_ctl start");
        await postgres.StartAgainAsync();
        back = Mark("PostgreSQL started: accepts connections");
        marks.Add((FaultsResults.PostgresStopped, stop, back));
        marks.Add((FaultsResults.PostgresBack, back, null));
        await UntilAsync(back + options.FaultSettle.TotalSeconds, wrk);

        var end = Now();
        var phases = new List<FaultPhase> { new(FaultsResults.Steady, 0, marks[0].Start, null) };
        for (var i = 0; i < marks.Count; i++)
        {
            phases.Add(new FaultPhase(marks[i].Name, marks[i].Start, i + 1 < marks.Count ? marks[i + 1].Start : end, marks[i].Back));
        }
        return phases;
    }

    /// <summary>
    /// What an orchestrator does (Kubernetes' defaults): a process that ends is started again (same port, stores and
    /// data) until it is ready; a process whose <c>/health/live</c> has not answered for <see cref="LivenessGrace"/>
    /// is killed first (a liveness probe every 10 s, three failures). The load and the health checks keep their address.
    /// </summary>
    private async Task SuperviseServerAsync(CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        try
        {
            while (true)
            {
                var server = _rig.Server;
                var lastAlive = Now();
                while (!server.HasExited)
                {
                    if (await LiveAsync(http, server)) lastAlive = Now();
                    else if (Now() - lastAlive > LivenessGrace.TotalSeconds)
                    {
                        Mark($"/health/live unanswered for {LivenessGrace.TotalSeconds:N0} s: the runner kills the server process (SIGKILL), as a liveness probe would");
                        server.Kill();
                        await server.WaitForExitAsync(stop);
                        break;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1), stop);
                }
                Mark($"server process ended (exit code {server.ExitCode})");
                while (true)
                {
                    try
                    {
                        await _rig.RestartServerAsync($"server-{++_serverStarts}.log");
                        Mark("server started again on the same port by the runner: ready");
                        break;
                    }
                    catch (InvalidOperationException e)
                    {
                        // Started again at once (Kubernetes would back off 10 s, 20 s, ...): the run is about the server, not the back-off.
                        Mark($"server start failed ({e.Message.Split('\n')[0]}); starting it again");
                        await Task.Delay(TimeSpan.FromSeconds(1), stop);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static async Task<bool> LiveAsync(HttpClient http, ServerProcess server)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "health/live"));
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>When the server was ready again after its process ended, after <paramref name="since"/>; null if it had not ended within <paramref name="watch"/>.</summary>
    private async Task<double?> ServerReadyAfterAsync(double since, TimeSpan watch)
    {
        var deadline = since + watch.TotalSeconds;
        while (true)
        {
            lock (_events)
            {
                var ended = _events.FirstOrDefault(e => e.AtSeconds >= since && e.What.StartsWith("server process ended", StringComparison.Ordinal));
                if (ended is not null)
                {
                    var ready = _events.FirstOrDefault(e => e.AtSeconds >= ended.AtSeconds && e.What.StartsWith("server started again", StringComparison.Ordinal));
                    if (ready is not null) return ready.AtSeconds;
                }
                else if (Now() > deadline)
                {
                    return null;
                }
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until <paramref name="seconds"/> into the load; the load must still be running.</summary>
    private async Task UntilAsync(double seconds, Task wrk)
    {
        var wait = seconds - Now();
        if (wait > 0) await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(wait)), wrk);
        if (wrk.IsCompleted)
        {
            await wrk; // its failure, if it failed
            throw new InvalidOperationException("wrk ended before the scenario did: the pass pool's lifetime was too short for it.");
        }
    }

    private async Task<SearchStep> ClosedLoopAsync(string id, int connections, TimeSpan duration, MintedPool pool)
    {
        AnsiConsole.MarkupLine(Markup.Escape($"{DateTime.Now:HH:mm:ss} Scans, closed loop, {connections} connections ({duration.TotalSeconds:N0} s) ..."));
        var prefix = Path.Combine(_tmp, id);
        var env = WrkEnvironment(pool, prefix, 0);
        var wrk = await Wrk.RunAsync(new WrkRun(id, "scans.lua", Math.Min(options.WrkThreads, connections), connections, duration, env),
            _rig.Server.BaseAddress, _wrkDir, prefix + ".wrk.txt");
        var logs = _searchLogs.Read(prefix, TimeSpan.FromSeconds(5));
        AnsiConsole.MarkupLine(Markup.Escape($"    {wrk.RequestsPerSecond,9:N0} req/s  p50 {logs.Latency.P50:0.00} ms  p99 {logs.Latency.P99:0.00} ms  non-2xx {wrk.Non2xx}"));
        return new SearchStep(connections, wrk.DurationSeconds, wrk.RequestsPerSecond, logs.Latency, wrk.Non2xx);
    }

    private Dictionary<string, string> WrkEnvironment(MintedPool pool, string logPrefix, double rate) => new()
    {
        ["CP_PASSES"] = pool.File,
        ["CP_GATES"] = _gatesFile,
        ["CP_LOG"] = logPrefix,
        ["CP_TAG"] = RandomNumberGenerator.GetHexString(8, lowercase: true),
        ["CP_RATE"] = rate.ToString(CultureInfo.InvariantCulture),
        ["CP_MAX_LAG_MS"] = options.FaultMaxLagMs.ToString(CultureInfo.InvariantCulture),
        ["CP_LOG_SENT"] = "1",
    };

    private Task DrainAsync() => ArchiveCheck.DrainAsync(_rig.Multiplexer.GetDatabase());

    private double Now() => (MonotonicClock.NowMs - _zeroMs) / 1000.0;

    private double Mark(string what)
    {
        var at = Now();
        lock (_events) _events.Add(new FaultEvent(at, what));
        Say($"[{at,6:0.0} s] {what}");
        return at;
    }

    /// <summary>The commit the server was built from, and the source files that differed from it (another engineer works in the same tree).</summary>
    internal static async Task<(string Commit, IReadOnlyList<string> Uncommitted)> SourceAsync(string repoRoot)
    {
        var head = await Processes.RunAsync("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"], TimeSpan.FromSeconds(10));
        var status = await Processes.RunAsync("git", ["-C", repoRoot, "status", "--porcelain", "--", "src"], TimeSpan.FromSeconds(10));
        return (head.StandardOutput.Trim(), [.. status.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())]);
    }

    /// <summary>
    /// The refused scans found in the archive, as PostgreSQL has them (the first 200): when the server decided each one,
    /// against when it was sent and, for the probe's, how long its 503 took: whether the decision was made in time and
    /// only the answer was late.
    /// </summary>
    internal static async Task<IReadOnlyList<RefusedButDecided>> RefusedButDecidedAsync(string postgres, IReadOnlyList<ScanKey> keys, ScanOutcomes outcomes, IReadOnlyList<ProbeAnswer> probes,
        DateTime zeroUtc)
    {
        if (keys.Count == 0) return [];
        var probe = probes.ToDictionary(p => p.Key);
        var wanted = keys.Take(200).ToList();
        var found = new List<RefusedButDecided>();
        await using var c = new NpgsqlConnection(postgres);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT gate_id, scan_id, decided_at, code, allowed FROM scans WHERE scan_id = ANY(@ids) AND NOT withdrawn", c);
        cmd.Parameters.AddWithValue("ids", wanted.Select(k => k.ScanId).ToArray());
        await using var r = await cmd.ExecuteReaderAsync();
        var set = wanted.ToHashSet();
        while (await r.ReadAsync())
        {
            var key = new ScanKey(r.GetGuid(0), r.GetGuid(1));
            if (!set.Contains(key)) continue;
            var decided = (r.GetFieldValue<DateTime>(2) - zeroUtc).TotalSeconds;
            var p = probe.GetValueOrDefault(key);
            found.Add(new RefusedButDecided(key, outcomes.NotAnswered200[key], decided, r.GetString(3), r.GetBoolean(4), p is not null, p?.LatencyMs));
        }
        return [.. found.OrderBy(f => f.SentAtSeconds)];
    }

    /// <summary>Every scan the archive check found wrong, with when and in which phase, beside the raw material (tmp/), for a closer look.</summary>
    private async Task DumpAsync(ScanOutcomes outcomes, IReadOnlyCollection<ScanKey> rows, Func<double, string> phaseOf)
    {
        var archived = rows.ToHashSet();
        static string Line(ScanKey k, double at, Func<double, string> phaseOf) => string.Create(CultureInfo.InvariantCulture, $"{k.GateId:N} {k.ScanId} {at:0.000} {phaseOf(at)}");
        await File.WriteAllLinesAsync(Path.Combine(_tmp, "missing.txt"),
            outcomes.Answered.Where(a => !archived.Contains(a.Key)).OrderBy(a => a.Value).Select(a => Line(a.Key, a.Value, phaseOf)));
        // Refused, or unanswered by a server going away: the report tells them apart by when they were sent.
        await File.WriteAllLinesAsync(Path.Combine(_tmp, "not-answered-200-archived.txt"),
            outcomes.NotAnswered200.Where(a => archived.Contains(a.Key)).OrderBy(a => a.Value).Select(a => Line(a.Key, a.Value, phaseOf)));
        await File.WriteAllLinesAsync(Path.Combine(_tmp, "duplicated.txt"),
            rows.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => $"{g.Key.GateId:N} {g.Key.ScanId} {g.Count()}"));
    }

    /// <summary>The server's logs in the order the processes ran: server.log, then server-2.log, ... for each start after it.</summary>
    private IEnumerable<string> ServerLogs() =>
        Directory.GetFiles(_tmp, "server*.log").OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal);

    private string Command() => "loadtests/run.sh --faults" + (options.Quick ? " --quick" : "") + string.Concat(options.ServerSettings.Select(kv => $" --set {kv.Key}={kv.Value}"))
        + (options.RedisAppendOnly ? "" : " --redis-no-aof");

    private static void Say(string text) => LoadTestRun.Say(text);
}
