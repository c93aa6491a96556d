using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using Spectre.Console;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>
/// One full run: stores and server up, seed, mint, the scenarios with their baselines in the same run,
/// the archive check, the profile, and the report.
/// </summary>
public sealed partial class LoadTestRun(RunOptions options)
{
    private readonly List<ScenarioResult> _scenarios = [];
    private readonly List<MintedPool> _pools = [];
    private readonly List<string> _notes = [];
    private readonly List<ScenarioResult> _sweepRounds = [];
    private readonly ScanLogs _logs = new();
    private string _tmp = "";
    private string _wrkDir = "";
    private string _gatesFile = "";
    private string _tokensFile = "";
    private string _authorityToken = "";

    /// <summary>The health case scans.lua's status changes name: yellow needs an open one.</summary>
    private string _caseId = "";
    private MintedPool? _pool;
    private PassPool? _passes;
    private ServerProcess? _server;
    private CpuMeter? _cpu;
    private IDatabase? _redis;
    private int _redisPort;
    private string _postgresConnection = "";

    public async Task<RunResults> RunAsync()
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var (rig, machine, seed) = await SetUpAsync(ServerDll(options.RepoRoot));
        await using var _ = rig;
        var (redisServer, postgres, redis) = (rig.Redis, rig.Postgres, _redis!);

        // Warm-up: JIT, connection pools, the gate directory; measured but not reported as a scenario.
        await StepAsync("warmup-scans", "warm-up", "Warm-up: scans", "scans.lua", 32, options.WarmUp, null, Scans());
        await StepAsync("warmup-ping", "warm-up", "Warm-up: ping", "ping.lua", 32, options.WarmUp / 2, null, []);

        // 1. Maximum throughput, closed loop, concurrency swept; the ping baseline at each level, interleaved so noise hits
        // both. The machine is shared: each level is measured in two rounds and the better of each endpoint's is kept.
        await MintAsync("sweep");
        var rounds = new List<ScenarioResult>();
        for (var round = 1; round <= options.SweepRounds; round++)
        {
            foreach (var c in options.SweepConnections)
            {
                rounds.Add(await StepAsync($"ping-c{c}-r{round}", "baseline", $"GET /v1/ping, {c} connections", "ping.lua", c, options.SweepStep, null, [], keep: false));
                await EnsurePoolAsync(options.SweepStep);
                rounds.Add(await StepAsync($"verify-c{c}-r{round}", "max", $"Verify, closed loop, {c} connections", "scans.lua", c, options.SweepStep, null, Scans(), keep: false));
            }
        }
        foreach (var best in rounds.GroupBy(r => (r.Group, r.Connections)).Select(g => g.MaxBy(r => r.RequestsPerSecond)!))
        {
            _scenarios.Add(best);
        }
        _sweepRounds.AddRange(rounds);
        var bestVerify = _scenarios.Where(s => s.Group == "max").MaxBy(s => s.RequestsPerSecond)!;
        var bestPing = _scenarios.Where(s => s.Group == "baseline").MaxBy(s => s.RequestsPerSecond)!;
        var max = bestVerify.RequestsPerSecond;
        Say($"Maximum verify {max:N0}/s at {bestVerify.Connections} connections; ping {bestPing.RequestsPerSecond:N0}/s at {bestPing.Connections}");

        ProfileResult? profile = null;
        if (options.Profile) profile = await ProfileAsync(bestVerify.Connections);

        // 2. Fixed rates at 25/50/75% of the maximum: latency percentiles timed from each request's planned start.
        await MintAsync("fixed rates");
        foreach (var pct in options.RatePercents)
        {
            var rate = Math.Max(1, Math.Round(max * pct / 100));
            await EnsurePoolAsync(options.RateStep);
            await StepAsync($"rate-{pct}", "rate", $"Verify at {pct}% of max ({rate:N0}/s)", "scans.lua", options.RateConnections, options.RateStep, rate,
                Scans(retry: options.RetryPermille));
        }
        // What the append-only file holds per scan, read now: the steps so far wrote only scans (and their retries), and the
        // file's tail is the 75% step's. The mixed steps' status changes and redis-benchmark's calls come after.
        var appendOnlyFile = redisServer.AppendOnlyFileNow() is { } aof ? AofCommandBytes.ReadTail(aof, (long)AofCommandBytes.DefaultTailMegabytes << 20) : null;

