using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Core.Tokens;
using Npgsql;
using Spectre.Console;

namespace CityPass.LoadTests;

/// <summary>
/// The grain run (<c>--grains</c>): the paths that go through a citizen's grain, on the rig's stores.
/// 1. <c>GET /v1/me/pass</c>, closed loop, tokens of signed-in citizens rotated per request, beside
///    <c>GET /v1/ping</c> on the same server(s): first on one server process (one silo), then on
///    <see cref="RunOptions.Replicas"/> processes joined as one cluster (replicas started on the same stores,
///    each with its own HTTP and silo port), one wrk per process at once, summed. Each topology has its own
///    set of signed-in citizens, so each starts with cold grains that its warm-up activates where the
///    cluster places them.
/// 2. Status changes on the cluster: single <c>PUT /v1/citizens/{id}/status</c>, each a different citizen,
///    a few at a time, spread over the processes as a load balancer would; then one
///    draft (<c>POST /v1/status-drafts</c>) of <see cref="RunOptions.BulkCitizens"/> citizens, approved by a second account and run.
/// </summary>
public sealed class GrainsRun(RunOptions options)
{
    /// <summary>The replicas' common Orleans:ClusterId; the membership table in the run's own Redis is under it.</summary>
    public const string ClusterId = "loadtest-grains";

    /// <summary>Latency points per wrk run, for merging several wrk processes' latency (lib.lua, <see cref="LatencyQuantiles"/>).</summary>
    private const int LatencyPoints = 1_000;

    /// <summary>
    /// The bulk change's body: 10,000 ids of 32 hex digits are about 360 KB of JSON, and the server's default
    /// body limit outside imports (Limits:MaxRequestBodyBytes, 64 KiB) admits about 1,800.
    /// </summary>
    private const long BulkBodyLimit = 4L * 1024 * 1024;

    private readonly List<GrainStep> _steps = [];
    private readonly List<string> _notes = [];
    private string _tmp = "";
    private string _wrkDir = "";
    private LoadTestRig _rig = null!;
    private CpuMeter _cpu = null!;

    /// <summary>The server settings of every process of the run, on top of <see cref="ServerProcess.Overrides"/>.</summary>
    private Dictionary<string, string> Settings() => new(options.ServerSettings)
    {
        ["Orleans__ClusterId"] = ClusterId,
        ["Limits__MaxRequestBodyBytes"] = BulkBodyLimit.ToString(CultureInfo.InvariantCulture),
    };

    public async Task<GrainsResults> RunAsync()
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

        await using var rig = _rig = await LoadTestRig.StartAsync(_tmp, options.RedisAppendOnly, serverDll, Settings(), Say);
        var postmaster = rig.Postgres.PostmasterPid;
        _cpu = new CpuMeter(() =>
        {
            // Read at each sample: replicas join between the topologies.
            var servers = rig.Servers;
            var groups = new Dictionary<string, IReadOnlyList<int>>
            {
                ["server"] = [.. servers.Select(s => s.ProcessId)],
                ["redis"] = CpuMeter.WithChildren(rig.Redis.ProcessId),
                ["postgres"] = CpuMeter.WithChildren(postmaster),
            };
            for (var i = 0; i < servers.Count; i++) groups[ServerGroup(i)] = [servers[i].ProcessId];
            return groups;
        });

        using var api = new CityPassApi(rig.Server.BaseAddress);
        var admin = await api.StaffTokenAsync("admin", "demo-admin-2026");
        var authority = await api.StaffTokenAsync("authority", "demo-authority-2026");
        Say($"Seeding {options.Citizens:N0} citizens through the API (CSV import)");
        var seed = await new Seeder(api, options).SeedAsync(admin);
        if (seed.CitizensRejected > 0) throw new InvalidOperationException($"The import rejected {seed.CitizensRejected} rows.");
        Say($"Seeded: {seed.Citizens:N0} citizens in {seed.CitizensSeconds:N1} s");

