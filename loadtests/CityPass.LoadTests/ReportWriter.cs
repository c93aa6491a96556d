using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.LoadTests;

/// <summary>Writes results.json, report.md and chart.svg into the run's directory.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteAsync(RunResults run, string directory, string? analysis = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var slim = run with { Seed = run.Seed with { GateCredentials = [] } }; // device secrets stay out of the results
        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(slim, Json));
        await File.WriteAllTextAsync(Path.Combine(directory, "chart.svg"), SvgChart.Render(run));
        var report = Markdown(run);
        if (!string.IsNullOrWhiteSpace(analysis)) report += "\n## Analysis (loadtests/analysis.md, written after reading this run)\n\n" + analysis.TrimEnd('\n') + "\n";
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), report);
    }

    public static async Task<RunResults> ReadAsync(string directory) =>
        JsonSerializer.Deserialize<RunResults>(await File.ReadAllTextAsync(Path.Combine(directory, "results.json")), Json)
        ?? throw new InvalidOperationException($"No results in {directory}.");

    private static string N(double x) => x.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double x) => x.ToString(x >= 100 ? "0" : "0.00", CultureInfo.InvariantCulture);

    private static string Aof(RedisPersistence? p) => p is null ? "– | –" : string.Create(CultureInfo.InvariantCulture, $"{p.Rewrites} | {p.DelayedFsyncs}");

    private static string Cpu(CpuSplit c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Server:0.00} / {c.LoadGenerator:0.00} / {c.Redis:0.00} / {c.Postgres:0.00} / {c.Other + c.Runner:0.00} / {c.Idle:0.00}");

    /// <summary>The table docs/performance.md carries: targets, then the scenarios.</summary>
    public static string SummaryTables(RunResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sb = new StringBuilder();
        sb.Append("| target | measured | met |\n|---|---|---|\n");
        foreach (var t in run.Targets) sb.Append(CultureInfo.InvariantCulture, $"| {t.Target} | {t.Measured} | {(t.Met ? "yes" : "**no**")} |\n");
        sb.Append('\n');
        sb.Append("| scenario | conns | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | CPU server / wrk / redis / pg / other / idle |\n");
        sb.Append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (var s in run.Scenarios.Where(s => s.Group != "profile"))
        {
            var non2xx = s.Statuses.Where(x => !x.Key.StartsWith('2')).Sum(x => x.Value);
            sb.Append(CultureInfo.InvariantCulture,
                $"| {s.Title} | {s.Connections} | {N(s.RequestsPerSecond)} | {Ms(s.Latency.P50)} | {Ms(s.Latency.P90)} | {Ms(s.Latency.P99)} | {Ms(s.Latency.Max)} | {non2xx} | {Cpu(s.Cpu)} |\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// Redis's work per scan in a step (the report: the closed-loop maximum), by command (INFO commandstats over the step), against
    /// redis-server's CPU per scan in the same step: what the commands do not account for is the event loop's reading,
    /// parsing and answering, and the append-only file.
    /// </summary>
    public static string RedisCommandsPerScan(ScenarioResult? step)
    {
        if (step?.RedisCommands is not { Count: > 0 } commands) return "";
        var c = CultureInfo.InvariantCulture;
        var scans = step.RequestsPerSecond * step.DurationSeconds;
        var sb = new StringBuilder();
        sb.Append(c, $"\nWhat Redis did per scan at the maximum ({step.Connections} connections; INFO commandstats over the step, {N(scans)} scans; ");
        sb.Append("a command a script calls counts on its own line and again inside the script's):\n\n");
        sb.Append("| command | calls per scan | µs per scan | µs per call |\n|---|---:|---:|---:|\n");
        foreach (var command in commands.Where(x => x.Calls / scans >= 0.001))
        {
            sb.Append(c, $"| {command.Command} | {command.Calls / scans:0.000} | {command.Micros / scans:0.00} | {(double)command.Micros / command.Calls:0.00} |\n");
        }
        var scripts = commands.Where(x => x.Command is "evalsha" or "eval" or "fcall").Sum(x => x.Micros) / scans;
        var outside = commands.Where(x => x.Command is not ("evalsha" or "eval" or "fcall")).Sum(x => x.Micros) / scans;
        var process = step.Cpu.Redis * 1_000_000 / step.RequestsPerSecond;
        sb.Append(c, $"\nredis-server's CPU in the step: **{process:0.0} µs per scan**; scripts (with what they call) {scripts:0.0} µs, every other command {outside:0.0} µs ");
        sb.Append(c, $"(an upper bound: it includes what scripts call); the rest, at least {Math.Max(0, process - scripts - outside):0.0} µs, is reading, parsing and answering the commands, and the append-only file.\n");
        return sb.ToString();
    }

    public static string Markdown(RunResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sb = new StringBuilder();
        var m = run.Machine;
        sb.Append(CultureInfo.InvariantCulture, $"# Scan-verify under load: {run.StartedAt:yyyy-MM-dd HH:mm} UTC\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Command: `{run.Command}` ({run.TotalMinutes:N1} min end to end). ");
        sb.Append(CultureInfo.InvariantCulture, $"Machine: {m.Cores} cores ({m.CpuModel}), {m.Kernel}, .NET {m.DotnetVersion}; {m.Wrk}; {m.Redis}; {m.Postgres}. ");
        sb.Append("Everything on this machine and on loopback: the server, wrk, redis-server and PostgreSQL share the cores, so the ");
        sb.Append("figures that count are the ratios measured in the same run.\n\n![chart](chart.svg)\n\n");

        sb.Append("## Against the targets\n\n");
        sb.Append(SummaryTables(run)).Append('\n');
        sb.Append("CPU columns are cores busy on average over the step (1.00 = one core throughout): the server, wrk, redis-server, ");
        sb.Append("PostgreSQL (postmaster and backends), everything else on the machine (including the runner), and idle.\n\n");

        sb.Append("## 1. Maximum throughput and the HTTP ceiling\n\n");
        sb.Append("Closed loop, wrk with 2 threads, the same connection counts for both endpoints, interleaved; two rounds, the better round of each endpoint and level kept ");
        sb.Append("(all rounds are in results.json, `sweepRounds`). ");
        sb.Append(CultureInfo.InvariantCulture, $"Maximum verify: **{N(run.MaxVerifyPerSecond)}/s** at {run.MaxVerifyConnections} connections; ");
        sb.Append(CultureInfo.InvariantCulture, $"GET /v1/ping: **{N(run.MaxPingPerSecond)}/s** at {run.MaxPingConnections}; ratio **{run.VerifyToPingRatio:0.00}x**.\n\n");
        sb.Append("| connections | ping req/s | verify req/s | verify / ping | verify p50 ms | verify p99 ms |\n|---:|---:|---:|---:|---:|---:|\n");
        foreach (var v in run.Scenarios.Where(s => s.Group == "max"))
        {
            var ping = run.Scenarios.FirstOrDefault(s => s.Group == "baseline" && s.Connections == v.Connections);
            var ratio = ping is null ? "-" : (v.RequestsPerSecond / ping.RequestsPerSecond).ToString("0.00", CultureInfo.InvariantCulture) + "x";
            sb.Append(CultureInfo.InvariantCulture, $"| {v.Connections} | {(ping is null ? "-" : N(ping.RequestsPerSecond))} | {N(v.RequestsPerSecond)} | {ratio} | {Ms(v.Latency.P50)} | {Ms(v.Latency.P99)} |\n");
        }
        sb.Append("\nThe Redis ceiling for the scan's one round trip: redis-benchmark running the scan's own Lua script (EVALSHA, every call ");
        sb.Append("on the allowed path) on the same redis-server, in the same run:\n\n| redis-benchmark | req/s | p50 ms | p99 ms | verify / this |\n|---|---:|---:|---:|---:|\n");
        foreach (var r in run.RedisBenchmark)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Name} | {N(r.RequestsPerSecond)} | {Ms(r.P50Ms)} | {Ms(r.P99Ms)} | {run.MaxVerifyPerSecond / r.RequestsPerSecond:0.00}x |\n");
        }

        sb.Append(RedisCommandsPerScan(run.Scenarios.Where(s => s.Group == "max").MaxBy(s => s.RequestsPerSecond)));
        if (run.AppendOnlyFile is { } aof)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nWhat Redis's append-only file holds per scan, by command (its last {AofCommandBytes.DefaultTailMegabytes} MB after the fixed rates, scans counted by their ");
            sb.Append("`XADD`; every byte is written by redis-server's one thread, fsynced, and copied again by each rewrite; `citypass-loadtests aof-bytes FILE` ");
            sb.Append("reads any file so):\n\n").Append(aof.Markdown());
        }

        sb.Append("\n## 2. Fixed rates: latency\n\n");
        sb.Append("wrk's delay() paces each thread on a fixed schedule of slots (rate / threads a second); a free connection takes the next slot. ");
        sb.Append("A scan is timed from its slot when it left more than 1.5 ms late (no free connection, or the server fell behind), else from its ");
        sb.Append("send: a stall shows in the percentiles instead of being hidden by the closed loop (coordinated omission). wrk's own ");
        sb.Append("figures (from the send) are beside them. 1% of the scans are retries of an answered scan.\n\n");
        sb.Append("The last columns are Redis's append-only file during the step: rewrites (each a fork that writes the whole data set), and fsyncs it ");
        sb.Append("delayed because the disk was still busy with the last one (each stops Redis's writes for up to 2 s).\n\n");
        sb.Append("| scenario | target/s | achieved/s | p50 | p90 | p99 | p99.9 | max | wrk p50 | wrk p99 | AOF rewrites | delayed fsyncs |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var s in run.Scenarios.Where(s => s.TargetRate is not null))
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"| {s.Title} | {N(s.TargetRate!.Value)} | {N(s.RequestsPerSecond)} | {Ms(s.Latency.P50)} | {Ms(s.Latency.P90)} | {Ms(s.Latency.P99)} | {Ms(s.Latency.P999)} | {Ms(s.Latency.Max)} | {Ms(s.WrkLatency.P50)} | {Ms(s.WrkLatency.P99)} | {Aof(s.Persistence)} |\n");
        }

        sb.Append("\n## 3. Mixed traffic\n\n90% scans (1% of them retries), 9% pass refreshes (GET /v1/me/pass as one of the signed-in citizens), ");
        sb.Append("1% status changes (PUT /v1/citizens/{id}/status as the health authority, green or yellow at random, audited). Latency columns: scans only ");
        sb.Append("(the other kinds can't be matched to their request from wrk's response hook); wrk's percentiles cover all kinds.\n\n");
        sb.Append("| scenario | req/s | kinds | statuses | scan p50 | scan p99 | all p50 (wrk) | all p99 (wrk) |\n|---|---:|---|---|---:|---:|---:|---:|\n");
        foreach (var s in run.Scenarios.Where(s => s.Group == "mixed"))
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Title} | {N(s.RequestsPerSecond)} | {Dict(s.Kinds)} | {Dict(s.Statuses)} | {Ms(s.Latency.P50)} | {Ms(s.Latency.P99)} | {Ms(s.WrkLatency.P50)} | {Ms(s.WrkLatency.P99)} |\n");
        }

        var soak = run.Scenarios.Where(s => s.Group == "soak").ToList();
        sb.Append("\n## 4. Soak\n\n");
        if (soak.Count == 0) sb.Append("Not run (`loadtests/run.sh --soak` runs it: 10 minutes at 50% of the maximum).\n");
        else
        {
            sb.Append("Per 30 s window (5 s for short soaks): achieved rate and latency, to show whether it holds steady.\n\n| part | from s | req/s | p50 | p99 | max |\n|---|---:|---:|---:|---:|---:|\n");
            foreach (var s in soak)
            {
                foreach (var w in s.Windows)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"| {s.Id} | {w.StartSeconds:0} | {N(w.RequestsPerSecond)} | {Ms(w.P50)} | {Ms(w.P99)} | {Ms(w.Max)} |\n");
                }
            }
        }

        sb.Append(StallReport.Markdown(run.Scenarios));

        var codes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in run.Scenarios) foreach (var (k, v) in s.Codes) codes[k] = codes.GetValueOrDefault(k) + v;
        sb.Append("\n## Decisions\n\nAll scans of the run by answer code (a mix of venue policies: capacity, opening hours, yellow allowed, anti-passback on and off; ");
        sb.Append("random pass at a random gate, so a repeat of the same citizen at the same venue is refused as already inside or a replay):\n\n");
        sb.Append(Dict(codes)).Append("\n\n");

        var a = run.Archive;
        sb.Append("## Correctness under load\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"After the last scenario the runner waited {a.CatchUpSeconds:N1} s for the archiver to drain the 16 Redis streams, then read every ");
        sb.Append("(gate, scan id) from `SELECT gate_id, scan_id FROM scans` and every (gate, scan id) wrk saw answered 200 from its per-thread logs ");
        sb.Append("(a scan id is the gate's own: two gates may send the same one, and both scans must be there).\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"- answered 200 (new scans): {N(a.AnsweredScans)}; missing from PostgreSQL: **{a.Missing}**\n");
        sb.Append(CultureInfo.InvariantCulture, $"- rows in `scans`: {N(a.ArchivedRows)}; distinct (gate, scan id): {N(a.DistinctArchivedKeys)} (a gate's scan id twice would show as a difference)\n");
        sb.Append(CultureInfo.InvariantCulture, $"- archived but never seen answered by wrk: {N(a.ArchivedButNotSeenAnswered)} (requests in flight when a wrk run stopped: the server answered, wrk had closed the connection)\n");
        sb.Append(CultureInfo.InvariantCulture, $"- retries (same gate, same scan id, same body): {N(run.Scenarios.Sum(s => s.Retries))}, answered as duplicate: {N(run.Scenarios.Sum(s => s.RetriesAnsweredAsDuplicate))}, answer changed: {run.Scenarios.Sum(s => s.RetriesWithChangedCode)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"- 5xx over the whole run: **{run.Scenarios.Sum(s => s.Count5xx)}**; socket errors and timeouts: {run.Scenarios.Sum(s => s.SocketErrors)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"- verdict: **{(a.Passed ? "pass" : "FAIL")}**\n\n");
        sb.Append("Does the archive keep up? Scan records still in the Redis streams when each step ended (every step starts with them drained):\n\n");
        sb.Append("| step | req/s | backlog at the end | drained before it (s) |\n|---|---:|---:|---:|\n");
        foreach (var s in run.Scenarios.Where(s => s.Endpoint != "GET /v1/ping"))
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Title} | {N(s.RequestsPerSecond)} | {N(s.ArchiveBacklogAfter)} | {s.ArchiveDrainSeconds:0.0} |\n");
        }
        sb.Append('\n');

        if (run.Profile is { } p)
        {
            sb.Append("## Profile of the verify path\n\n");
            sb.Append(CultureInfo.InvariantCulture, $"dotnet-trace (sampled thread time, ~100 Hz per thread) of the server during a closed-loop verify run at {run.MaxVerifyConnections} connections; ");
            sb.Append(CultureInfo.InvariantCulture, $"{p.BusyMs / 1000:N1} s of busy samples (threads waiting in epoll, the thread-pool semaphore or timers are idle and left out: {p.IdleMs / 1000:N1} s). ");
            sb.Append(CultureInfo.InvariantCulture, $"Besides, threads waited {p.LockWaitMs / 1000:N1} s on contended locks (Monitor.Enter's slow path) and {p.GcWaitMs / 1000:N1} s for garbage collections. ");
            sb.Append("`profile.speedscope.json` (when small enough to keep) opens in speedscope.\n\n");
            sb.Append("By component (the innermost frame outside the runtime's generic code names who asked for the work):\n\n| component | % of busy |\n|---|---:|\n");
            foreach (var e in p.ByComponent) sb.Append(CultureInfo.InvariantCulture, $"| {e.Name} | {e.Percent:0.0} |\n");
            sb.Append("\nInnermost frames (self time; `[native]` = in native code called from that frame):\n\n| frame | % of busy |\n|---|---:|\n");
            foreach (var e in p.TopSelf) sb.Append(CultureInfo.InvariantCulture, $"| `{Trim(e.Name)}` | {e.Percent:0.0} |\n");
            sb.Append("\nWhere threads waited on contended locks (share of the lock-wait time, by component - caller):\n\n| where | % of lock wait |\n|---|---:|\n");
            foreach (var e in p.LockWaitCallers) sb.Append(CultureInfo.InvariantCulture, $"| `{Trim(e.Name)}` | {e.Percent * p.BusyMs / Math.Max(p.LockWaitMs, 1e-9):0.0} |\n");
            sb.Append("\nCityPass methods on the stack (inclusive):\n\n| method | % of busy |\n|---|---:|\n");
            foreach (var e in p.TopInclusiveCityPass) sb.Append(CultureInfo.InvariantCulture, $"| `{Trim(e.Name)}` | {e.Percent:0.0} |\n");
            sb.Append('\n');
        }

        sb.Append("## Setup\n\n");
        var seed = run.Seed;
        sb.Append(CultureInfo.InvariantCulture, $"- Seeded through the API: {N(seed.Citizens)} citizens by CSV import (POST /v1/citizens/import, {Seeder.ImportChunk:N0} rows a request) in {seed.CitizensSeconds:N1} s ");
        sb.Append(CultureInfo.InvariantCulture, $"({N(seed.Citizens / Math.Max(seed.CitizensSeconds, 1e-9))}/s); {seed.Venues} venues with policies in {seed.VenuesSeconds:N1} s; {seed.Gates:N0} gates with device credentials in {seed.GatesSeconds:N1} s.\n");
        sb.Append("- Passes: the runner owns the issuer key set it gives the server (Keys:KeySetJson), reads the citizens from PostgreSQL and mints ");
        sb.Append(CultureInfo.InvariantCulture, $"one ten-minute pass each with CityPass.Core's PassIssuer - a fresh pool per scenario (fresh token ids, so one scenario's replay marks don't refuse the next one's scans): ");
        sb.Append(CultureInfo.InvariantCulture, $"{run.Pools.Count} pools, {run.Pools.Average(x => x.MintSeconds):N1} s each on average.\n");
        sb.Append("- Scans pick a random pass and a random gate; the pass refreshes use citizens signed in through the OTP flow.\n");
        sb.Append("- Server configuration changed from the defaults: ");
        sb.Append(string.Join(", ", run.ServerOverrides.Select(kv => $"`{kv.Key}={kv.Value}`"))).Append(". Rate limits per gate and per citizen stay at their defaults.\n");
        sb.Append(run.Command.Contains("--redis-no-aof", StringComparison.Ordinal)
            ? "- Redis: **no append-only file** (experiment). "
            : "- Redis: append-only file, fsync every second except while a rewrite runs (`no-appendfsync-on-rewrite yes`), automatic rewrites when the file has grown by 400%, no snapshots. ");
        sb.Append("PostgreSQL: default durability (fsync, synchronous commit on), shared_buffers 512 MB.\n");
        if (run.Notes.Count > 0)
        {
            sb.Append("\n## Notes\n\n");
            foreach (var n in run.Notes) sb.Append("- ").Append(n).Append('\n');
        }
        return sb.ToString();
    }

    private static string Dict(IReadOnlyDictionary<string, long> d) =>
        string.Join(", ", d.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value.ToString("N0", CultureInfo.InvariantCulture)}"));

    private static string Trim(string frame) => frame.Length > 110 ? frame[..110] + "..." : frame;
}
