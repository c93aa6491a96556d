using System.Globalization;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>The report's stalls section: for each fixed-rate step, what the stall probes and Redis's latency monitor saw.</summary>
public static class StallReport
{
    private const int MostRows = 60;

    public static string Markdown(IReadOnlyList<ScenarioResult> scenarios)
    {
        var steps = scenarios.Where(s => s.Stalls is not null).ToList();
        if (steps.Count == 0) return "";
        var sb = new StringBuilder("\n### Stalls\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"During each fixed-rate step two probes answered every 10 ms on threads of the runner's own: `PING` to redis-server on a socket of its own, and `GET /v1/ping` to the server (no store behind it). An answer slower than {StallProbe.ThresholdMs:0} ms, or a probe thread that woke that late, is a stall. ");
        sb.Append(CultureInfo.InvariantCulture, $"Redis's latency monitor (threshold {LocalRedis.LatencyThresholdMs} ms) names what blocked its one thread. ");
        sb.Append("A stall of the Redis probe with no Redis event beside it is not Redis's thread: the machine (see pressure: time some task waited for a core, the disk or memory over the tick) or the connection. ");
        sb.Append("The machine's CPU around each stall is by process from half-second samples of /proc; what /proc/stat counts neither busy nor idle is time the virtual machine's cores were not run by its host (this machine kind reports no steal time), and the memory it handed back to its host (free page reporting) is what the host must fault in again when it is next used.\n\n");
        sb.Append("| step | probe answers | Redis probe stalls (longest ms) | server probe stalls (longest ms) | Redis latency events: max ms (samples) | PostgreSQL: checkpoints; autovacuum and autoanalyze (finished at s) |\n|---|---:|---:|---:|---|---|\n");
        foreach (var s in steps)
        {
            var probe = s.Stalls!;
            string Count(string name) => probe.Longest(name) is { } longest
                ? string.Create(CultureInfo.InvariantCulture, $"{probe.Stalls.Count(x => x.Probe == name)} ({longest.Ms:0})")
                : "0";
            var events = s.RedisLatency is { Count: > 0 } latency
                ? string.Join(", ", latency.Select(e => string.Create(CultureInfo.InvariantCulture, $"`{e.Event}` {e.MaxMs} ({e.Samples.Count})")))
                : "none";
            var pg = s.PostgresMaintenance is { } m
                ? string.Create(CultureInfo.InvariantCulture, $"{m.Checkpoints}; ") + (m.Runs.Count == 0 ? "none" : string.Join(", ", m.Runs.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.What} `{r.Table}` ({r.AtSeconds:0})"))))
                : "–";
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Id} | {probe.Pings:N0} | {Count(StallProbe.RedisProbe)} | {Count(StallProbe.ServerProbe)} | {events} | {pg} |\n");
        }

        sb.Append(Tails(steps));

        var rows = steps.SelectMany(s => s.Stalls!.Stalls.Select(x => (Step: s, Stall: x))).ToList();
        if (rows.Count == 0) return sb.ToString();
        sb.Append(CultureInfo.InvariantCulture, $"\nThe stalls ({(rows.Count > MostRows ? $"the {MostRows} longest of {rows.Count}" : "all")}, by time; Redis events within a second of each):\n\n");
        sb.Append("| step | at s | probe | took ms | woke late ms | failed | pressure over the tick | CPU around it, cores: server / redis (with its rewrite) / PostgreSQL / the rest (wrk, the runner, the kernel) / idle | cores the machine did not run | MB handed back to the host | Redis events near |\n|---|---:|---|---:|---:|---|---|---|---:|---:|---|\n");
        foreach (var (step, stall) in rows.OrderByDescending(r => r.Stall.Ms).Take(MostRows).OrderBy(r => r.Step.Id, StringComparer.Ordinal).ThenBy(r => r.Stall.AtSeconds))
        {
            var near = (step.RedisLatency ?? [])
                .SelectMany(e => e.Samples.Where(x => Math.Abs(x.AtSeconds - stall.AtSeconds) <= 1.5).Select(x => string.Create(CultureInfo.InvariantCulture, $"`{e.Event}` {x.Ms}")))
                .ToList();
            sb.Append(CultureInfo.InvariantCulture,
                $"| {step.Id} | {stall.AtSeconds:0.00} | {stall.Probe} | {stall.Ms:0} | {stall.LateMs:0} | {stall.Failure ?? ""} | {stall.Pressure} | {Cpu(stall.Cpu)} | {NotRun(stall.Cpu)} | {(stall.ReportedToHostMb is { } mb ? mb.ToString("0", CultureInfo.InvariantCulture) : "–")} | {(near.Count == 0 ? "none" : string.Join(", ", near))} |\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// Each step's scan latency beside the probes' answer times in the same seconds: where a trivial request on a
    /// connection of its own has the scans' p99 too, the tail is the machine's (cores, scheduling), not the scan's work.
    /// </summary>
    public static string Tails(IReadOnlyList<ScenarioResult> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var measured = steps.Where(s => s.Stalls?.Answers is { Count: > 0 }).ToList();
        if (measured.Count == 0) return "";
        var sb = new StringBuilder("\nThe tail beside the probes (ms; the scans timed as in the steps' table, each probe from its send to its answer, one at a time every 10 ms):\n\n");
        sb.Append("| step | scans p50 / p99 | server probe `GET /v1/ping` p50 / p99 / max | Redis probe `PING` p50 / p99 / max | scans' p99 over the server probe's |\n|---|---|---|---|---:|\n");
        foreach (var s in measured)
        {
            var answers = s.Stalls!.Answers!;
            var server = answers.GetValueOrDefault(StallProbe.ServerProbe);
            string Of(LatencyStats? l) => l is null || l.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{l.P50:0.00} / {l.P99:0.00} / {l.Max:0.0}");
            var ratio = server is { Count: > 0, P99: > 0 } ? string.Create(CultureInfo.InvariantCulture, $"{s.Latency.P99 / server.P99:0.0}x") : "–";
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Id} | {s.Latency.P50:0.00} / {s.Latency.P99:0.00} | {Of(server)} | {Of(answers.GetValueOrDefault(StallProbe.RedisProbe))} | {ratio} |\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The cores' time /proc/stat counts neither busy nor idle: the virtual machine's cores not run by its host (this
    /// kind of machine reports no steal time), when everything on it stops at once.
    /// </summary>
    private static string NotRun(CpuSplit? c) => c is null ? "–" : string.Create(CultureInfo.InvariantCulture,
        $"{Math.Max(0, c.Cores - (c.Server + c.LoadGenerator + c.Redis + c.Postgres + c.Runner + c.Other + c.Idle)):0.00}");

    private static string Cpu(CpuSplit? c) => c is null ? "–" : string.Create(CultureInfo.InvariantCulture,
        $"{c.Server:0.00} / {c.Redis:0.00} / {c.Postgres:0.00} / {c.LoadGenerator + c.Runner + c.Other:0.00} / {c.Idle:0.00}");
}
