using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Spectre.Console;

namespace CityPass.LoadTests;

/// <summary>
/// The cluster run (<c>--cluster</c>, issue 13 "failures under load" and "scaling"): a cluster brought up by
/// <c>scripts/cluster.sh</c> (three servers as one Orleans cluster behind haproxy, Redis under Sentinel, PostgreSQL),
/// every request through the balancer.
/// 1. Seeds through the staff API and mints passes, as the other runs do.
/// 2. Scaling: <c>GET /v1/ping</c> and scans, closed loop, with one, two and three servers in rotation (servers 2 and 3
///    stopped with <c>cluster.sh stop</c>, then started one by one), with the CPU of each process kind from /proc.
/// 3. One fixed-rate wrk run of scans at <see cref="RunOptions.FaultRatePercent"/>% of the three-server maximum (no
///    retries: each scan id is sent once) while the drills follow one another, each its own phase on one time line:
///    a server SIGKILLed (its supervisor starts it again), a rolling restart, the Redis primary killed and restarted
///    once the sentinels promoted a replica, PostgreSQL stopped for a while, a server cut off from Redis and healed.
///    Beside it: the balancer's and every server's <c>/health/ready</c>, haproxy's view of each server, the runner's
///    own probe scans (<see cref="GateProbe"/>).
/// 4. The archive against what every scan was told (<see cref="FaultArchiveCheck"/>).
/// <c>cluster.sh down</c> runs at the end, also when the run fails.
/// </summary>
public sealed class ClusterRun(RunOptions options)
{
    /// <summary>wrk's --timeout: a request sent this close to the end of the load may still have been in flight when wrk stopped.</summary>
    private static readonly TimeSpan InFlightWindow = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Around a SIGKILL of a server, the scans in flight on it get haproxy's 502 (they reached the server, so haproxy
    /// does not send them elsewhere) although the server may have decided them: such a scan found in the archive is
    /// counted apart, not as a refused scan that took effect.
    /// </summary>
    private static readonly (double Before, double After) InFlightOnKill = (2, 3);

    private readonly List<FaultEvent> _events = [];
    private readonly List<string> _notes = [];
    private readonly ScanLogs _beforeLoad = new();
    private readonly List<StatusChangeTry> _statusChanges = [];
    private string _tmp = "";
    private string _wrkDir = "";
    private string _gatesFile = "";
    private ClusterRig _rig = null!;
    private long _zeroMs;

    private Dictionary<string, string> Settings() => new(options.ServerSettings)
    {
        // So what the servers logged can be put on the run's time line.
        ["Logging__Console__TimestampFormat"] = ServerLogDigest.TimestampFormat,
        ["Logging__Console__UseUtcTimestamp"] = "true",
    };

    public async Task<ClusterResults> RunAsync()
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        _tmp = Path.Combine(options.OutputDirectory, "tmp");
        Directory.CreateDirectory(_tmp);
        _wrkDir = Path.Combine(options.RepoRoot, "loadtests", "wrk");
        var serverDll = LoadTestRun.ServerDll(options.RepoRoot);
        if (!File.Exists(serverDll)) throw new InvalidOperationException($"{serverDll} is missing: build Release first (loadtests/run.sh does).");
        var machine = await LoadTestRun.MachineAsync();
        var loadAverage = (await File.ReadAllTextAsync("/proc/loadavg")).Trim();
        if (machine.ChromiumSeenRunning) _notes.Add("Chromium (the other engineer's browser tests) was running when the run started: the machine was busier than usual.");
        var (commit, uncommitted) = await FaultsRun.SourceAsync(options.RepoRoot);