        // The seeded citizens in seed order (the i-th has Seeder.Phone(i)), shuffled once so each use takes citizens from all over.
        var citizens = await new PassPool(rig.Keys, rig.Postgres.ConnectionString()).CitizensAsync();
        if (citizens.Count < options.GrainCitizensNeeded) throw new InvalidOperationException($"{citizens.Count:N0} seeded citizens found; the run needs {options.GrainCitizensNeeded:N0}.");
        var order = Enumerable.Range(0, citizens.Count).ToArray();
        new Random(20261201).Shuffle(order);
        var (a, changes) = (options.GrainCitizens, options.StatusChanges);
        var (singleSet, clusterSet) = (order[..a], order[a..(2 * a)]);
        var (changeSet, bulkSet) = (order[(2 * a)..((2 * a) + changes)], order[((2 * a) + changes)..options.GrainCitizensNeeded]);

        Say($"Signing in {2 * options.GrainCitizens:N0} citizens (OTP through the SMS inbox): a set for each topology");
        var signIn = Stopwatch.StartNew();
        var singleTokens = await SignInAsync(api, singleSet, "citizen-tokens-1.txt");
        var clusterTokens = await SignInAsync(api, clusterSet, "citizen-tokens-cluster.txt");
        var signInSeconds = signIn.Elapsed.TotalSeconds;
        Say($"Signed in {2 * options.GrainCitizens:N0} citizens in {signInSeconds:N1} s");

        // 1. Pass reads on one server process, then on the cluster.
        var topologies = new List<Topology> { await MeasureTopologyAsync(singleTokens) };
        for (var i = 2; i <= options.Replicas; i++)
        {
            var replica = await rig.AddReplicaAsync($"server-{i}.log");
            Say($"Replica {i} up: http {replica.Port}, silo {replica.SiloPort}");
        }
        topologies.Add(await MeasureTopologyAsync(clusterTokens));
        var pass = (One: BestOf(GrainsResults.PassEndpoint, 1), Many: BestOf(GrainsResults.PassEndpoint, options.Replicas));
        Say($"Pass reads: {pass.One.RequestsPerSecond:N0}/s on one process, {pass.Many.RequestsPerSecond:N0}/s on {options.Replicas} ({pass.Many.RequestsPerSecond / pass.One.RequestsPerSecond:0.00}x)");

        // 2. Status changes on the cluster.
        var singles = await SingleChangesAsync(authority, [.. changeSet.Select(i => citizens[i].Pseudonym.ToString())], [.. clusterSet.Select(i => citizens[i].Pseudonym.ToString())]);
        // Four eyes: the demo's second health authority account approves the bulk draft.
        var bulk = await BulkChangeAsync(api, authority, await api.StaffTokenAsync("epidemiologist", "demo-epidemiologist-2026"), bulkSet, citizens);