        // 3. Mixed traffic: 90% scans (1% of them retries), 9% pass refreshes, 1% status changes.
        await MintAsync("mixed");
        var mixed = Scans(retry: options.RetryPermille, refresh: 90, status: 10);
        await StepAsync("mixed-max", "mixed", $"Mixed 90/9/1, closed loop, {bestVerify.Connections} connections", "scans.lua", bestVerify.Connections,
            options.MixedStep, null, mixed);
        var half = Math.Max(1, Math.Round(max * 0.5));
        await EnsurePoolAsync(options.MixedStep);
        await StepAsync("mixed-50", "mixed", $"Mixed 90/9/1 at 50% of max ({half:N0}/s)", "scans.lua", options.RateConnections, options.MixedStep, half, mixed);

        // The Redis ceiling for the scan's one round trip, on the same redis-server.
        Say("redis-benchmark with the scan's Lua script");
        var before = _cpu!.Take();
        IReadOnlyList<RedisBenchmarkResult> redisBench = [];
        try
        {
            redisBench = await RedisBenchmark.RunAsync(redis, redisServer.Port, options.Citizens >= 100_000 ? 200_000 : 50_000, Path.Combine(_tmp, "redis-benchmark.txt"));
            _notes.Add($"CPU during redis-benchmark: {Format(CpuMeter.Between(before, _cpu.Take()))}.");
        }
        catch (InvalidOperationException e)
        {
            // The ceiling is a side measurement: the run goes on to its soak and its checks without it. Seen once
            // (2026-12-05: no record from 200,000 calls that every other run took the allowed path with; cause not found).
            Say("redis-benchmark failed: " + e.Message);
            _notes.Add("The Redis ceiling was not measured: " + e.Message);
        }

        // 4. Soak at 50% (behind --soak), in chunks of at most five minutes, each with its own pool minted up front.
        if (options.Soak) await SoakAsync(half);

        Say("Waiting for the archive to catch up, then checking every answered (gate, scan id) against PostgreSQL");
        var archive = await ArchiveCheck.RunAsync(redis, postgres.ConnectionString(), _logs, TimeSpan.FromMinutes(3));
        Say($"Archive: answered {archive.AnsweredScans:N0}, archived {archive.ArchivedRows:N0} rows ({archive.DistinctArchivedKeys:N0} distinct (gate, scan id)), missing {archive.Missing}, " +
            $"archived but not seen answered {archive.ArchivedButNotSeenAnswered} -> {(archive.Passed ? "PASS" : "FAIL")}");