        await using var rig = _rig = await ClusterRig.UpAsync(options.RepoRoot, Path.Combine(_tmp, "cluster"), serverDll, options.ClusterServers, Settings(), Say);
        var env = rig.Env;
        var redis = rig.Multiplexer.GetDatabase();
        using var api = new CityPassApi(env.Balancer);
        var admin = await api.StaffTokenAsync("admin", "demo-admin-2026");
        var authority = await api.StaffTokenAsync("authority", "demo-authority-2026");
        _caseId = await api.OpenCaseAsync(authority, "Cluster run: status changes while a store is away");
        Say($"Seeding {options.Citizens:N0} citizens, {options.Venues:N0} venues, {options.Gates:N0} gates through the balancer");
        var seed = await new Seeder(api, options).SeedAsync(admin);
        Say($"Seeded: citizens {seed.CitizensSeconds:N1} s, venues {seed.VenuesSeconds:N1} s, gates {seed.GatesSeconds:N1} s");
        if (seed.CitizensRejected > 0) throw new InvalidOperationException($"The import rejected {seed.CitizensRejected} rows.");
        _gatesFile = Path.Combine(_tmp, "gates.txt");
        await File.WriteAllLinesAsync(_gatesFile, seed.GateCredentials);
        var passes = new PassPool(rig.Keys, env.Postgres);

        // Citizens whose pass reads go through their grains: read once now, so some grains live on the silo that is killed later.
        var step = Math.Max(1, options.Citizens / options.ClusterGrainCitizens);
        var citizenTokens = await api.CitizenSignInsAsync([.. Enumerable.Range(0, options.ClusterGrainCitizens).Select(i => Seeder.Phone(i * step))], rig.Sms);
        foreach (var token in citizenTokens) await api.MyPassAsync(token);
        var statusCitizen = (await passes.CitizensAsync())[0].Pseudonym.ToString();

        var scaling = await ScalingAsync(passes);
        var max = scaling.Where(s => s.Servers == options.ClusterServers && s.Endpoint == Scans).Max(s => s.RequestsPerSecond);
        var rate = Math.Max(1, Math.Round(max * options.FaultRatePercent / 100));
        Say($"Maximum with {options.ClusterServers} servers {max:N0} scans/s; the fault load runs at {options.FaultRatePercent}%: {rate:N0}/s");
        await DrainAsync();

        // One pool for the whole load, minted now: a pass lives ten minutes, the load stops well before.
        var faultPool = await passes.MintAsync(Path.Combine(_tmp, "passes-faults.txt"), DateTimeOffset.UtcNow);
        var limit = faultPool.ExpiresAt - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(30);
        var passTexts = File.ReadLines(faultPool.File).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToList();
        env = await rig.EnvAsync();

        _zeroMs = MonotonicClock.NowMs;
        var zeroUtc = DateTime.UtcNow;
        var logPrefix = Path.Combine(_tmp, "faults");
        Process? wrkProcess = null;
        Say($"Load: {rate:N0} scans/s through the balancer, {options.RateConnections} connections, for the whole scenario (at most {limit.TotalMinutes:N1} min)");
        var poller = new HealthPoller(env.Balancer, redis, _zeroMs);
        var serverPollers = env.Servers.Select(s => new HealthPoller(s, null, _zeroMs)).ToList();
        var balancer = new BalancerPoller(rig, _zeroMs);
        var probe = new GateProbe(env.Balancer, passTexts, seed.GateCredentials, _zeroMs, TimeSpan.FromMilliseconds(100));
        var wrk = Wrk.RunAsync(new WrkRun("faults", "scans.lua", options.WrkThreads, options.RateConnections, limit, WrkEnvironment(faultPool, logPrefix, rate)),
            env.Balancer, _wrkDir, Path.Combine(_tmp, "faults.wrk.txt"), p => wrkProcess = p);