        if (await LoadTestRun.ChromiumRunningAsync() && !machine.ChromiumSeenRunning) _notes.Add("Chromium was running at the end of the run: part of the run shared the machine with browser tests.");
        var overrides = ServerProcess.Overrides.Concat(Settings()).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        return new GrainsResults(GrainsResults.ModeName, started, clock.Elapsed.TotalMinutes, Command(), machine, overrides, seed with { GateCredentials = [] },
            options.GrainCitizens, signInSeconds, topologies, _steps, singles, bulk, _notes);
    }

    private string Command() => "loadtests/run.sh --grains" + string.Concat(options.ServerSettings.Select(kv => $" --set {kv.Key}={kv.Value}"))
        + (options.RedisAppendOnly ? "" : " --redis-no-aof");

    private static string ServerGroup(int index) => $"server-{index + 1}";

    /// <summary>Where a measured stretch starts: the machine's CPU and the server processes' threads.</summary>
    private (CpuMeter.Snapshot Machine, ThreadSnapshot Threads) Mark() => (_cpu.Take(), ThreadCpu.Take(_rig.Servers.Select(s => s.ProcessId)));

    /// <summary>What the CPU did since <paramref name="start"/> (the same server processes throughout).</summary>
    private CpuUse Since((CpuMeter.Snapshot Machine, ThreadSnapshot Threads) start)
    {
        var threads = ThreadCpu.Take(_rig.Servers.Select(s => s.ProcessId));
        var end = _cpu.Take();
        return new CpuUse(CpuMeter.Between(start.Machine, end), [.. Enumerable.Range(0, _rig.Servers.Count).Select(i => CpuMeter.Cores(start.Machine, end, ServerGroup(i)))],
            ThreadCpu.Between(start.Threads, threads));
    }

    private GrainStep BestOf(string endpoint, int processes) =>
        _steps.Where(s => s.Endpoint == endpoint && s.ServerProcesses == processes).MaxBy(s => s.RequestsPerSecond)!;

    private async Task<string> SignInAsync(CityPassApi api, int[] seedIndexes, string fileName)
    {
        var tokens = await api.CitizenSignInsAsync([.. seedIndexes.Select(Seeder.Phone)], _rig.Sms);
        var file = Path.Combine(_tmp, fileName);
        await File.WriteAllLinesAsync(file, tokens);
        return file;
    }

    /// <summary>The processes now up as one topology: their silos active in the membership table, the machine at rest, warm-up, then the steps.</summary>
    private async Task<Topology> MeasureTopologyAsync(string tokensFile)
    {
        var servers = _rig.Servers;
        var n = servers.Count;
        var redis = _rig.Multiplexer.GetDatabase();
        var key = ClusterMembership.Key(ClusterId);
        var membership = await ClusterMembership.WaitUntilActiveAsync(redis, key, [.. servers.Select(s => s.SiloPort)], TimeSpan.FromSeconds(60));
        // The table as Redis holds it, beside the other raw material.
        await File.WriteAllLinesAsync(Path.Combine(_tmp, $"membership-{n}.txt"), (await redis.HashGetAllAsync(key)).Select(e => $"{e.Name} {e.Value}"));
        Say($"{n} server process(es): {string.Join(", ", membership.Select(r => $"silo {r.Port} {r.Status}"))}");

        // Warm-up: JIT and the grains' activations (this topology's citizens are new to every silo); measured, not kept.
        await StepAsync($"warmup-pass-{n}", GrainsResults.PassEndpoint, "pass.lua", 32, options.GrainWarmUp, 0, tokensFile, keep: false);
        await StepAsync($"warmup-ping-{n}", GrainsResults.PingEndpoint, "ping.lua", 32, options.GrainWarmUp / 3, 0, tokensFile, keep: false);

        // Then the machine with the processes up and no request: what they cost on their own, which every request's share of CPU includes.
        Say($"At rest for {options.RestWindow.TotalSeconds:N0} s (no request)");
        var start = Mark();
        await Task.Delay(options.RestWindow);
        var atRest = Since(start);
        Say($"At rest: {LoadTestRun.Format(atRest.Split)}; server threads: {Threads(atRest.ServerThreads)}");
        for (var round = 1; round <= options.GrainRounds; round++)
        {
            foreach (var c in options.GrainConnections)
            {
                await StepAsync($"ping-s{n}-c{c}-r{round}", GrainsResults.PingEndpoint, "ping.lua", c, options.GrainStep, round, tokensFile);
                await StepAsync($"pass-s{n}-c{c}-r{round}", GrainsResults.PassEndpoint, "pass.lua", c, options.GrainStep, round, tokensFile);
            }
        }
        return new Topology(n, [.. servers.Select(s => s.Port)], [.. servers.Select(s => s.SiloPort)], membership, options.RestWindow.TotalSeconds, atRest);
    }

    /// <summary>One step: a wrk per server process at once, the connections split between them, and the CPU around all of them.</summary>
    private async Task<GrainStep> StepAsync(string id, string endpoint, string script, int connections, TimeSpan duration, int round, string tokensFile, bool keep = true)
    {
        var servers = _rig.Servers;
        var split = GrainStep.SplitConnections(connections, servers.Count);
        // About the same wrk threads in total whatever the topology (each wrk needs one): wrk shares the two cores too.
        var threads = Math.Max(1, options.WrkThreads / servers.Count);
        var env = new Dictionary<string, string>
        {
            ["CP_CITIZEN_TOKENS"] = tokensFile,
            ["CP_QUANTILES"] = LatencyPoints.ToString(CultureInfo.InvariantCulture),
        };
        AnsiConsole.MarkupLine(Markup.Escape($"{DateTime.Now:HH:mm:ss} {endpoint}, {servers.Count} server process(es), {connections} connections ({string.Join("+", split)}), {duration.TotalSeconds:N0} s ..."));
        var start = Mark();
        var runs = await Task.WhenAll(servers.Select(async (server, i) =>
        {
            var t = Math.Min(threads, split[i]);
            var run = new WrkRun($"{id}-{i + 1}", script, t, split[i], duration, env);
            var summary = await Wrk.RunAsync(run, server.BaseAddress, _wrkDir, Path.Combine(_tmp, $"{id}-{i + 1}.wrk.txt"));
            return (server.Port, split[i], t, summary);
        }));
        var step = GrainStep.Combine(id, endpoint, round, runs, Since(start));
        if (keep) _steps.Add(step);
        var cost = step.CpuPerRequest;
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"    {step.RequestsPerSecond,9:N0} req/s  p50 {step.Latency.P50:0.00} ms  p99 {step.Latency.P99:0.00} ms  non-2xx {step.Non2xx}  errors {step.SocketErrors}  " +
            $"CPU µs/req: server {cost.Server:N0} ({string.Join(" + ", cost.ByServerProcess.Select(x => x.ToString("N0", CultureInfo.InvariantCulture)))}), wrk {cost.LoadGenerator:N0}, redis {cost.Redis:N0}, postgres {cost.Postgres:N0}  CPU: {LoadTestRun.Format(step.Cpu.Split)}")));
        return step;
    }

    /// <summary>
    /// Single status changes, each a different citizen (cold grains: activation, the store's version-guarded
    /// write with its audit entry, the hot copy, the new pass), <see cref="RunOptions.StatusChangeConcurrency"/>
    /// at a time, round robin over the server processes. A warm-up on citizens whose grains are already active
    /// across the cluster first compiles the change path in every process, so the first changes don't time the JIT.
    /// </summary>
    private async Task<SingleChanges> SingleChangesAsync(string authority, IReadOnlyList<string> ids, IReadOnlyList<string> warmUpIds)
    {
        var servers = _rig.Servers;
        var apis = servers.Select(s => new CityPassApi(s.BaseAddress)).ToList();
        try
        {
            var caseRef = await apis[0].OpenCaseAsync(authority, "Load test: single status changes");
            var warmUp = Math.Min(warmUpIds.Count, Math.Max(20, options.StatusChanges / 10));
            Say($"Status changes: {warmUp} to warm up, then {ids.Count:N0} single changes, {options.StatusChangeConcurrency} at a time over {servers.Count} server processes");
            await Parallel.ForAsync(0, warmUp, new ParallelOptions { MaxDegreeOfParallelism = options.StatusChangeConcurrency }, async (i, _) =>
                await apis[i % apis.Count].ChangeStatusAsync(authority, warmUpIds[i], "yellow", "Load test warm-up", caseRef));
            // The tiered JIT compiles the methods the warm-up made hot on background threads: let it, before the timing.
            await Task.Delay(TimeSpan.FromSeconds(5));

            var micros = new int[ids.Count];
            var statuses = new ConcurrentDictionary<string, long>();
            var notAdvanced = 0;
            var start = Mark();
            var wall = Stopwatch.StartNew();
            await Parallel.ForAsync(0, ids.Count, new ParallelOptions { MaxDegreeOfParallelism = options.StatusChangeConcurrency }, async (i, _) =>
            {
                var sent = Stopwatch.GetTimestamp();
                var answer = await apis[i % apis.Count].ChangeStatusAsync(authority, ids[i], "yellow", "Load test status change", caseRef);
                micros[i] = (int)Stopwatch.GetElapsedTime(sent).TotalMicroseconds;
                statuses.AddOrUpdate(answer.Status.ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                if (answer.Body is { } b && (b.Current.Version != b.Previous.Version + 1 || b.Current.Colour != "yellow")) Interlocked.Increment(ref notAdvanced);
            });
            var seconds = wall.Elapsed.TotalSeconds;
            var result = new SingleChanges(ids.Count, options.StatusChangeConcurrency, servers.Count, warmUp, seconds, LatencyStats.FromMicroseconds([.. micros]),
                statuses.ToDictionary(), notAdvanced, Since(start));
            Say($"Single changes: {result.ChangesPerSecond:N0}/s, p50 {result.Latency.P50:0.00} ms, p99 {result.Latency.P99:0.00} ms, max {result.Latency.Max:0.0} ms; " +
                $"{string.Join(", ", result.Statuses.Select(kv => $"{kv.Key}: {kv.Value}"))}; CPU {LoadTestRun.Format(result.Cpu.Split)}");
            return result;
        }
        finally
        {
            foreach (var a in apis) a.Dispose();
        }
    }

    /// <summary>
    /// One bulk change through the first server process: drafted by one account, approved by another, then run by the
    /// server that took the approval, which fans it out to the citizens' grains across the cluster. Timed from the
    /// approval to the draft's finish (polled every 100 ms); then PostgreSQL is asked how many have the new status.
    /// </summary>
    private async Task<BulkChange> BulkChangeAsync(CityPassApi api, string drafter, string approver, int[] seedIndexes, IReadOnlyList<CitizenPassState> citizens)
    {
        var ids = seedIndexes.Select(i => citizens[i].Pseudonym.ToString()).ToList();
        var caseRef = await api.OpenCaseAsync(drafter, "Load test: a bulk status change");
        Say($"Bulk change: {ids.Count:N0} citizens to red in one draft (POST /v1/status-drafts), approved by a second account");
        var drafted = await api.DraftStatusAsync(drafter, ids, "red", "Load test bulk change", caseRef);
        if (drafted.Body is not { } draft) throw new InvalidOperationException($"Drafting the bulk change answered {drafted.Status} {drafted.Code}.");
        var start = Mark();
        var wall = Stopwatch.StartNew();
        var approved = await api.ApproveDraftAsync(approver, draft.Id);
        var finished = draft;
        while (approved.Status == 202 && finished.FinishedAt is null && wall.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(100);
            finished = await api.DraftAsync(approver, draft.Id);
        }
        var seconds = wall.Elapsed.TotalSeconds;
        var cpu = Since(start);
        var results = finished.Results ?? new Dictionary<string, int>();
        var changedInStore = await CountInStoreAsync(seedIndexes, StatusColour.Red);
        var servers = _rig.Servers;
        var result = new BulkChange(ids.Count, servers.Count, approved.Status, results.GetValueOrDefault("changed"), results.GetValueOrDefault("not_found"),
            results.Where(kv => kv.Key is not ("changed" or "not_found")).Sum(kv => kv.Value), changedInStore, seconds, drafted.Bytes, cpu);
        Say($"Bulk: approval HTTP {result.Status}, changed {result.Changed:N0}, not found {result.NotFound}, in PostgreSQL {result.ChangedInStore:N0}; " +
            $"{result.WallSeconds:N2} s = {result.CitizensPerSecond:N0} citizens/s; CPU {LoadTestRun.Format(result.Cpu.Split)}");
        return result;
    }

    /// <summary>How many of these seeded citizens (by their external ids, LOAD-0000001...) have the colour in the system of record.</summary>
    private async Task<long> CountInStoreAsync(int[] seedIndexes, StatusColour colour)
    {
        await using var c = new NpgsqlConnection(_rig.Postgres.ConnectionString());
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM citizens WHERE external_id = ANY(@ids) AND status_colour = @colour", c);
        cmd.Parameters.AddWithValue("ids", seedIndexes.Select(Seeder.ExternalId).ToArray());
        cmd.Parameters.AddWithValue("colour", (short)colour);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static string Threads(IReadOnlyDictionary<string, double> cores) =>
        string.Join(", ", ThreadCpu.Kinds.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k} {cores.GetValueOrDefault(k):0.00}")));

    private static void Say(string text) => LoadTestRun.Say(text);
}
