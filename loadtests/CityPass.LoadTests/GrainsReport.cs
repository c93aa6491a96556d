using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.LoadTests;

/// <summary>Writes a grain run's results.json and report.md, and the tables docs/performance.md carries.</summary>
public static class GrainsReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static async Task WriteAsync(GrainsResults run, string directory)
    {
        ArgumentNullException.ThrowIfNull(run);
        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(run, Json));
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), Markdown(run));
    }

    public static async Task<GrainsResults> ReadAsync(string directory) =>
        JsonSerializer.Deserialize<GrainsResults>(await File.ReadAllTextAsync(Path.Combine(directory, "results.json")), Json)
        ?? throw new InvalidOperationException($"No results in {directory}.");

    /// <summary>Whether a run directory holds a grain run's results (results.json says "mode": "grains").</summary>
    public static async Task<bool> IsGrainsRunAsync(string directory)
    {
        var file = Path.Combine(directory, "results.json");
        if (!File.Exists(file)) return false;
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        return doc.RootElement.TryGetProperty("mode", out var mode) && mode.GetString() == GrainsResults.ModeName;
    }

    private static string N(double x) => x.ToString("N0", C);

    private static string Ms(double x) => x.ToString(x >= 100 ? "0" : "0.00", C);

    private static string X(double ratio) => ratio.ToString("0.00", C) + "x";

    private static string Cores(double x) => x.ToString("0.00", C);

    /// <summary>A sum with its parts when there are several: "410 (140 + 130 + 140)".</summary>
    private static string WithParts(double total, IReadOnlyList<double> parts) =>
        parts.Count > 1 ? $"{N(total)} ({string.Join(" + ", parts.Select(N))})" : N(total);

    private static string Threads(IReadOnlyDictionary<string, double> cores) =>
        string.Join(", ", ThreadCpu.Kinds.Select(k => $"{k} {Cores(cores.GetValueOrDefault(k))}"));

    private static string ByKind(CpuCost c) => string.Join(" / ", ThreadCpu.Kinds.Select(k => N(c.ServerByThreadKind.GetValueOrDefault(k))));

    private static string Split(CpuSplit c) =>
        $"{Cores(c.Server)} / {Cores(c.LoadGenerator)} / {Cores(c.Redis)} / {Cores(c.Postgres)} / {Cores(c.Other + c.Runner)} / {Cores(c.Idle)}";

    /// <summary>The headline table: each topology's best level for the pass reads, beside the ping on the same server(s), with the CPU per request.</summary>
    public static string TopologyTable(GrainsResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (one, many) = (run.SingleProcess, run.ClusterProcesses);
        var (pass1, passN) = (run.Best(GrainsResults.PassEndpoint, one), run.Best(GrainsResults.PassEndpoint, many));
        var (ping1, pingN) = (run.Best(GrainsResults.PingEndpoint, one), run.Best(GrainsResults.PingEndpoint, many));
        var (c1, cN) = (pass1.CpuPerRequest, passN.CpuPerRequest);
        var (p1, pN) = (ping1.CpuPerRequest, pingN.CpuPerRequest);
        var sb = new StringBuilder();
        sb.Append(C, $"| | {one} server process (one silo) | {many} server processes (one cluster) | {many} / {one} |\n|---|---:|---:|---:|\n");
        sb.Append(C, $"| `GET /v1/me/pass` req/s (best level: connections) | **{N(pass1.RequestsPerSecond)}** ({pass1.Connections}) | **{N(passN.RequestsPerSecond)}** ({passN.Connections}) | **{X(run.PassRatio)}** |\n");
        sb.Append(C, $"| pass p50 / p99 ms | {Ms(pass1.Latency.P50)} / {Ms(pass1.Latency.P99)} | {Ms(passN.Latency.P50)} / {Ms(passN.Latency.P99)} | p99 {X(passN.Latency.P99 / pass1.Latency.P99)} |\n");
        sb.Append(C, $"| `GET /v1/ping` req/s, same server(s), same run (connections) | {N(ping1.RequestsPerSecond)} ({ping1.Connections}) | {N(pingN.RequestsPerSecond)} ({pingN.Connections}) | {X(run.PingRatio)} |\n");
        sb.Append(C, $"| ping p50 / p99 ms | {Ms(ping1.Latency.P50)} / {Ms(ping1.Latency.P99)} | {Ms(pingN.Latency.P50)} / {Ms(pingN.Latency.P99)} | |\n");
        sb.Append(C, $"| pass / ping | {X(pass1.RequestsPerSecond / ping1.RequestsPerSecond)} | {X(passN.RequestsPerSecond / pingN.RequestsPerSecond)} | |\n");
        sb.Append(C, $"| server CPU µs per pass read (per process) | {WithParts(c1.Server, c1.ByServerProcess)} | {WithParts(cN.Server, cN.ByServerProcess)} | {X(cN.Server / c1.Server)} |\n");
        sb.Append(C, $"| wrk CPU µs per pass read | {N(c1.LoadGenerator)} | {N(cN.LoadGenerator)} | |\n");
        sb.Append(C, $"| redis-server / PostgreSQL CPU µs per pass read | {N(c1.Redis)} / {N(c1.Postgres)} | {N(cN.Redis)} / {N(cN.Postgres)} | |\n");
        sb.Append(C, $"| server CPU µs per ping (per process) | {WithParts(p1.Server, p1.ByServerProcess)} | {WithParts(pN.Server, pN.ByServerProcess)} | {X(pN.Server / p1.Server)} |\n");
        sb.Append(C, $"| server CPU µs per pass read by kind of thread: {string.Join(" / ", ThreadCpu.Kinds)} | {ByKind(c1)} | {ByKind(cN)} | |\n");
        sb.Append(C, $"| cores during the pass reads: server / wrk / redis / pg / other / idle | {Split(pass1.Cpu.Split)} | {Split(passN.Cpu.Split)} | |\n");
        return sb.ToString();
    }

    /// <summary>Why the cluster of processes on one machine answers what it does, from the CPU split measured in the run.</summary>
    public static string Explanation(GrainsResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (one, many) = (run.SingleProcess, run.ClusterProcesses);
        var (pass1, passN) = (run.Best(GrainsResults.PassEndpoint, one), run.Best(GrainsResults.PassEndpoint, many));
        var (ping1, pingN) = (run.Best(GrainsResults.PingEndpoint, one), run.Best(GrainsResults.PingEndpoint, many));
        var (c1, cN, p1, pN) = (pass1.CpuPerRequest, passN.CpuPerRequest, ping1.CpuPerRequest, pingN.CpuPerRequest);
        var (rest1, restN) = (run.Topologies.Single(t => t.ServerProcesses == one).AtRest, run.Topologies.Single(t => t.ServerProcesses == many).AtRest);
        var restSeconds = run.Topologies.Min(t => t.RestSeconds);
        var cores = pass1.Cpu.Split.Cores;
        static double Ours(CpuCost c) => c.Server + c.LoadGenerator + c.Runner + c.Redis + c.Postgres;
        // What the processes did with no request, spread over a step's requests: the share of a request's CPU that is background.
        static double Background(double cores, double perSecond) => cores * 1_000_000 / perSecond;
        var sb = new StringBuilder();

        sb.Append(C, $"{many} server processes answered **{X(run.PassRatio)}** the pass reads of one ({N(passN.RequestsPerSecond)}/s against {N(pass1.RequestsPerSecond)}/s at their best levels) ");
        sb.Append(C, $"and {X(run.PingRatio)} the pings. The replicas bring no cores: the machine has {cores}, shared by the server processes, wrk, redis-server and PostgreSQL. ");
        var (idle1, idleN) = (pass1.Cpu.Split.Idle, passN.Cpu.Split.Idle);
        if (idle1 < 0.15 * cores && idleN < 0.15 * cores)
        {
            sb.Append(C, $"They were all but saturated in both (idle {Cores(idle1)} and {Cores(idleN)} cores), so the throughput is the cores divided by the CPU a read costs, ");
            sb.Append(C, $"and that went from {N(Ours(c1))} to {N(Ours(cN))} µs ({X(Ours(cN) / Ours(c1))}, the inverse of {X(run.PassRatio)} being {X(1 / run.PassRatio)}): ");
        }
        else
        {
            sb.Append(C, $"They were not saturated (idle {Cores(idle1)} and {Cores(idleN)} cores): at these connection counts the closed loop waited on latency as much as on CPU. ");
            sb.Append(C, $"The CPU a read cost went from {N(Ours(c1))} to {N(Ours(cN))} µs ({X(Ours(cN) / Ours(c1))}): ");
        }
        sb.Append(C, $"server processes {N(c1.Server)} → {N(cN.Server)} µs, wrk {N(c1.LoadGenerator)} → {N(cN.LoadGenerator)}, redis-server {N(c1.Redis)} → {N(cN.Redis)}, PostgreSQL {N(c1.Postgres)} → {N(cN.Postgres)}.\n\n");

        var (bg1, bgN) = (Background(rest1.Split.Server, pass1.RequestsPerSecond), Background(restN.Split.Server, passN.RequestsPerSecond));
        var (stores1, storesN) = (rest1.Split.Redis + rest1.Split.Postgres, restN.Split.Redis + restN.Split.Postgres);
        sb.Append("Part of it is work the processes do whether or not they are asked anything. With no request ");
        sb.Append(C, $"(over {restSeconds:N0} s after each warm-up{(restSeconds >= 60 ? ": a pass of each process's hot-copy reconciler, which pushes every citizen to Redis once a minute, plus membership probes and timers" : "")}) ");
        sb.Append(C, $"one process took {Cores(rest1.Split.Server)} cores and {many} took {Cores(restN.Split.Server)} ({string.Join(" + ", restN.ServerCores.Select(Cores))}), ");
        sb.Append(C, $"and redis-server and PostgreSQL {Cores(stores1)} and {Cores(storesN)} cores. Spread over the reads, that is about {N(bg1 + (stores1 * 1_000_000 / pass1.RequestsPerSecond))} µs of a read's CPU ");
        sb.Append(C, $"with one process and {N(bgN + (storesN * 1_000_000 / passN.RequestsPerSecond))} µs with {many}, {N(bg1)} and {N(bgN)} µs of it in the server processes.\n\n");

        var (own1, ownN) = (c1.Server - bg1, cN.Server - bgN);
        var (ownPing1, ownPingN) = (p1.Server - Background(rest1.Split.Server, ping1.RequestsPerSecond), pN.Server - Background(restN.Split.Server, pingN.RequestsPerSecond));
        sb.Append(C, $"The rest is the read's own path, {N(own1)} µs of server CPU with one process and {N(ownN)} µs with {many} ({X(ownN / Math.Max(own1, 1e-9))}). ");
        // Which way each moved decides the sentence: the run's figures, not an expectation, say what changed.
        var pingChange = ownPingN / Math.Max(ownPing1, 1e-9);
        if (pingChange > 1.1) sb.Append(C, $"Plain HTTP cost more in {many} processes ({N(ownPing1)} → {N(ownPingN)} µs a ping): that much is {many} runtimes taking turns on the same cores (their thread pools, timers and collectors). ");
        else if (pingChange < 0.9) sb.Append(C, $"Plain HTTP cost less in {many} processes ({N(ownPing1)} → {N(ownPingN)} µs a ping). ");
        else sb.Append(C, $"Plain HTTP cost about the same in {many} processes ({N(ownPing1)} → {N(ownPingN)} µs a ping), so running {many} runtimes on the same cores is not what costs. ");
        var (beyond1, beyondN) = (own1 - ownPing1, ownN - ownPingN);
        sb.Append(C, $"Beyond a ping's, a read's own path (the citizen's token, the grain call, the pass as JSON) went from {N(beyond1)} to {N(beyondN)} µs ({X(beyondN / Math.Max(beyond1, 1e-9))})");
        if (beyondN > beyond1 * 1.1)
        {
            sb.Append(": the grain call is what got dearer. With several silos a read that arrives at a process whose silo does not hold the citizen's grain becomes ");
            sb.Append("a message to the silo that does (serialised, sent over loopback TCP, scheduled there, and answered the same way), which one silo does in process; ");
            sb.Append("two processes' thread pools work on such a read. ");
        }
        else sb.Append(": the grain call cost about what it costs in one silo. ");
        string Kind(string kind) => $"{kind} {N(c1.ServerByThreadKind.GetValueOrDefault(kind))} → {N(cN.ServerByThreadKind.GetValueOrDefault(kind))}";
        sb.Append(C, $"By the kind of thread that spent it, a read's server CPU (background included) went: {string.Join(", ", ThreadCpu.Kinds.Select(Kind))} µs.\n\n");
        sb.Append("On one machine more silos add work and no cores; they pay off with a machine (its cores and memory) per silo, and for availability (a replica can die without its citizens' grains being lost).\n");
        return sb.ToString();
    }

    /// <summary>What the CPU split says about the status changes' figures: the JIT still compiling, when it was.</summary>
    public static string ChangesNote(GrainsResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (s, b) = (run.Singles.Cpu, run.Bulk.Cpu);
        var (jitS, jitB) = (s.ServerThreads.GetValueOrDefault(ThreadCpu.Jit), b.ServerThreads.GetValueOrDefault(ThreadCpu.Jit));
        var sb = new StringBuilder();
        sb.Append(C, $"Server CPU per citizen, by the kind of thread that spent it ({string.Join(" / ", ThreadCpu.Kinds)}): single changes {ByKind(run.Singles.CpuPerChange)} µs; ");
        sb.Append(C, $"bulk {ByKind(run.Bulk.CpuPerCitizen)} µs. ");
        if (jitS > 0.1 * s.Split.Server)
        {
            sb.Append(C, $"The JIT was still compiling during the single changes ({Cores(jitS)} of the server processes' {Cores(s.Split.Server)} cores, the change path's methods reaching ");
            sb.Append(C, $"their optimised tier in each process despite the warm-up), so their latency and CPU carry some of it; during the bulk change it took {Cores(jitB)} cores.\n");
        }
        else sb.Append(C, $"The JIT had settled (it took {Cores(jitS)} and {Cores(jitB)} cores).\n");
        return sb.ToString();
    }

    /// <summary>The status changes: single changes' latency, and the bulk change's wall time and throughput.</summary>
    public static string ChangesTable(GrainsResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (s, b) = (run.Singles, run.Bulk);
        var (sc, bc) = (s.CpuPerChange, b.CpuPerCitizen);
        var sb = new StringBuilder();
        sb.Append("| status changes | server processes | citizens | at once | wall s | citizens/s | p50 ms | p90 ms | p99 ms | max ms | server CPU µs per citizen | PostgreSQL / redis µs per citizen |\n");
        sb.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        sb.Append(C, $"| single `PUT /v1/citizens/{{id}}/status`, each a different citizen | {s.ServerProcesses} | {N(s.Changes)} | {s.Concurrency} | {s.WallSeconds:0.0} | {N(s.ChangesPerSecond)} | ");
        sb.Append(C, $"**{Ms(s.Latency.P50)}** | {Ms(s.Latency.P90)} | **{Ms(s.Latency.P99)}** | {Ms(s.Latency.Max)} | {WithParts(sc.Server, sc.ByServerProcess)} | {N(sc.Postgres)} / {N(sc.Redis)} |\n");
        sb.Append(C, $"| one approved draft (`POST /v1/status-drafts`, then `/approve`; results: changed {N(b.Changed)}, not found {b.NotFound}) | {b.ServerProcesses} | {N(b.Citizens)} | {StatusServiceBulkConcurrency} in the server | **{b.WallSeconds:0.00}** | **{N(b.CitizensPerSecond)}** | | | | | ");
        sb.Append(C, $"{WithParts(bc.Server, bc.ByServerProcess)} | {N(bc.Postgres)} / {N(bc.Redis)} |\n");
        return sb.ToString();
    }

    /// <summary>The server fans a bulk change out to this many grains at a time.</summary>
    private static int StatusServiceBulkConcurrency => CityPass.Server.Authority.StatusDraftRunner.Concurrency;

    public static string ChecksTable(GrainsResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sb = new StringBuilder("| check | measured | met |\n|---|---|---|\n");
        foreach (var t in run.Checks) sb.Append(C, $"| {t.Target} | {t.Measured} | {(t.Met ? "yes" : "**no**")} |\n");
        return sb.ToString();
    }

    public static string Markdown(GrainsResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var m = run.Machine;
        var (one, many) = (run.SingleProcess, run.ClusterProcesses);
        var sb = new StringBuilder();
        sb.Append(C, $"# Citizen grains under load: {run.StartedAt:yyyy-MM-dd HH:mm} UTC\n\n");
        sb.Append(C, $"Command: `{run.Command}` ({run.TotalMinutes:N1} min end to end). ");
        sb.Append(C, $"Machine: {m.Cores} cores ({m.CpuModel}), {m.Kernel}, .NET {m.DotnetVersion}; {m.Wrk}; {m.Redis}; {m.Postgres}. ");
        sb.Append("Everything on this machine and on loopback: the server processes, wrk, redis-server and PostgreSQL share the cores, so the ");
        sb.Append("figures that count are the ratios measured in the same run.\n\n");

        sb.Append("## Checks\n\n").Append(ChecksTable(run)).Append('\n');

        sb.Append(C, $"## 1. Pass reads: one silo, then {many} as one cluster\n\n");
        sb.Append(C, $"`GET /v1/me/pass`, closed loop, each request with the bearer token of one of {N(run.SignedInPerTopology)} signed-in citizens picked at random ");
        sb.Append("(`wrk/pass.lua`): each read goes to that citizen's grain, wherever the cluster placed it. First on one server process (one silo), then ");
        sb.Append(C, $"with {many - one} replicas started beside it on the same stores (the same `Orleans:ClusterId`, each its own HTTP and silo port), their silos ");
        sb.Append(C, $"active in the membership table in Redis, driven by {many} wrk processes at once (one per process, the connections split between them) and summed. ");
        sb.Append("Each topology reads its own set of citizens, so each starts with cold grains that its warm-up activates. `GET /v1/ping` on the same server(s), ");
        sb.Append("interleaved with the reads at each level, is the HTTP baseline. Each level was measured in rounds; the better round of each endpoint, topology and level is kept ");
        sb.Append("(every round is in results.json, `steps`). Latency is wrk's (timed from the send), merged over the wrk processes from each one's latency at 1,000 equal shares of its requests.\n\n");
        sb.Append(TopologyTable(run)).Append('\n');
        sb.Append(Explanation(run)).Append('\n');

        sb.Append("Every level (the kept round):\n\n");
        sb.Append("| server processes | connections | endpoint | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | server CPU µs/req (per process) | ");
        sb.Append(C, $"server µs/req by thread: {string.Join(" / ", ThreadCpu.Kinds)} | wrk µs/req | redis / pg µs/req | cores: server / wrk / redis / pg / other / idle |\n");
        sb.Append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var s in run.Kept)
        {
            var c = s.CpuPerRequest;
            sb.Append(C, $"| {s.ServerProcesses} | {s.Connections} | `{s.Endpoint}` | {N(s.RequestsPerSecond)} | {Ms(s.Latency.P50)} | {Ms(s.Latency.P90)} | {Ms(s.Latency.P99)} | {Ms(s.Latency.Max)} | ");
            sb.Append(C, $"{s.Non2xx} | {WithParts(c.Server, c.ByServerProcess)} | {ByKind(c)} | {N(c.LoadGenerator)} | {N(c.Redis)} / {N(c.Postgres)} | {Split(s.Cpu.Split)} |\n");
        }
        sb.Append("\nThe machine at rest with the processes up (no request), right after each topology's warm-up:\n\n");
        sb.Append("| server processes | silos in the membership table (port, status) | seconds | server cores (per process) | ");
        sb.Append(C, $"server cores by thread: {string.Join(" / ", ThreadCpu.Kinds)} | redis cores | pg cores | other cores | idle cores |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var t in run.Topologies)
        {
            var rest = t.AtRest.Split;
            sb.Append(C, $"| {t.ServerProcesses} | {string.Join(", ", t.Membership.Select(r => $"{r.Port} {r.Status}"))} | {t.RestSeconds:N0} | {Cores(rest.Server)} ({string.Join(" + ", t.AtRest.ServerCores.Select(Cores))}) | ");
            sb.Append(C, $"{string.Join(" / ", ThreadCpu.Kinds.Select(k => Cores(t.AtRest.ServerThreads.GetValueOrDefault(k))))} | {Cores(rest.Redis)} | {Cores(rest.Postgres)} | {Cores(rest.Other + rest.Runner)} | {Cores(rest.Idle)} |\n");
        }

        sb.Append(C, $"\n## 2. Status changes through the grains ({run.Singles.ServerProcesses} server processes, one cluster)\n\n");
        sb.Append(C, $"Single changes: `PUT /v1/citizens/{{id}}/status` as the health authority (to yellow, with a reason and a case reference), each a different citizen ");
        sb.Append(C, $"whose grain was not active (so each timing holds the grain's activation, the version-guarded write and its audit entry in PostgreSQL, the hot copy in Redis ");
        sb.Append(C, $"and the new pass), {run.Singles.Concurrency} in flight at once, round robin over the server processes, each timed by the runner from its send to its answer. ");
        sb.Append(C, $"First {run.Singles.WarmUpChanges} changes of citizens whose grains were active went through every process untimed, to warm the path, and the runner waited 5 s. ");
        sb.Append(C, $"Then one bulk change of {N(run.Bulk.Citizens)} other citizens to red as one draft (`POST /v1/status-drafts`) approved by a second account at the first process, whose draft runner fans it out ");
        sb.Append(C, $"to their grains across the cluster ({StatusServiceBulkConcurrency} at a time), timed from the approval to the draft's finish, polled every 100 ms (the draft itself: {N(run.Bulk.ResponseBytes / 1024.0)} KB); ");
        sb.Append("PostgreSQL was then asked how many of them are red.\n\n");
        sb.Append(ChangesTable(run)).Append('\n');
        sb.Append(ChangesNote(run)).Append('\n');
        sb.Append(C, $"Statuses of the single changes: {string.Join(", ", run.Singles.Statuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {N(kv.Value)}"))}. ");
        var (sc, bc) = (run.Singles.Cpu.Split, run.Bulk.Cpu.Split);
        sb.Append(C, $"Cores during the single changes (server / runner / redis / pg / other / idle): {Cores(sc.Server)} / {Cores(sc.Runner)} / {Cores(sc.Redis)} / {Cores(sc.Postgres)} / {Cores(sc.Other)} / {Cores(sc.Idle)}, ");
        sb.Append(C, $"the server's by kind of thread {Threads(run.Singles.Cpu.ServerThreads)}; ");
        sb.Append(C, $"during the bulk change: {Cores(bc.Server)} / {Cores(bc.Runner)} / {Cores(bc.Redis)} / {Cores(bc.Postgres)} / {Cores(bc.Other)} / {Cores(bc.Idle)}, the server's by kind of thread {Threads(run.Bulk.Cpu.ServerThreads)}.\n\n");

        sb.Append("## Setup\n\n");
        sb.Append(C, $"- Seeded through the API: {N(run.Seed.Citizens)} citizens by CSV import in {run.Seed.CitizensSeconds:N1} s (no venues or gates: no grain path uses them).\n");
        sb.Append(C, $"- Signed in through the OTP flow (codes read from the runner's SMS inbox): {N(2 * run.SignedInPerTopology)} citizens, a set for each topology, in {run.SignInSeconds:N1} s.\n");
        sb.Append("- Server configuration changed from the defaults (every process): ");
        sb.Append(string.Join(", ", run.ServerOverrides.Select(kv => $"`{kv.Key}={kv.Value}`"))).Append(". Each process also has its own free HTTP and silo port (`Orleans__SiloPort`).\n");
        sb.Append("- wrk: 2 threads against one process; against several, one wrk process of 1 thread each, started at once and run for the same time.\n");
        sb.Append("- Redis: append-only file, fsync every second. PostgreSQL: default durability (fsync, synchronous commit on).\n");
        if (run.Notes.Count > 0)
        {
            sb.Append("\n## Notes\n\n");
            foreach (var n in run.Notes) sb.Append("- ").Append(n).Append('\n');
        }

        sb.Append("\n## Every round\n\n| step | req/s | p50 ms | p99 ms | per wrk process: server port, connections, req/s, p99 ms | non-2xx | errors |\n|---|---:|---:|---:|---|---:|---:|\n");
        foreach (var s in run.Steps)
        {
            sb.Append(C, $"| {s.Id} | {N(s.RequestsPerSecond)} | {Ms(s.Latency.P50)} | {Ms(s.Latency.P99)} | ");
            sb.Append(string.Join("; ", s.Shares.Select(w => string.Create(C, $"{w.ServerPort}, {w.Connections}, {N(w.RequestsPerSecond)}, {Ms(w.WrkLatency.P99)}"))));
            sb.Append(C, $" | {s.Non2xx} | {s.SocketErrors} |\n");
        }
        return sb.ToString();
    }
}