        if (await ChromiumRunningAsync() && !machine.ChromiumSeenRunning) _notes.Add("Chromium was running at the end of the run: part of the run shared the machine with browser tests.");
        var targets = Targets(max, bestPing.RequestsPerSecond, archive, profile);
        var overrides = ServerProcess.Overrides.Concat(options.ServerSettings).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var results = new RunResults(started, clock.Elapsed.TotalMinutes, Command(), machine, overrides, seed, _pools, _scenarios, _sweepRounds,
            max, bestVerify.Connections, bestPing.RequestsPerSecond, bestPing.Connections, redisBench, archive, profile, targets, _notes, appendOnlyFile);
        return results;
    }

    /// <summary>The server as built in Release from this working tree.</summary>
    public static string ServerDll(string repoRoot) => Path.Combine(repoRoot, "src", "CityPass.Server", "bin", "Release", "net10.0", "CityPass.Server.dll");

    /// <summary>What every run starts with: stores and server up, seeded through the API, citizens signed in, a first pool minted.</summary>
    private async Task<(LoadTestRig Rig, MachineInfo Machine, SeedResult Seed)> SetUpAsync(string serverDll)
    {
        _tmp = Path.Combine(options.OutputDirectory, "tmp");
        Directory.CreateDirectory(_tmp);
        _wrkDir = Path.Combine(options.RepoRoot, "loadtests", "wrk");
        if (!File.Exists(serverDll)) throw new InvalidOperationException($"{serverDll} is missing: build Release first (loadtests/run.sh does).");
        var machine = await MachineAsync();
        if (machine.ChromiumSeenRunning) _notes.Add("Chromium (the other engineer's browser tests) was running when the run started: the machine was busier than usual.");

        var rig = await LoadTestRig.StartAsync(_tmp, options.RedisAppendOnly, serverDll, options.ServerSettings, Say, options.RedisSettings, options.PostgresSettings);
        if (options.PostgresSettings.Count > 0) _notes.Add("An experiment: PostgreSQL ran with " + string.Join(", ", options.PostgresSettings.Select(kv => $"{kv.Key}={kv.Value}")) + ".");
        try
        {
            var (redisServer, postgres) = (rig.Redis, rig.Postgres);
            _server = rig.Server;
            _redis = rig.Multiplexer.GetDatabase();
            _redisPort = redisServer.Port;
            _postgresConnection = postgres.ConnectionString();
            var postmaster = postgres.PostmasterPid;
            _cpu = new CpuMeter(() => new Dictionary<string, IReadOnlyList<int>>
            {
                // Read at each sample: an A/B comparison replaces the server process.
                ["server"] = [_server!.ProcessId],
                // The archive's own process, in the archiver comparison (--archiver-apart); CpuSplit counts it in "other".
                ["archiver"] = rig.Archiver is { } archiver ? [archiver.ProcessId] : [],
                // With its children: the append-only file rewrite is a fork of redis-server.
                ["redis"] = CpuMeter.WithChildren(redisServer.ProcessId),
                ["postgres"] = CpuMeter.WithChildren(postmaster),
            });

            using var api = new CityPassApi(_server.BaseAddress);
            var admin = await api.StaffTokenAsync("admin", "demo-admin-2026");
            _authorityToken = await api.StaffTokenAsync("authority", "demo-authority-2026");
            _caseId = await api.OpenCaseAsync(_authorityToken, "Load test: status changes among the scans");

            Say($"Seeding {options.Citizens:N0} citizens, {options.Venues:N0} venues, {options.Gates:N0} gates through the API");
            var seed = await new Seeder(api, options).SeedAsync(admin);
            Say($"Seeded: citizens {seed.CitizensSeconds:N1} s ({seed.Citizens / seed.CitizensSeconds:N0}/s), venues {seed.VenuesSeconds:N1} s, gates {seed.GatesSeconds:N1} s");
            if (seed.CitizensRejected > 0) throw new InvalidOperationException($"The import rejected {seed.CitizensRejected} rows.");
            _gatesFile = Path.Combine(_tmp, "gates.txt");
            await File.WriteAllLinesAsync(_gatesFile, seed.GateCredentials);

            Say($"Signing in {options.SignedInCitizens} citizens (OTP) for the pass-refresh traffic");
            var step = Math.Max(1, options.Citizens / options.SignedInCitizens);
            var tokens = await api.CitizenSignInsAsync([.. Enumerable.Range(0, options.SignedInCitizens).Select(i => Seeder.Phone(i * step))], rig.Sms);
            _tokensFile = Path.Combine(_tmp, "citizen-tokens.txt");
            await File.WriteAllLinesAsync(_tokensFile, tokens);

            _passes = new PassPool(rig.Keys, postgres.ConnectionString());
            await MintAsync("warm-up");
            return (rig, machine, seed);
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private string Command() => "loadtests/run.sh" + (options.Soak ? $" --soak-minutes {options.SoakDuration.TotalMinutes:0.#}" : "")
        + string.Concat(options.ServerSettings.Select(kv => $" --set {kv.Key}={kv.Value}")) + (options.Profile ? "" : " --no-profile")
        + (options.RedisAppendOnly ? "" : " --redis-no-aof") + string.Concat(options.RedisSettings.Select(kv => $" --redis-set {kv.Key}={kv.Value}"));

    private static Dictionary<string, string> Scans(int retry = 0, int refresh = 0, int status = 0) => new()
    {
        ["CP_RETRY_PERMILLE"] = retry.ToString(CultureInfo.InvariantCulture),
        ["CP_REFRESH_PERMILLE"] = refresh.ToString(CultureInfo.InvariantCulture),
        ["CP_STATUS_PERMILLE"] = status.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The server probe's p99 in the same step, for the tail's share that any request on this machine meets.</summary>
    private static string ProbeP99(ScenarioResult step) =>
        step.Stalls?.Answers?.GetValueOrDefault(StallProbe.ServerProbe) is { Count: > 0 } probe ? $"; GET /v1/ping beside it, one at a time: p99 {probe.P99:0.00} ms" : "";

    private List<TargetCheck> Targets(double max, double ping, ArchiveVerdict archive, ProfileResult? profile)
    {
        var rate50 = _scenarios.FirstOrDefault(s => s.Id == "rate-50");
        var all = _scenarios.Concat(_sweepRounds.Except(_scenarios)).ToList();
        var fives = all.Sum(s => s.Count5xx);
        var socket = all.Sum(s => s.SocketErrors);
        var retries = _scenarios.Sum(s => s.Retries);
        var retriesDup = _scenarios.Sum(s => s.RetriesAnsweredAsDuplicate);
        return
        [
            new("verify throughput >= 0.5x the trivial endpoint's (same run, same wrk settings)",
                $"{max:N0} / {ping:N0} = {max / ping:0.00}x", max >= 0.5 * ping),
            new("p99 <= 5 ms at 50% of maximum", rate50 is null ? "not run" : $"p99 {rate50.Latency.P99:0.00} ms (p50 {rate50.Latency.P50:0.00}, max {rate50.Latency.Max:0.0})" + ProbeP99(rate50),
                rate50 is not null && rate50.Latency.P99 <= 5),
            new("zero 5xx", $"{fives} 5xx, {socket} socket errors/timeouts over {all.Sum(s => s.Statuses.Values.Sum()):N0} responses", fives == 0),
            new("every scan answered is in PostgreSQL (counts and (gate, scan id) keys match)",
                $"{archive.AnsweredScans:N0} answered, {archive.Missing} missing; {archive.ArchivedRows:N0} rows = {archive.DistinctArchivedKeys:N0} distinct (gate, scan id)",
                archive.Passed),
            new("a retried scan id never makes a second record",
                $"{retries:N0} retries, {retriesDup:N0} answered as duplicate, {_scenarios.Sum(s => s.RetriesWithChangedCode)} with a changed answer; no gate's scan id twice in the archive",
                retries > 0 && retries == retriesDup && archive.ArchivedRows == archive.DistinctArchivedKeys),
            new("CPU profile of the verify path, five largest costs named", profile is null ? "not taken" : "see Profile", profile is not null),
        ];
    }

    private async Task MintAsync(string why)
    {
        var pool = await _passes!.MintAsync(Path.Combine(_tmp, $"passes-{_pools.Count}.txt"), DateTimeOffset.UtcNow);
        _pools.Add(pool);
        _pool = pool;
        Say($"Minted {pool.Count:N0} passes for {why} in {pool.MintSeconds:N1} s (valid until {pool.ExpiresAt:HH:mm:ss} UTC)");
    }

    /// <summary>A fresh pool when the current one would expire during the next step (with a minute to spare).</summary>
    private async Task EnsurePoolAsync(TimeSpan next)
    {
        if (_pool is null || _pool.ExpiresAt - DateTimeOffset.UtcNow < next + TimeSpan.FromMinutes(1)) await MintAsync("the next step (the pool was about to expire)");
    }

    private async Task<ScenarioResult> StepAsync(string id, string group, string title, string script, int connections, TimeSpan duration, double? rate,
        Dictionary<string, string> extra, MintedPool? pool = null, bool keep = true)
    {
        // Every step starts with the archive caught up, so one step's backlog does not load the next.
        var drain = Stopwatch.StartNew();
        while (await ArchiveCheck.BacklogAsync(_redis!) > 0 && drain.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(200);
        var drained = drain.Elapsed.TotalSeconds;
        var env = new Dictionary<string, string>(extra)
        {
            ["CP_PASSES"] = (pool ?? _pool!).File,
            ["CP_GATES"] = _gatesFile,
            ["CP_LOG"] = Path.Combine(_tmp, id),
            ["CP_TAG"] = RandomNumberGenerator.GetHexString(8, lowercase: true),
            ["CP_RATE"] = (rate ?? 0).ToString(CultureInfo.InvariantCulture),
            ["CP_CITIZEN_TOKENS"] = _tokensFile,
            ["CP_AUTHORITY_TOKEN"] = _authorityToken,
            ["CP_CASE"] = _caseId,
        };
        var threads = Math.Min(options.WrkThreads, connections);
        AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(title)} ({duration.TotalSeconds:N0} s) ...");
        var redisServer = _redis!.Multiplexer.GetServers()[0];
        var persistenceBefore = options.RedisAppendOnly ? await RedisPersistence.TakeAsync(redisServer) : null;
        var commandsBefore = await RedisCommandCost.TakeAsync(redisServer);
        // Fixed rates only: at the closed-loop maximum every probe waits in the queues, stalled or not.
        if (rate is not null) await redisServer.LatencyResetAsync();
        var startedUtc = DateTime.UtcNow;
        var maintenanceBefore = rate is null ? null : await PostgresMaintenance.TakeAsync(_postgresConnection);
        using var probe = rate is null ? null : new StallProbe(_redisPort, _server!.BaseAddress, _cpu!, zeroMs: MonotonicClock.NowMs);
        var before = _cpu!.Take();
        var wrk = await Wrk.RunAsync(new WrkRun(id, script, threads, connections, duration, env), _server!.BaseAddress, _wrkDir, Path.Combine(_tmp, id + ".wrk.txt"));
        var cpu = CpuMeter.Between(before, _cpu.Take());
        var stalls = probe?.Stop();
        var redisLatency = rate is null ? null : await RedisLatencyEvent.TakeAsync(redisServer, startedUtc);
        var maintenance = maintenanceBefore is null ? null : PostgresMaintenance.Between(maintenanceBefore, await PostgresMaintenance.TakeAsync(_postgresConnection), startedUtc);
        var persistence = persistenceBefore is null ? null : (await RedisPersistence.TakeAsync(redisServer)).Since(persistenceBefore);
        var commands = RedisCommandCost.Between(commandsBefore, await RedisCommandCost.TakeAsync(redisServer));
        var backlog = await ArchiveCheck.BacklogAsync(_redis!);
        var log = script == "scans.lua" ? _logs.Read(Path.Combine(_tmp, id), TimeSpan.FromSeconds(duration.TotalSeconds >= 120 ? 30 : 5)) : null;
        var result = new ScenarioResult(id, group, title, script == "ping.lua" ? "GET /v1/ping" : "POST /v1/scans", connections, rate, wrk.DurationSeconds,
            wrk.RequestsPerSecond, log?.Latency ?? wrk.WrkLatency, wrk.WrkLatency, wrk.Statuses, wrk.Kinds, wrk.Codes, wrk.Count5xx, wrk.SocketErrors,
            wrk.Retries, wrk.RetriesAnsweredAsDuplicate, wrk.RetriesWithChangedCode, log?.NewScansMarkedDuplicate ?? 0, cpu, log?.Windows ?? [],
            backlog, drained, persistence, commands, stalls, redisLatency, maintenance);
        if (group != "warm-up" && keep) _scenarios.Add(result);
        AnsiConsole.MarkupLine(Markup.Escape($"    {wrk.RequestsPerSecond,9:N0} req/s  p50 {result.Latency.P50:0.00} ms  p99 {result.Latency.P99:0.00} ms  max {result.Latency.Max:0.0} ms  " +
            $"non-2xx {wrk.Non2xx}  5xx {wrk.Count5xx}  errors {wrk.SocketErrors}  archive backlog {backlog:N0} (drained {drained:N1} s before)  CPU: {Format(cpu)}"));
        return result;
    }

    private async Task<ProfileResult?> ProfileAsync(int connections)
    {
        var tool = Profiler.FindDotnetTrace();
        if (tool is null)
        {
            _notes.Add("dotnet-trace is not installed (dotnet tool install -g dotnet-trace --version 10.0.750501): no profile.");
            return null;
        }
        await EnsurePoolAsync(options.ProfileDuration + TimeSpan.FromSeconds(10));
        Say($"Profiling the server with dotnet-trace for {options.ProfileDuration.TotalSeconds:N0} s under full verify load ({connections} connections)");
        var directory = Path.Combine(_tmp, "profile");
        Directory.CreateDirectory(directory);
        // The load starts first and outlasts the trace; this run's figures are not used (tracing costs throughput).
        var load = StepAsync("profile-load", "profile", $"Verify under the profiler, {connections} connections", "scans.lua", connections,
            options.ProfileDuration + TimeSpan.FromSeconds(8), null, Scans());
        await Task.Delay(TimeSpan.FromSeconds(3));
        try
        {
            var (trace, speedscope) = await Profiler.CollectAsync(tool, _server!.ProcessId, options.ProfileDuration, directory);
            await load;
            var result = CpuProfile.Analyse(speedscope, trace);
            var keep = Path.Combine(options.OutputDirectory, "profile.speedscope.json");
            if (new FileInfo(speedscope).Length < 900_000) File.Copy(speedscope, keep, overwrite: true);
            return result;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            await load;
            _notes.Add($"The profile failed: {e.Message}");
            return null;
        }
    }

    private async Task SoakAsync(double rate)
    {
        var chunk = TimeSpan.FromMinutes(5);
        var chunks = (int)Math.Ceiling(options.SoakDuration / chunk);
        var now = DateTimeOffset.UtcNow;
        var pools = new List<MintedPool>();
        for (var i = 0; i < chunks; i++)
        {
            // Each chunk's pool is issued when its chunk will start (less a margin): valid for the whole chunk.
            var pool = await _passes!.MintAsync(Path.Combine(_tmp, $"passes-soak-{i}.txt"), now + (chunk * i) - TimeSpan.FromSeconds(30));
            pools.Add(pool);
            _pools.Add(pool);
        }
        Say($"Soak: {options.SoakDuration.TotalMinutes:N1} min at {rate:N0}/s in {chunks} chunk(s); pools minted up front");
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < chunks; i++)
        {
            var length = i < chunks - 1 ? chunk : options.SoakDuration - chunk * i;
            // Wait until this chunk's pool is valid (it may have been issued slightly in the future).
            var wait = pools[i].ValidFrom - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var rewrite = options.SoakRewriteAt is { } at ? RewriteAtAsync(at) : Task.CompletedTask;
            await StepAsync($"soak-{i + 1}", "soak", $"Soak at 50% of max ({rate:N0}/s), part {i + 1}/{chunks}", "scans.lua", options.RateConnections, length, rate,
                Scans(retry: options.RetryPermille), pools[i]);
            await rewrite;
        }
        _notes.Add($"The soak ran {(DateTimeOffset.UtcNow - start).TotalMinutes:N1} min in {chunks} wrk run(s) of at most 5 min (each with a pool valid throughout).");
        if (options.SoakRewriteAt is { } rewriteAt) _notes.Add($"An experiment: the runner started an append-only-file rewrite {rewriteAt.TotalSeconds:0} s into each soak chunk (BGREWRITEAOF).");
    }

    private async Task RewriteAtAsync(TimeSpan at)
    {
        await Task.Delay(at);
        try
        {
            await _redis!.Multiplexer.GetServers()[0].ExecuteAsync("BGREWRITEAOF");
            Say("Started an append-only-file rewrite (--soak-rewrite-at)");
        }
        catch (RedisServerException e)
        {
            // One already running (an automatic one) does the same.
            Say($"BGREWRITEAOF: {e.Message}");
        }
    }

    internal static async Task<MachineInfo> MachineAsync()
    {
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        async Task<string> First(string file, params string[] args)
        {
            try
            {
                var o = await Processes.RunAsync(file, args, TimeSpan.FromSeconds(20));
                return (o.StandardOutput + o.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "?";
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return "not installed";
            }
        }
        return new MachineInfo(Environment.ProcessorCount, model, (await First("uname", "-sr")), Environment.Version.ToString(),
            await First("wrk", "-v"), await First("redis-server", "--version"), await First("/usr/lib/postgresql/15/bin/postgres", "--version"),
            await ChromiumRunningAsync());
    }

    internal static async Task<bool> ChromiumRunningAsync() => (await Processes.RunAsync("pgrep", ["-f", "chromium"], TimeSpan.FromSeconds(10))).ExitCode == 0;

    public static string Format(CpuSplit c) => string.Create(CultureInfo.InvariantCulture,
        $"server {c.Server:0.00}, wrk {c.LoadGenerator:0.00}, redis {c.Redis:0.00}, postgres {c.Postgres:0.00}, runner {c.Runner:0.00}, other {c.Other:0.00}, idle {c.Idle:0.00} (cores of {c.Cores})");

    internal static void Say(string text) => AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss}[/] [bold]{Markup.Escape(text)}[/]");
}
