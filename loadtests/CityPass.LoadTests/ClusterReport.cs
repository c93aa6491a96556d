using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.LoadTests;

/// <summary>Writes a cluster run's results.json, report.md, chart.svg (the drills' time line) and scaling.svg.</summary>
public static class ClusterReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static async Task WriteAsync(ClusterResults run, string directory)
    {
        ArgumentNullException.ThrowIfNull(run);
        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(run, Json));
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), Markdown(run));
        await File.WriteAllTextAsync(Path.Combine(directory, "chart.svg"), FaultsChart.Render(
            $"CityPass cluster under load - {run.StartedAt:yyyy-MM-dd HH:mm} UTC: scans at {run.Rate:N0}/s through haproxy while servers, Redis and PostgreSQL fail",
            run.Seconds, run.LoadSeconds, run.Health, run.Events));
        await File.WriteAllTextAsync(Path.Combine(directory, "scaling.svg"), ScalingChart.Render(run));
    }

    public static async Task<ClusterResults> ReadAsync(string directory) =>
        JsonSerializer.Deserialize<ClusterResults>(await File.ReadAllTextAsync(Path.Combine(directory, "results.json")), Json)
        ?? throw new InvalidOperationException($"No results in {directory}.");

    /// <summary>Whether a run directory holds a cluster run's results (results.json says "mode": "cluster").</summary>
    public static async Task<bool> IsClusterRunAsync(string directory)
    {
        var file = Path.Combine(directory, "results.json");
        if (!File.Exists(file)) return false;
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        return doc.RootElement.TryGetProperty("mode", out var mode) && mode.GetString() == ClusterResults.ModeName;
    }

    private static string N(double x) => x.ToString("N0", C);

    private static string Ms(double x) => x.ToString(x >= 100 ? "0" : "0.00", C);

    private static string S(double x) => x.ToString("0.0", C);

    private static string S3(double? x) => x is { } v ? v.ToString("0.000", C) : "–";

    private static string Table(IReadOnlyList<TargetCheck> checks, string met = "met")
    {
        var sb = new StringBuilder($"| | measured | {met} |\n|---|---|---|\n");
        foreach (var t in checks) sb.Append(C, $"| {t.Target} | {t.Measured} | {(t.Met ? "yes" : "**no**")} |\n");
        return sb.ToString();
    }

    public static string Markdown(ClusterResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var m = run.Machine;
        var sb = new StringBuilder();
        sb.Append(C, $"# A cluster behind a load balancer (issue 13): {run.StartedAt:yyyy-MM-dd HH:mm} UTC\n\n");
        if (run.Quick) sb.Append("**A `--quick` try-out: small data and short phases. It measures nothing; read a full run's report for figures.**\n\n");
        sb.Append(C, $"Command: `{run.Command}` ({run.TotalMinutes:N1} min end to end). Server built from `{run.Commit}`");
        sb.Append(run.UncommittedSource.Count == 0 ? " (src/ clean). " : $" with uncommitted changes in src/ at the time ({string.Join(", ", run.UncommittedSource.Select(f => $"`{f}`"))}). ");
        sb.Append(C, $"Machine: **{m.Cores} cores** ({m.CpuModel}), {m.Kernel}, .NET {m.DotnetVersion}; {m.Wrk}; {m.Redis}; {m.Postgres}. ");
        sb.Append(C, $"Load average when the run started: {run.LoadAverageBefore}.\n\n");
        sb.Append("`scripts/cluster.sh` (a copy taken when the run started, so edits in the working tree could not reach a drill half way) ran the cluster in the run's own directory, on ports nothing else used: ");
        sb.Append(C, $"{run.Scaling.Select(s => s.Servers).DefaultIfEmpty(3).Max()} server processes (the Release build, Production) forming one Orleans cluster behind haproxy (round robin, ");
        sb.Append("`/health/ready` checked every second, two failures out, two successes in), Redis as a primary and two replicas under three sentinels ");
        sb.Append("(append-only file, fsync every second; a primary is declared down after 5 s), and PostgreSQL. Every request of the run went through haproxy. ");
        sb.Append("All of it, wrk and the runner share the two cores.\n\n");

        sb.Append("## Checks (the exit code)\n\n").Append(Table(run.Checks)).Append('\n');
        sb.Append("## Expected behaviour\n\n").Append(Table(run.Expectations, "as expected")).Append('\n');

        Scaling(sb, run);
        Drills(sb, run);

        sb.Append("## Setup\n\n");
        sb.Append(C, $"- Seeded through the balancer (staff API): {N(run.Seed.Citizens)} citizens by CSV import ({S(run.Seed.CitizensSeconds)} s), {N(run.Seed.Venues)} venues ({S(run.Seed.VenuesSeconds)} s), ");
        sb.Append(C, $"{N(run.Seed.Gates)} gates with credentials ({S(run.Seed.GatesSeconds)} s), the scan run's mix of venue policies. Passes minted by the runner with the key set it gave the servers.\n");
        sb.Append("- Server configuration changed from the defaults (cluster.sh adds each server's ports, the stores' addresses and `Demo__Seed=false` on servers 2..): ")
            .Append(string.Join(", ", run.ServerOverrides.Select(kv => $"`{kv.Key}={kv.Value}`"))).Append(". The runner's key set and server secret go inline (`Keys__KeySetJson`, `Keys__ServerSecret`), its SMS inbox as `Sms__Gateway__*`.\n");
        sb.Append(C, $"- wrk: 2 threads; the fault load one run at a fixed rate (`wrk/lib.lua`'s pacer, a schedule more than {run.MaxLagMs} ms behind skips the slots it missed), ended with SIGINT. Statuses: ");
        sb.Append(string.Join(", ", run.WrkStatuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {N(kv.Value)}")));
        sb.Append("; errors: ").Append(string.Join(", ", run.WrkErrors.Select(kv => $"{kv.Key} {N(kv.Value)}"))).Append(".\n");
        if (run.Notes.Count > 0)
        {
            sb.Append("\n## Notes\n\n");
            foreach (var n in run.Notes) sb.Append("- ").Append(n).Append('\n');
        }
        if (run.ServerLog.Count > 0)
        {
            sb.Append("\n## What the servers logged (warnings and above)\n\nEach message once, in order, with how many times; `server-I.log` holds every start of server I. Seconds from the start of the fault load (negative: before it).\n\n");
            sb.Append("| first at s | log | level | category | message | times |\n|---:|---|---|---|---|---:|\n");
            foreach (var l in run.ServerLog)
            {
                sb.Append(C, $"| {(l.FirstAtSeconds is { } at ? S(at) : "–")} | {l.Log} | {l.Level} | {l.Category} | {l.Message.Replace("|", "\\|", StringComparison.Ordinal)} | {l.Count} |\n");
            }
        }
        return sb.ToString();
    }

    private static void Scaling(StringBuilder sb, ClusterResults run)
    {
        var sizes = run.Scaling.Select(s => s.Servers).Distinct().Order().ToList();
        sb.Append("## Scaling: one, two, three servers through the balancer\n\n");
        sb.Append("Closed loop through haproxy, servers 2 and 3 stopped with `cluster.sh stop` and then started one by one (`cluster.sh start`), a warm-up through the balancer ");
        var loaded = run.Scaling.Where(s => s.Endpoint != ScalingStep.AtRest).ToList();
        sb.Append("after each start, then a wait (no request) until the servers had settled (a server just started spends most of a core on its own for a while: its reconciler's first pass over every citizen, tiered JIT), ");
        sb.Append(C, $"then the CPU at rest; at each size `GET /v1/ping` (the baseline: haproxy and a server's HTTP stack, nothing else) and scans, at {string.Join(" and ", loaded.Select(s => s.Connections).Distinct())} connections, ");
        sb.Append(C, $"{S(loaded.Count > 0 ? loaded[0].Seconds : 0)} s each; the better level counts. CPU from /proc over each step, in µs of CPU time per request.\n\n");
        sb.Append("![scaling](scaling.svg)\n\n");
        // "other" is CPU of processes that are not the cluster's, wrk's or the runner's: the shared machine's other work.
        var busy = run.Scaling.Where(s => s.Cpu.Other > 0.1).ToList();
        if (busy.Count > 0)
        {
            sb.Append(C, $"**The machine was not quiet throughout**: processes outside the run (another engineer's builds and tests) took up to {busy.Max(s => s.Cpu.Other):0.00} cores ");
            sb.Append(C, $"in {busy.Count} of {run.Scaling.Count} steps (with {string.Join(", ", busy.Select(s => s.Servers).Distinct().Order())} server(s); column *other* below). ");
            sb.Append("Those steps' rates are lower than a quiet machine's; the CPU per scan of each process kind is affected less, as it is measured per process.\n\n");
        }
        sb.Append("| servers | ping/s | scans/s | scans / ping | scans p50 / p99 ms | connections | servers µs/scan (each) | redis primary | replicas | sentinels | postgres | haproxy | wrk | other | all but wrk | idle cores |\n");
        sb.Append("|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var n in sizes)
        {
            var ping = run.Best(n, "GET /v1/ping");
            var scans = run.Best(n, "POST /v1/scans");
            if (scans is null) continue;
            var c = scans.Cpu;
            double Us(double cores) => scans.MicrosPerRequest(cores);
            sb.Append(C, $"| {n} | {(ping is null ? "–" : N(ping.RequestsPerSecond))} | **{N(scans.RequestsPerSecond)}** | {(ping is null ? "–" : (scans.RequestsPerSecond / ping.RequestsPerSecond).ToString("0.00", C))} | ");
            sb.Append(C, $"{Ms(scans.Latency.P50)} / {Ms(scans.Latency.P99)} | {scans.Connections} | **{Us(c.ServersTotal):N0}** ({string.Join(" + ", c.Servers.Select(s => Us(s).ToString("N0", C)))}) | ");
            sb.Append(C, $"{Us(c.RedisPrimary):N0} | {Us(c.RedisReplicas):N0} | {Us(c.Sentinels):N0} | {Us(c.Postgres):N0} | {Us(c.Haproxy):N0} | {Us(c.Wrk):N0} | {Us(c.Other + c.Runner):N0} | ");
            sb.Append(C, $"**{Us(c.Busy - c.Wrk):N0}** | {c.Idle:0.00} |\n");
        }
        sb.Append("\nPing, CPU per request at its best level (the same columns, for the baseline):\n\n| servers | ping/s | servers µs/ping | haproxy | wrk | other | idle cores |\n|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var n in sizes)
        {
            if (run.Best(n, "GET /v1/ping") is not { } p) continue;
            sb.Append(C, $"| {n} | {N(p.RequestsPerSecond)} | {p.MicrosPerRequest(p.Cpu.ServersTotal):N0} | {p.MicrosPerRequest(p.Cpu.Haproxy):N0} | {p.MicrosPerRequest(p.Cpu.Wrk):N0} | ");
            sb.Append(C, $"{p.MicrosPerRequest(p.Cpu.Other + p.Cpu.Runner + p.Cpu.RedisPrimary + p.Cpu.RedisReplicas + p.Cpu.Sentinels + p.Cpu.Postgres):N0} | {p.Cpu.Idle:0.00} |\n");
        }

        var rest = run.Scaling.Where(s => s.Endpoint == ScalingStep.AtRest).ToList();
        if (rest.Count > 0)
        {
            sb.Append("\nAt rest (no request at all, after each size's warm-up, the archive drained), in cores: the background that the loaded steps' CPU per request includes.\n\n");
            sb.Append("| servers | s | servers (each) | redis primary | replicas | sentinels | postgres | haproxy | other |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
            foreach (var r in rest)
            {
                var c = r.Cpu;
                sb.Append(C, $"| {r.Servers} | {S(r.Seconds)} | {c.ServersTotal:0.000} ({string.Join(" + ", c.Servers.Select(x => x.ToString("0.000", C)))}) | {c.RedisPrimary:0.000} | {c.RedisReplicas:0.000} | {c.Sentinels:0.000} | {c.Postgres:0.000} | {c.Haproxy:0.000} | {c.Other + c.Runner:0.000} |\n");
            }
        }

        // What the figures say beyond this machine: argued from CPU per scan, since the throughput curve is two cores' curve.
        if (run.Best(1, "POST /v1/scans") is { } one && run.Best(sizes.Max(), "POST /v1/scans") is { } all)
        {
            var serverOne = one.MicrosPerRequest(one.Cpu.ServersTotal);
            var serverAll = all.MicrosPerRequest(all.Cpu.ServersTotal);
            var redisUs = all.MicrosPerRequest(all.Cpu.RedisPrimary);
            var haproxyUs = all.MicrosPerRequest(all.Cpu.Haproxy);
            var pgUs = all.MicrosPerRequest(all.Cpu.Postgres);
            sb.Append("\n**Reading it.** The machine has two cores, shared by every server, haproxy, Redis, the sentinels, PostgreSQL, wrk and the runner: ");
            sb.Append("adding a server process adds no core, so the rate with two or three servers says how the same two cores fare with more processes on them, ");
            sb.Append("not how the system scales. What carries over to a machine (or cluster) with more cores is the CPU each scan costs each kind of process:\n\n");
            sb.Append(C, $"- The servers together spent {serverOne:N0} µs per scan with one server and {serverAll:N0} µs with {sizes.Max()} ({(serverAll / serverOne - 1) * 100:+0;-0} %): ");
            var restOne = rest.FirstOrDefault(r => r.Servers == 1)?.Cpu.ServersTotal ?? 0;
            var restAll = rest.FirstOrDefault(r => r.Servers == sizes.Max())?.Cpu.ServersTotal ?? 0;
            sb.Append(C, $"at rest they spent {restOne:0.000} and {restAll:0.000} cores, so the background accounts for {one.MicrosPerRequest(restOne):N0} and {all.MicrosPerRequest(restAll):N0} µs of those. ");
            sb.Append("The rest of the difference is what more processes on the same two cores cost each request (context switches, each process's thread pool spinning for work, cold caches), and grain calls that cross silos. ");
            sb.Append(C, $"A server process given a core of its own would carry about {1e6 / serverAll:N0} scans/s at the {sizes.Max()}-server cost ({1e6 / serverOne:N0} at the one-server cost); servers scale out by adding such cores, as nothing is shared between them on the scan path but Redis.\n");
            sb.Append(C, $"- The Redis primary spent {redisUs:N0} µs per scan: one primary core would be saturated near {(redisUs > 0 ? 1e6 / redisUs : 0):N0} scans/s, whatever the number of servers: the shared piece, and the first ceiling of a larger deployment (Redis Cluster shards scans by venue: docs/hot-path.md).\n");
            sb.Append(C, $"- haproxy {haproxyUs:N0} µs and PostgreSQL (the archiver's inserts) {pgUs:N0} µs per scan; the replicas {all.MicrosPerRequest(all.Cpu.RedisReplicas):N0} µs and the sentinels {all.MicrosPerRequest(all.Cpu.Sentinels):N0} µs.\n");
            sb.Append("- These are figures of a machine whose cores were all busy: on idle cores a process spends less per request (less contention, fewer context switches), so they are an upper bound for sizing.\n\n");
        }
        sb.Append("Every step:\n\n| servers | endpoint | connections | s | req/s | p50 / p99 ms | non-2xx | socket errors | CPU cores: servers (each), redis primary, replicas, sentinels, postgres, haproxy, wrk, other, idle |\n");
        sb.Append("|---:|---|---:|---:|---:|---|---:|---:|---|\n");
        foreach (var s in run.Scaling)
        {
            var c = s.Cpu;
            sb.Append(C, $"| {s.Servers} | {s.Endpoint} | {s.Connections} | {S(s.Seconds)} | {N(s.RequestsPerSecond)} | {Ms(s.Latency.P50)} / {Ms(s.Latency.P99)} | {N(s.Non2xx)} | {N(s.SocketErrors)} | ");
            sb.Append(C, $"{c.ServersTotal:0.00} ({string.Join(" + ", c.Servers.Select(x => x.ToString("0.00", C)))}), {c.RedisPrimary:0.00}, {c.RedisReplicas:0.00}, {c.Sentinels:0.00}, {c.Postgres:0.00}, {c.Haproxy:0.00}, {c.Wrk:0.00}, {c.Other + c.Runner:0.00}, {c.Idle:0.00} |\n");
        }
        sb.Append('\n');
    }

    private static void Drills(StringBuilder sb, ClusterResults run)
    {
        sb.Append("## Failures under load\n\n");
        sb.Append(C, $"Load: scans at **{N(run.Rate)}/s** ({run.RatePercent}% of the {N(run.MaxScansPerSecond)}/s measured with all servers), {run.Connections} connections through haproxy, ");
        sb.Append(C, $"for {S(run.LoadSeconds)} s in one wrk run: {N(run.WrkRequests)} requests. Each scan is a new scan id at a random gate with a random pass (no retries: each id is sent once, ");
        sb.Append("so a refused one can be looked for in the archive). Beside it the runner's own gate sends a scan through the balancer every 100 ms, timed and named one by one (the *probe*), ");
        sb.Append("asks the balancer's and every server's `GET /health/ready` once a second, and reads haproxy's state of each server twice a second. The drills, one after another, each its own phase:\n\n");
        sb.Append(C, $"- **{ClusterResults.ServerKilled}**: `cluster.sh kill {run.KilledServer}` (SIGKILL; its supervisor starts it again, as a kubelet would); then the signed-in citizens' passes (`GET /v1/me/pass`, through their grains) are read through the balancer round after round until all answer;\n");
        sb.Append(C, $"- **{ClusterResults.Rolling}**: `cluster.sh rolling` (each server out of haproxy, SIGTERM, started, back in, then the next);\n");
        sb.Append(C, $"- **{ClusterResults.RedisPrimaryKilled}**: `cluster.sh kill-redis-primary`, and once the sentinels name another primary, `start-redis N` (the old one rejoins as a replica);\n");
        sb.Append(C, $"- **{ClusterResults.PostgresStopped}**: `cluster.sh stop-postgres`, a staff status change through the balancer while it is down, `start-postgres`, the status change again;\n");
        sb.Append(C, $"- **{ClusterResults.ServerCut}**: `cluster.sh cut {run.CutServer}` (its packets to Redis and the sentinels dropped by nftables), `heal {run.CutServer}` later.\n\n");
        sb.Append("![chart](chart.svg)\n\nThe chart's bottom band is what the balancer's `/health/ready` answered (whichever server haproxy picked).\n\n");

        sb.Append("### What was done, when\n\nSeconds from the start of the load.\n\n| s | event |\n|---:|---|\n");
        foreach (var e in run.Events) sb.Append(C, $"| {S3(e.AtSeconds)} | {e.What} |\n");

        sb.Append("\n### Phases\n\n");
        sb.Append("Each phase runs from its drill to the next one; times in seconds after the phase's drill. *Store back*: the killed server UP in haproxy again, the rolling restart done, ");
        sb.Append("the sentinels naming a new primary, PostgreSQL started, the cut server UP again. Failure window: from the first non-2xx answer of the load after the drill to the last one ");
        sb.Append("that came within a second of the one before; later: non-2xx after it in the phase. *Sent, no 200*: new scans sent in the phase never answered 200 (refused, or no answer). ");
        sb.Append("A 502 or 504 is haproxy's own answer (a request in flight on a server that died or stopped answering); it carries no scan id, so its latency is unknown. ");
        sb.Append("Latency is that of the answers that carried their scan id, timed from each scan's planned start.\n\n");
        sb.Append(FaultsReport.PhaseTable(run.Phases));

        if (run.GrainsAfterKill is { } g)
        {
            sb.Append(C, $"\nPass reads after the kill: {g.Citizens} signed-in citizens (their grains activated before the load, spread over the silos), all at once, {g.Rounds} round(s), ");
            sb.Append(C, $"{N(g.Reads)} reads, {N(g.NotOk)} not 200{(g.NotOk > 0 ? $" ({FaultsResults.Counts(g.NotOkByCode)})" : "")}, the slowest {N(g.SlowestMs)} ms; ");
            sb.Append(g.AllAnsweredAfterSeconds is { } t ? $"a round all 200 ended {S(t)} s after the kill.\n" : "no round was all 200 within a minute.\n");
        }
        if (run.StatusChanges.Count > 0)
        {
            sb.Append("\nStaff status changes (`PUT /v1/citizens/{id}/status` as the health authority, through the balancer):\n\n| at s | while | status | code | ms |\n|---:|---|---:|---|---:|\n");
            foreach (var s in run.StatusChanges) sb.Append(C, $"| {S(s.AtSeconds)} | {s.While} | {s.Status} | {s.Code} | {N(s.Ms)} |\n");
        }

        sb.Append("\n### Readiness and the balancer\n\nOnce a second; consecutive samples that said the same run together. \"no answer\": refused or slower than 0.9 s.\n\n");
        sb.Append("| what | from s | to s | samples | said |\n|---|---:|---:|---:|---|\n");
        foreach (var h in run.HealthSpans) sb.Append(C, $"| balancer /health/ready | {S(h.FromSeconds)} | {S(h.ToSeconds)} | {h.Samples} | {h.Label} |\n");
        foreach (var server in run.ServersHealth)
        {
            foreach (var h in server.Spans) sb.Append(C, $"| server {server.Server} /health/ready | {S(h.FromSeconds)} | {S(h.ToSeconds)} | {h.Samples} | {h.Label} |\n");
        }
        foreach (var b in run.BalancerSpans) sb.Append(C, $"| haproxy (twice a second) | {S(b.FromSeconds)} | {S(b.ToSeconds)} | {b.Samples} | {b.Label} |\n");

        sb.Append("\n### Second by second around the drills\n\n");
        sb.Append("A row per second from 2 s before to 5 s after each event and around every second where a scan failed or was skipped; 5-second windows elsewhere ");
        sb.Append("(every second is in results.json, `seconds`). Counts are per row. Sent: new scans handed to a connection; no 200: those of them never answered 200. ");
        sb.Append("Non-2xx by status and code (`-`: haproxy's own error page). wrk does not report socket errors per request, only in total (see Setup); through haproxy ");
        sb.Append("a server's failure reaches the client as a 502/503/504, not as a socket error. Health: the balancer's `/health/ready`; backlog: scan records waiting in Redis for the archiver.\n\n");
        sb.Append(FaultsReport.TimelineTable(run.Rows, run.Events));

        var a = run.Archive;
        sb.Append("\n## The archive\n\n");
        sb.Append(C, $"After the load the runner waited until the archiver had drained the Redis streams ({S(a.CatchUpSeconds)} s), then read every (gate, scan id) in `scans` ");
        sb.Append("and compared them with what each scan was told: the load's answers from wrk's logs, the probe's, and those of the scaling steps. A scan sent and never answered 200 ");
        sb.Append("was refused or had no answer; it must not be in the archive. One sent from 2 s before to 3 s after a server's SIGKILL may have been in flight on it (haproxy answered 502 ");
        sb.Append("although the server may have decided it): if archived it is counted apart. One sent in the last 10 s of the load without an answer may have been in flight when wrk stopped: only counted.\n\n");
        sb.Append("| answered 200 | rows | distinct (gate, scan id) | missing | of them around the Redis failover | more than once | problem answers | sent, not answered 200 | refused and archived | in flight on a killed server, archived | outcome unknown | archived, no answer seen |\n");
        sb.Append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        sb.Append(C, $"| {N(a.Answered200)} | {N(a.ArchivedRows)} | {N(a.DistinctArchivedKeys)} | **{N(a.Missing)}** | {N(run.LostInFailover)} | **{N(a.DuplicatedKeys)}** | {N(a.RefusedAnswers)} | {N(a.NotAnswered200)} | **{N(a.RefusedArchived)}** | {N(a.UnansweredArchived)} | {N(a.UnknownOutcome)} | {N(a.ArchivedNotSeen)} |\n\n");
        sb.Append(FaultsReport.RefusedDecidedTable(run.RefusedDecided));
        if (a.Missing > 0)
        {
            sb.Append(C, $"Missing by phase answered in: {string.Join("; ", a.MissingByPhase.Select(kv => $"{kv.Key} {N(kv.Value)}"))}. ");
            sb.Append("docs/hot-path.md (\"When Redis fails over\"): replication is asynchronous, so a scan record the primary acknowledged and had not yet been archived ");
            sb.Append("(the archiver polls every 100 ms) or replicated when it died is lost with it; the gate got its answer. Nothing on the server can restore it.\n\n");
        }
    }
}