        List<FaultPhase> phases;
        GrainCheck? grains;
        long endMs;
        try
        {
            (phases, grains) = await ScenarioAsync(wrk, api, authority, statusCitizen, citizenTokens);
        }
        finally
        {
            // Also when the scenario failed: wrk must not outlive the run.
            endMs = MonotonicClock.NowMs;
            Mark("load stopped (wrk SIGINT)");
            if (wrkProcess is { HasExited: false } w) await Processes.RunAsync("kill", ["-INT", w.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        }
        var summary = await wrk;
        var probes = await probe.StopAsync();
        var health = await poller.StopAsync();
        var serversHealth = new List<ServerHealth>();
        for (var i = 0; i < serverPollers.Count; i++)
        {
            var samples = await serverPollers[i].StopAsync();
            serversHealth.Add(new ServerHealth(i + 1, samples, FaultTimeline.Compress(samples)));
            await serverPollers[i].DisposeAsync();
        }
        var balancerSamples = await balancer.StopAsync();
        await probe.DisposeAsync();
        await poller.DisposeAsync();
        await balancer.DisposeAsync();
        var loadSeconds = (endMs - _zeroMs) / 1000.0;
        Say($"wrk: {summary.Requests:N0} requests, statuses {string.Join(", ", summary.Statuses.Select(kv => $"{kv.Key}: {kv.Value:N0}"))}, " +
            $"errors {string.Join(", ", summary.Errors.Where(e => e.Value > 0).Select(e => $"{e.Key}: {e.Value:N0}"))}");

        Say("Waiting for the archiver to drain the Redis streams, then checking the archive against every answer");
        var catchUp = await ArchiveCheck.WaitUntilArchivedAsync(redis, env.Postgres, TimeSpan.FromMinutes(5));
        var rows = await ArchiveCheck.ReadArchivedAsync(env.Postgres);
        var log = FaultLog.Read(logPrefix);
        var outcomes = FaultArchiveCheck.Outcomes(log, _zeroMs, endMs, (long)InFlightWindow.TotalMilliseconds, probes, _beforeLoad.Answered);

        var timeline = FaultTimeline.Build(log, outcomes, _zeroMs, loadSeconds, _events.Where(e => !e.What.StartsWith("load", StringComparison.Ordinal)).Select(e => e.AtSeconds),
            probes, health, phases);
        var (seconds, report, summaries) = (timeline.Seconds, timeline.Report, timeline.Summaries);

        string PhaseOf(double at) => double.IsNaN(at) ? "before the load" : phases.LastOrDefault(p => at >= p.StartSeconds)?.Name ?? "before the load";
        var kills = _events.Where(e => e.What.StartsWith("cluster.sh kill ", StringComparison.Ordinal)).Select(e => e.AtSeconds).ToList();
        bool InFlightOnKilledServer(double at) => kills.Any(k => at >= k - InFlightOnKill.Before && at < k + InFlightOnKill.After);
        var archive = FaultArchiveCheck.Compare(outcomes, rows, PhaseOf, InFlightOnKilledServer, catchUp);
        var refusedDecided = await FaultsRun.RefusedButDecidedAsync(env.Postgres, archive.RefusedArchivedKeys, outcomes, probes, zeroUtc);
        var archived = rows.ToHashSet();
        await File.WriteAllLinesAsync(Path.Combine(_tmp, "missing.txt"), outcomes.Answered.Where(a => !archived.Contains(a.Key)).OrderBy(a => a.Value)
            .Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Key.GateId:N} {a.Key.ScanId} {a.Value:0.000} {PhaseOf(a.Value)}")));
        await File.WriteAllLinesAsync(Path.Combine(_tmp, "probe.txt"),
            probes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.AtSeconds:0.000} {p.LatencyMs:0.000} {p.Status} {p.Code} {p.Key.GateId:N} {p.Key.ScanId}")));
        Say($"Archive: {archive.Answered200:N0} answered 200, {archive.ArchivedRows:N0} rows; missing {archive.Missing:N0}, twice {archive.DuplicatedKeys:N0}; " +
            $"problem answers {archive.RefusedAnswers:N0}, refused and archived {archive.RefusedArchived:N0} (apart: {archive.UnansweredArchived:N0} in flight on a killed server); " +
            $"unknown outcome {archive.UnknownOutcome:N0} -> {(archive.Passed ? "PASS" : "FAIL")}");

        if (summary.SocketErrors > 0) _notes.Add($"wrk counted socket errors: {string.Join(", ", summary.Errors.Where(e => e.Key != "status" && e.Value > 0).Select(e => $"{e.Key} {e.Value:N0}"))}.");
        if (await LoadTestRun.ChromiumRunningAsync() && !machine.ChromiumSeenRunning) _notes.Add("Chromium was running at the end of the run: part of the run shared the machine with browser tests.");
        var overrides = ServerProcess.Overrides.Concat(Settings()).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var logs = Directory.GetFiles(rig.LogDirectory, "server-*.log").Order(StringComparer.Ordinal);
        return new ClusterResults(ClusterResults.ModeName, started, clock.Elapsed.TotalMinutes, Command(), commit, uncommitted, machine, loadAverage, options.Quick,
            overrides, seed with { GateCredentials = [] }, scaling, max, options.FaultRatePercent, rate, options.RateConnections, options.FaultMaxLagMs,
            options.ClusterKillServer, options.ClusterCutServer, loadSeconds, summary.Requests, summary.Statuses, summary.Errors, [.. _events], summaries, report, seconds,
            health, FaultTimeline.Compress(health), serversHealth, balancerSamples, BalancerPoller.Compress(balancerSamples), grains, [.. _statusChanges],
            archive, refusedDecided, ServerLogDigest.Read(logs, zeroUtc), _notes);
    }

    private const string Scans = "POST /v1/scans";
    private const string Ping = "GET /v1/ping";
    private const string AtRest = ScalingStep.AtRest;

    /// <summary>
    /// Closed-loop ping and scans through the balancer with 1, 2, ... servers in rotation, at each connection count, with the
    /// CPU of every process kind. Servers 2.. are stopped (gracefully: out of the balancer first) and started one by one.
    /// </summary>
    private async Task<List<ScalingStep>> ScalingAsync(PassPool passes)
    {
        var pool = await passes.MintAsync(Path.Combine(_tmp, "passes-scaling.txt"), DateTimeOffset.UtcNow);
        var cpu = new CpuMeter(() => ProcessGroups(_rig.Env));
        var steps = new List<ScalingStep>();
        Say($"Scaling: servers 2..{options.ClusterServers} stopped, then started one by one; ping and scans closed loop through the balancer at each size");
        for (var i = options.ClusterServers; i >= 2; i--) await _rig.RunAsync("stop", I(i));
        for (var n = 1; n <= options.ClusterServers; n++)
        {
            if (n > 1)
            {
                Say($"cluster.sh start {n}");
                await _rig.RunAsync("start", I(n));
            }
            var env = await _rig.EnvAsync();
            Say($"{n} server(s) in rotation ({string.Join(", ", (await _rig.BalancerStatesAsync()).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))})");
            // A server just started has cold JIT and grains: warmed up through the balancer before it is measured.
            await ClosedLoopAsync($"warmup-{n}", Scans, 32, options.ClusterWarmUp, pool, null, n);
            await QuietAsync(cpu, n);
            steps.Add(await AtRestAsync(cpu, n));
            foreach (var c in options.ClusterConnections)
            {
                steps.Add(await ClosedLoopAsync($"ping-{n}-c{c}", Ping, c, options.ClusterStep, pool, cpu, n));
                steps.Add(await ClosedLoopAsync($"scans-{n}-c{c}", Scans, c, options.ClusterStep, pool, cpu, n));
            }
        }
        return steps;
    }

    /// <summary>
    /// Waits, with no request, until the servers together spend less than <see cref="QuietCores"/> (or
    /// <see cref="RunOptions.ClusterQuietMax"/> has passed): a server just started spends most of a core for a while on its own
    /// (its reconciler's first pass over every citizen, tiered JIT), which would otherwise be counted against the requests.
    /// </summary>
    private async Task QuietAsync(CpuMeter cpu, int servers)
    {
        var waited = Stopwatch.StartNew();
        var cores = double.NaN;
        while (waited.Elapsed < options.ClusterQuietMax)
        {
            var before = cpu.Take();
            await Task.Delay(TimeSpan.FromSeconds(2));
            cores = Split(before, cpu.Take()).ServersTotal;
            if (cores < QuietCores) break;
        }
        var text = string.Create(CultureInfo.InvariantCulture, $"With {servers} server(s), the servers were quiet (last 2 s: {cores:0.00} cores) {waited.Elapsed.TotalSeconds:0} s after the warm-up.");
        if (cores >= QuietCores) text = string.Create(CultureInfo.InvariantCulture, $"With {servers} server(s), the servers still spent {cores:0.00} cores with no request {waited.Elapsed.TotalSeconds:0} s after the warm-up; measured anyway.");
        lock (_notes) _notes.Add(text);
        Say(text);
    }

    /// <summary>Servers together below this, with no request, count as settled (at rest one spends a few hundredths).</summary>
    private const double QuietCores = 0.15;

    /// <summary>
    /// What the processes spend with no request at all (the silos' membership, the reconcilers, the archiver's polls, the
    /// sentinels' checks): the background a loaded step's CPU per request includes, spread over its requests.
    /// </summary>
    private async Task<ScalingStep> AtRestAsync(CpuMeter cpu, int servers)
    {
        await DrainAsync();
        var before = cpu.Take();
        await Task.Delay(options.ClusterRest);
        var split = Split(before, cpu.Take());
        AnsiConsole.MarkupLine(Markup.Escape($"    at rest, {servers} server(s), {options.ClusterRest.TotalSeconds:N0} s: CPU {string.Join(", ", split.ByKind.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Kind} {k.Cores:0.00}")))}"));
        return new ScalingStep(servers, AtRest, 0, options.ClusterRest.TotalSeconds, 0, LatencyStats.Empty, 0, 0, split);
    }

    private async Task<ScalingStep> ClosedLoopAsync(string id, string endpoint, int connections, TimeSpan duration, MintedPool pool, CpuMeter? cpu, int servers)
    {
        AnsiConsole.MarkupLine(Markup.Escape($"{DateTime.Now:HH:mm:ss} {endpoint}, {servers} server(s), closed loop, {connections} connections ({duration.TotalSeconds:N0} s) ..."));
        var prefix = Path.Combine(_tmp, id);
        var script = endpoint == Scans ? "scans.lua" : "ping.lua";
        var before = cpu?.Take();
        var wrk = await Wrk.RunAsync(new WrkRun(id, script, Math.Min(options.WrkThreads, connections), connections, duration, WrkEnvironment(pool, prefix, 0)),
            _rig.Env.Balancer, _wrkDir, prefix + ".wrk.txt");
        var split = before is null ? null : Split(before, cpu!.Take());
        var latency = endpoint == Scans ? _beforeLoad.Read(prefix, TimeSpan.FromSeconds(5)).Latency : wrk.WrkLatency;
        var step = new ScalingStep(servers, endpoint, connections, wrk.DurationSeconds, wrk.RequestsPerSecond, latency, wrk.Non2xx, wrk.SocketErrors,
            split ?? new ClusterCpu([], 0, 0, 0, 0, 0, 0, 0, 0, 0, Environment.ProcessorCount));
        AnsiConsole.MarkupLine(Markup.Escape($"    {wrk.RequestsPerSecond,9:N0} req/s  p50 {latency.P50:0.00} ms  p99 {latency.P99:0.00} ms  non-2xx {wrk.Non2xx}  errors {wrk.SocketErrors}" +
            (split is null ? "" : string.Create(CultureInfo.InvariantCulture, $"  CPU: {string.Join(", ", split.ByKind.Select(k => $"{k.Kind} {k.Cores:0.00}"))}, idle {split.Idle:0.00}"))));
        return step;
    }

    /// <summary>The pids of each process kind, read at every CPU sample (a restarted server or Redis node has a new pid).</summary>
    private static Dictionary<string, IReadOnlyList<int>> ProcessGroups(ClusterEnv env)
    {
        var groups = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        for (var i = 0; i < env.ServerPids.Count; i++) groups[$"server-{i + 1}"] = env.ServerPids[i] is { } pid ? [pid] : [];
        groups["server"] = [.. env.ServerPids.OfType<int>()];
        var primary = env.PrimaryNode;
        // With its children: an append-only file rewrite is a fork of redis-server.
        groups["redis"] = primary is { } p && env.RedisPids[p - 1] is { } primaryPid ? CpuMeter.WithChildren(primaryPid) : [];
        groups["redis-replicas"] = [.. env.RedisPids.Select((pid, i) => (pid, node: i + 1)).Where(x => x.node != primary && x.pid is not null).Select(x => x.pid!.Value)];
        groups["sentinels"] = [.. env.SentinelPids.OfType<int>()];
        groups["postgres"] = env.PostgresPid is { } pg ? CpuMeter.WithChildren(pg) : [];
        groups["haproxy"] = env.HaproxyPid is { } h ? [h] : [];
        return groups;
    }

    private ClusterCpu Split(CpuMeter.Snapshot a, CpuMeter.Snapshot b)
    {
        var machine = CpuMeter.Between(a, b);
        double Cores(string group) => CpuMeter.Cores(a, b, group);
        var servers = Enumerable.Range(1, _rig.Env.ServerPids.Count).Select(i => Cores($"server-{i}")).ToList();
        var (replicas, sentinels, haproxy) = (Cores("redis-replicas"), Cores("sentinels"), Cores("haproxy"));
        // CpuMeter's "other" is everything it does not name: here the replicas, sentinels and haproxy are named too.
        return new ClusterCpu(servers, machine.Redis, replicas, sentinels, machine.Postgres, haproxy, machine.LoadGenerator, machine.Runner,
            Math.Max(0, machine.Other - replicas - sentinels - haproxy), machine.Idle, machine.Cores);
    }

    /// <summary>The drills, in order, while the load runs; the phases they make.</summary>
    private async Task<(List<FaultPhase> Phases, GrainCheck? Grains)> ScenarioAsync(Task wrk, CityPassApi api, string authority, string statusCitizen, IReadOnlyList<string> citizenTokens)
    {
        var marks = new List<(string Name, double Start, double? Back)>();
        var settle = options.ClusterSettle.TotalSeconds;
        await UntilAsync(options.ClusterSteady.TotalSeconds, wrk);

        // a. SIGKILL a server: its supervisor starts it again, as a kubelet would.
        var victim = options.ClusterKillServer;
        var kill = Mark($"cluster.sh kill {victim}: SIGKILL server {victim}");
        await _rig.RunAsync("kill", I(victim));
        var grains = GrainsAfterKillAsync(api, citizenTokens, kill);
        var back = await InRotationAgainAsync(victim, kill, TimeSpan.FromSeconds(120));
        var grainCheck = await grains;
        marks.Add((ClusterResults.ServerKilled, kill, back));
        await UntilAsync(Math.Max(back ?? Now(), Now()) + settle, wrk);

        // b. Rolling restart: each server out of the balancer, SIGTERM, started, back in, then the next.
        var rolling = Mark("cluster.sh rolling");
        await _rig.RunAsync("rolling");
        back = Mark("rolling restart done: every server back in haproxy");
        marks.Add((ClusterResults.Rolling, rolling, back));
        await UntilAsync(back.Value + settle, wrk);

        // c. The Redis primary killed; the sentinels promote a replica; the old primary started again rejoins as a replica.
        var before = (await _rig.EnvAsync()).RedisPrimaryPort;
        var redisKill = Mark("cluster.sh kill-redis-primary: SIGKILL the primary");
        var node = (await _rig.RunAsync("kill-redis-primary")).Trim();
        back = await PromotedAsync(before, TimeSpan.FromSeconds(60));
        await _rig.RunAsync("start-redis", node);
        Mark($"cluster.sh start-redis {node}: the old primary rejoins as a replica");
        marks.Add((ClusterResults.RedisPrimaryKilled, redisKill, back));
        await UntilAsync(Math.Max(back ?? Now(), Now()) + settle, wrk);

        // d. PostgreSQL stopped: scans go on; a status change (a commit in PostgreSQL first) is refused, then works again.
        var stop = Mark("cluster.sh stop-postgres");
        await _rig.RunAsync("stop-postgres");
        Mark("PostgreSQL stopped");
        await UntilAsync(Now() + Math.Min(5, options.PostgresDown.TotalSeconds / 3), wrk);
        await StatusChangeAsync(api, authority, statusCitizen, "yellow", ClusterResults.PostgresStopped);
        await UntilAsync(stop + options.PostgresDown.TotalSeconds, wrk);
        Mark("cluster.sh start-postgres");
        await _rig.RunAsync("start-postgres");
        back = Mark("PostgreSQL started: accepts connections");
        // The runner's own pooled connections died with it; the archive check must not pick one up.
        Npgsql.NpgsqlConnection.ClearAllPools();
        marks.Add((ClusterResults.PostgresStopped, stop, back));
        marks.Add((ClusterResults.PostgresBack, back.Value, null));
        // The servers' pooled connections died with it: the first change may find one; a few tries, a second apart.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            if ((await StatusChangeAsync(api, authority, statusCitizen, "yellow", ClusterResults.PostgresBack)).Status == 200) break;
            await Task.Delay(1000);
        }
        await StatusChangeAsync(api, authority, statusCitizen, "green", ClusterResults.PostgresBack);
        await UntilAsync(back.Value + settle, wrk);

        // e. A server cut off from Redis (its packets dropped): not ready, out of rotation; healed, back in.
        var cutServer = options.ClusterCutServer;
        var cut = Mark($"cluster.sh cut {cutServer}: server {cutServer}'s packets to Redis and the sentinels dropped");
        await _rig.RunAsync("cut", I(cutServer));
        if (await BalancerSaysAsync(cutServer, s => s.StartsWith("DOWN", StringComparison.Ordinal), options.ClusterCut) is { } down) Mark($"haproxy: s{cutServer} {down}");
        await UntilAsync(cut + options.ClusterCut.TotalSeconds, wrk);
        var heal = Mark($"cluster.sh heal {cutServer}");
        await _rig.RunAsync("heal", I(cutServer));
        back = await BalancerSaysAsync(cutServer, s => s == "UP", TimeSpan.FromSeconds(60)) is not null ? Mark($"haproxy: s{cutServer} UP again") : heal;
        marks.Add((ClusterResults.ServerCut, cut, back));
        await UntilAsync(back.Value + settle, wrk);

        var end = Now();
        var phases = new List<FaultPhase> { new(ClusterResults.Steady, 0, marks[0].Start, null) };
        for (var i = 0; i < marks.Count; i++)
        {
            phases.Add(new FaultPhase(marks[i].Name, marks[i].Start, i + 1 < marks.Count ? marks[i + 1].Start : end, marks[i].Back));
        }
        return (phases, grainCheck);
    }

    /// <summary>
    /// After a kill, when the server is in rotation again: haproxy first has to see it gone (not UP), then UP again once its
    /// supervisor has started it and it is ready. Null if that did not happen within <paramref name="timeout"/>.
    /// </summary>
    private async Task<double?> InRotationAgainAsync(int server, double since, TimeSpan timeout)
    {
        var name = $"s{I(server)}";
        if (await BalancerSaysAsync(server, s => s.StartsWith("DOWN", StringComparison.Ordinal), TimeSpan.FromSeconds(15)) is { } gone) Mark($"haproxy: {name} {gone}");
        if (await BalancerSaysAsync(server, s => s == "UP", timeout - TimeSpan.FromSeconds(Now() - since)) is null)
        {
            lock (_notes) _notes.Add($"Server {server} was not back in rotation within {timeout.TotalSeconds:N0} s of its kill.");
            return null;
        }
        return Mark($"server {server} started again by its supervisor: ready, UP in haproxy");
    }

    /// <summary>Waits until haproxy's state of server I satisfies <paramref name="state"/>; that state, or null after <paramref name="timeout"/>.</summary>
    private async Task<string?> BalancerSaysAsync(int server, Func<string, bool> state, TimeSpan timeout)
    {
        var name = $"s{I(server)}";
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if ((await _rig.BalancerStatesAsync()).TryGetValue(name, out var s) && state(s)) return s;
            await Task.Delay(100);
        }
        return null;
    }

    /// <summary>When the sentinels name a primary other than <paramref name="before"/> (null if not within <paramref name="timeout"/>).</summary>
    private async Task<double?> PromotedAsync(int? before, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            var env = await _rig.EnvAsync();
            if (env.RedisPrimaryPort is { } port && port != before) return Mark($"the sentinels promoted redis-{env.PrimaryNode} (:{port}) to primary");
            await Task.Delay(250);
        }
        lock (_notes) _notes.Add($"The sentinels promoted no replica within {timeout.TotalSeconds:N0} s.");
        return null;
    }

    /// <summary>
    /// Pass reads of the signed-in citizens through the balancer, all at once, round after round from the kill on, until a
    /// round is all 200 (or a minute has passed).
    /// </summary>
    private async Task<GrainCheck> GrainsAfterKillAsync(CityPassApi api, IReadOnlyList<string> tokens, double kill)
    {
        long reads = 0, notOk = 0;
        var codes = new Dictionary<string, long>(StringComparer.Ordinal);
        var slowest = 0.0;
        var rounds = 0;
        double? allOk = null;
        while (Now() - kill < 60)
        {
            rounds++;
            var answers = await Task.WhenAll(tokens.Select(async t =>
            {
                var sw = Stopwatch.StartNew();
                try
                {
                    var a = await api.MyPassAsync(t);
                    return (a.Status, Code: a.Code ?? "", sw.Elapsed.TotalMilliseconds);
                }
                catch (HttpRequestException)
                {
                    return (Status: 0, Code: "no answer", sw.Elapsed.TotalMilliseconds);
                }
            }));
            reads += answers.Length;
            slowest = Math.Max(slowest, answers.Max(a => a.TotalMilliseconds));
            foreach (var a in answers.Where(a => a.Status != 200))
            {
                notOk++;
                var key = FaultTimeline.NotOkKey(a.Status, a.Code);
                codes[key] = codes.GetValueOrDefault(key) + 1;
            }
            if (answers.All(a => a.Status == 200))
            {
                allOk = Now() - kill;
                break;
            }
            await Task.Delay(250);
        }
        Mark(allOk is { } t ? string.Create(CultureInfo.InvariantCulture, $"every signed-in citizen's pass answered 200 through the balancer ({rounds} rounds, {t:0.0} s after the kill)")
            : "the signed-in citizens' passes were not all answered 200 within 60 s of the kill");
        return new GrainCheck(tokens.Count, rounds, reads, notOk, codes, slowest, allOk);
    }

    private async Task<CityPassApi.Answer<CityPassApi.StatusChangeAnswer>> StatusChangeAsync(CityPassApi api, string authority, string citizen, string colour, string phase)
    {
        var at = Now();
        var sw = Stopwatch.StartNew();
        var answer = await api.ChangeStatusAsync(authority, citizen, colour, "Cluster run: a status change while a store is away", _caseId!);
        var code = answer.Code ?? (answer.Status == 200 ? "changed" : "-");
        lock (_statusChanges) _statusChanges.Add(new StatusChangeTry(at, phase, answer.Status, code, sw.Elapsed.TotalMilliseconds));
        Mark(string.Create(CultureInfo.InvariantCulture, $"status change to {colour} through the balancer: {answer.Status} {code} in {sw.Elapsed.TotalMilliseconds:N0} ms"));
        return answer;
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

    /// <summary>The health case the run's status changes name (yellow and red need one), opened before any store is taken away.</summary>
    private string? _caseId;

    private Dictionary<string, string> WrkEnvironment(MintedPool pool, string logPrefix, double rate) => new()
    {
        ["CP_PASSES"] = pool.File,
        ["CP_GATES"] = _gatesFile,
        ["CP_LOG"] = logPrefix,
        ["CP_TAG"] = RandomNumberGenerator.GetHexString(8, lowercase: true),
        ["CP_RATE"] = rate.ToString(CultureInfo.InvariantCulture),
        ["CP_MAX_LAG_MS"] = options.FaultMaxLagMs.ToString(CultureInfo.InvariantCulture),
        ["CP_LOG_SENT"] = rate > 0 ? "1" : "0",
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

    private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);

    private string Command() => "loadtests/run.sh --cluster" + (options.Quick ? " --quick" : "") + string.Concat(options.ServerSettings.Select(kv => $" --set {kv.Key}={kv.Value}"));

    private static void Say(string text) => LoadTestRun.Say(text);
}
