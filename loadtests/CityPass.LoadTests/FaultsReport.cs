using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.LoadTests;

/// <summary>Writes a fault run's results.json, report.md and chart.svg.</summary>
public static class FaultsReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static async Task WriteAsync(FaultsResults run, string directory)
    {
        ArgumentNullException.ThrowIfNull(run);
        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"), JsonSerializer.Serialize(run, Json));
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), Markdown(run));
        await File.WriteAllTextAsync(Path.Combine(directory, "chart.svg"), FaultsChart.Render(run));
    }

    public static async Task<FaultsResults> ReadAsync(string directory) =>
        JsonSerializer.Deserialize<FaultsResults>(await File.ReadAllTextAsync(Path.Combine(directory, "results.json")), Json)
        ?? throw new InvalidOperationException($"No results in {directory}.");

    /// <summary>Whether a run directory holds a fault run's results (results.json says "mode": "faults").</summary>
    public static async Task<bool> IsFaultsRunAsync(string directory)
    {
        var file = Path.Combine(directory, "results.json");
        if (!File.Exists(file)) return false;
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        return doc.RootElement.TryGetProperty("mode", out var mode) && mode.GetString() == FaultsResults.ModeName;
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

    /// <summary>The refused scans found in the archive, as it has them (the first 20; empty when there are none).</summary>
    public static string RefusedDecidedTable(IReadOnlyList<RefusedButDecided> refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        var sb = new StringBuilder();
        if (refused.Count == 0) return "";
        sb.Append("The refused scans found in the archive, as it has them (sent and decided in seconds from the start of the load; the probe's also with how long its 503 took):\n\n");
        sb.Append("| sent at s | decided at s | decided after sending, ms | decision | probe: 503 after ms | gate | scan id |\n|---:|---:|---:|---|---:|---|---|\n");
        foreach (var r in refused.Take(20))
        {
            sb.Append(C, $"| {S3(r.SentAtSeconds)} | {S3(r.DecidedAtSeconds)} | {(r.DecidedAtSeconds - r.SentAtSeconds) * 1000:0} | {(r.Allowed ? "allowed" : "denied")} {r.Code} | ");
            sb.Append(C, $"{(r.AnsweredAfterMs is { } ms ? Ms(ms) : "")} | {r.Key.GateId:N} | {r.Key.ScanId} |\n");
        }
        if (refused.Count > 20) sb.Append(C, $"| … {refused.Count - 20} more in results.json | | | | | | |\n");
        sb.Append('\n');
        return sb.ToString();
    }

    /// <summary>The phases' table (the text that explains it is each report's own): a row per phase, times in seconds from its fault.</summary>
    public static string PhaseTable(IReadOnlyList<PhaseSummary> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        var sb = new StringBuilder();
        sb.Append("| phase | s | sent | sent, no 200 | 2xx | non-2xx (status code: count) | p50 / p99 / max ms | store back at | failure window (first – last non-2xx) | its end after store back | later non-2xx (last at) | silent seconds | skipped | probe: scans, non-2xx, slowest non-2xx ms |\n");
        sb.Append("|---|---|---:|---:|---:|---|---|---:|---|---:|---|---|---:|---|\n");
        foreach (var p in phases)
        {
            var window = p.FirstNotOkAfterSeconds is null ? "none" : $"{S3(p.FirstNotOkAfterSeconds)} – {S3(p.OutageEndAfterSeconds)} ({S3(p.FailureWindowSeconds)} s)";
            var later = p.LaterNotOk == 0 ? "0" : $"{N(p.LaterNotOk)} ({S3(p.LastNotOkAfterSeconds)})";
            var silent = p.SilentSeconds == 0 ? "none" : $"{p.SilentSeconds} ({S(p.FirstSilentAfterSeconds!.Value)} – {S(p.LastSilentAfterSeconds!.Value)})";
            var probe = $"{p.Probes}, {(p.ProbeNotOk.Count == 0 ? "0" : FaultsResults.Counts(p.ProbeNotOk))}" + (p.ProbeNotOkLatency.Count > 0 ? $", {Ms(p.ProbeNotOkLatency.Max)}" : "");
            sb.Append(C, $"| {p.Name} | {S(p.StartSeconds)}–{S(p.EndSeconds)} | {N(p.Sent)} | {N(p.NotAnswered200)} | {N(p.Ok)} | {(p.NotOk.Count == 0 ? "0" : FaultsResults.Counts(p.NotOk))} | ");
            sb.Append(C, $"{Ms(p.Latency.P50)} / {Ms(p.Latency.P99)} / {Ms(p.Latency.Max)} | {(p.StoreBackAfterSeconds is { } b ? S3(b) : "–")} | {window} | ");
            sb.Append(C, $"{(p.OutageEndAfterStoreBack is { } after ? S3(after) : "–")} | {later} | {silent} | {N(p.Skipped)} | {probe} |\n");
        }
        return sb.ToString();
    }

    /// <summary>The time line's table: a row per span, with the events that fell in it.</summary>
    public static string TimelineTable(IReadOnlyList<TimelineRow> rows, IReadOnlyList<FaultEvent> allEvents)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(allEvents);
        var sb = new StringBuilder();
        sb.Append("| s | sent | no 200 | 2xx | non-2xx | p50 ms | p99 ms | max ms | skipped | probe | probe non-2xx | probe max ms | health | backlog | event |\n");
        sb.Append("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---|---:|---|\n");
        foreach (var r in rows)
        {
            var events = allEvents.Where(e => e.AtSeconds >= r.StartSeconds && e.AtSeconds < r.StartSeconds + r.Seconds).Select(e => e.What);
            var span = r.Seconds == 1 ? N(r.StartSeconds) : $"{N(r.StartSeconds)}–{N(r.StartSeconds + r.Seconds)}";
            sb.Append(C, $"| {span} | {N(r.Sent)} | {(r.NotAnswered200 > 0 ? N(r.NotAnswered200) : "")} | {N(r.Ok)} | {(r.NotOk.Count == 0 ? "" : FaultsResults.Counts(r.NotOk))} | {(r.Timed == 0 ? "–" : Ms(r.P50))} | {(r.Timed == 0 ? "–" : Ms(r.P99))} | ");
            sb.Append(C, $"{(r.Timed == 0 ? "–" : Ms(r.Max))} | {(r.Skipped > 0 ? N(r.Skipped) : "")} | {r.Probes} | {(r.ProbeNotOk.Count == 0 ? "" : FaultsResults.Counts(r.ProbeNotOk))} | ");
            sb.Append(C, $"{(r.Probes == 0 ? "–" : Ms(r.ProbeMaxMs))} | {r.Health} | {(r.ArchiveBacklog is { } b ? N(b) : "–")} | {string.Join("; ", events)} |\n");
        }
        return sb.ToString();
    }

    public static string Markdown(FaultsResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var m = run.Machine;
        var sb = new StringBuilder();
        sb.Append(C, $"# Fail safe under load (issue 12): {run.StartedAt:yyyy-MM-dd HH:mm} UTC\n\n");
        sb.Append(C, $"Command: `{run.Command}` ({run.TotalMinutes:N1} min end to end). Server built from `{run.Commit}`");
        sb.Append(run.UncommittedSource.Count == 0 ? " (src/ clean). " : $" with uncommitted changes in src/ at the time ({string.Join(", ", run.UncommittedSource.Select(f => $"`{f}`"))}). ");
        sb.Append(C, $"Machine: {m.Cores} cores ({m.CpuModel}), {m.Kernel}, .NET {m.DotnetVersion}; {m.Wrk}; {m.Redis}; {m.Postgres}. ");
        sb.Append("The server, wrk, redis-server and PostgreSQL share the two cores with other work: this run is about correctness and ");
        sb.Append("how long scans fail around each fault, not about throughput or latency figures.\n\n");
        sb.Append(C, $"Load: scans at **{N(run.Rate)}/s** ({run.RatePercent}% of the {N(run.MaxScansPerSecond)}/s measured just before, closed loop), ");
        sb.Append(C, $"{run.Connections} connections, for {S(run.LoadSeconds)} s in one wrk run: {N(run.WrkRequests)} scans. ");
        sb.Append("Each scan is a new scan id at a random gate with a random pass (no retries, so each id is answered once and a refused one can be looked for in the archive). ");
        sb.Append("Beside it the runner's own gate sends a scan every 100 ms, timed and named one by one (the *probe*: wrk can't tie a 503 to its request, the probe can), ");
        sb.Append("and asks `GET /health/ready` once a second.\n\n");
        sb.Append("![chart](chart.svg)\n\n");

        sb.Append("## Checks (the exit code)\n\n").Append(Table(run.Checks)).Append('\n');
        sb.Append("## Expected behaviour\n\n").Append(Table(run.Expectations)).Append('\n');

        sb.Append("## What was done, when\n\nSeconds from the start of the load.\n\n| s | event |\n|---:|---|\n");
        foreach (var e in run.Events) sb.Append(C, $"| {S3(e.AtSeconds)} | {e.What} |\n");

        sb.Append("\n## Phases\n\n");
        sb.Append("Each phase runs from its fault to the next one; times in seconds after the phase's fault. *Store back*: Redis answering PING after its restart ");
        sb.Append("(after loading its append-only file), PostgreSQL's `pg_ctl start` returning. Failure window: the outage, from the first non-2xx answer of the load ");
        sb.Append("after the fault to the last one that came within a second of the one before (the probe's are counted beside); later: non-2xx after it in the phase. Silent: whole seconds in which scans were sent and not one was answered (the server itself away). ");
        sb.Append("*Sent, no 200*: new scans sent in the phase never answered 200: the refused ones, and those with no answer at all. ");
        sb.Append(C, $"Skipped: slots the fixed-rate schedule did not send because it was more than {run.MaxLagMs} ms behind. ");
        sb.Append("Latency is that of the answers that carried their scan id (so not of the refusals), timed from each scan's planned start.\n\n");
        sb.Append(PhaseTable(run.Phases));

        sb.Append("\n## /health/ready\n\nOnce a second; consecutive samples that said the same run together. \"no answer\": refused or slower than 0.9 s.\n\n");
        sb.Append("| from s | to s | samples | said |\n|---:|---:|---:|---|\n");
        foreach (var h in run.HealthSpans) sb.Append(C, $"| {S(h.FromSeconds)} | {S(h.ToSeconds)} | {h.Samples} | {h.Label} |\n");

        sb.Append("\n## Second by second around the faults\n\n");
        sb.Append("A row per second from 2 s before to 5 s after each event and around every second where a scan failed or was skipped; 5-second windows elsewhere ");
        sb.Append("(every second is in results.json, `seconds`). Counts are per row, not per second. Sent: new scans wrk's script handed to a connection ");
        sb.Append("(while the server closes every connection at once, wrk reconnects and tries again without pause, so that count soars with nothing reaching the server); ");
        sb.Append("no 200: those of them never answered 200. Latency is of the load's answers that carried their scan id; ");
        sb.Append("probe: the runner's scans in the row, their non-2xx and the slowest; backlog: scan records waiting in Redis for the archiver (the largest sample).\n\n");
        sb.Append(TimelineTable(run.Rows, run.Events));

        var a = run.Archive;
        sb.Append("\n## The archive\n\n");
        sb.Append(C, $"After the load the runner waited until the archiver had drained the Redis streams ({S(a.CatchUpSeconds)} s), then read every (gate, scan id) in `scans` ");
        sb.Append("and compared them with what each scan was told: the load's answers from wrk's logs, the probe's, and the answers of the warm-up and maximum steps before the load. ");
        sb.Append("A scan sent and never answered 200 was refused (a 503, or another problem answer, which wrk can't tie to its scan) or had no answer at all. ");
        sb.Append("A refused scan must not be in the archive; one sent while the server was going away (from 2 s before to 1 s after a stretch of seconds with no answer at all) ");
        sb.Append("may have had no answer, so if archived it is counted apart. One sent in the last 10 s of the load without an answer may have been in flight when wrk stopped, ");
        sb.Append("and the probe's scans that had no answer: their outcome is unknown and they are only counted.\n\n");
        sb.Append("| answered 200 | rows | distinct (gate, scan id) | missing | more than once | refusals answered | sent, not answered 200 | refused and archived | unanswered (server going away) and archived | outcome unknown | of them archived | archived, no answer seen |\n");
        sb.Append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        sb.Append(C, $"| {N(a.Answered200)} | {N(a.ArchivedRows)} | {N(a.DistinctArchivedKeys)} | **{N(a.Missing)}** | **{N(a.DuplicatedKeys)}** | {N(a.RefusedAnswers)} | {N(a.NotAnswered200)} | **{N(a.RefusedArchived)}** | {N(a.UnansweredArchived)} | {N(a.UnknownOutcome)} | {N(a.UnknownOutcomeArchived)} | {N(a.ArchivedNotSeen)} |\n\n");
        void Sample(string what, IReadOnlyDictionary<string, long> byPhase, IReadOnlyList<ScanKey> keys)
        {
            if (keys.Count == 0) return;
            sb.Append(C, $"{what} by phase: {string.Join("; ", byPhase.Select(kv => $"{kv.Key} {N(kv.Value)}"))}. First (gate, scan id): {string.Join(", ", keys.Take(3).Select(k => $"({k.GateId:N}, {k.ScanId})"))}.\n\n");
        }
        Sample("Missing", a.MissingByPhase, a.MissingSample);
        foreach (var (fault, count, from, to) in run.MissingAroundFaults)
        {
            sb.Append(C, $"{N(count)} missing scans were answered {from:+0.000;-0.000} to {to:+0.000;-0.000} s from \"{fault.What}\" (at {S3(fault.AtSeconds)} s; times as wrk logged the answers).");
            // Only a Redis that comes back without its data can lose what was answered: the records still in its streams.
            if (fault.What.Contains("empty", StringComparison.Ordinal))
            {
                sb.Append(" Their records were still in Redis's scan streams, not yet archived, when it lost its data: the loss docs/hot-path.md describes ");
                sb.Append("(\"When Redis fails over\": a scan record not yet archived is missing from the archive; the gate got its answer).");
            }
            sb.Append("\n\n");
        }
        var before = a.MissingAnsweredAt.Count(t => t < 0 || double.IsNaN(t));
        if (before > 0) sb.Append(C, $"{N(before)} missing scans were answered before the load (the warm-up and the maximum's steps).\n\n");
        Sample("More than once", a.DuplicatedByPhase, a.DuplicatedSample);
        Sample("Refused and archived", a.RefusedArchivedByPhase, a.RefusedArchivedKeys);
        sb.Append(RefusedDecidedTable(run.RefusedDecided));

        sb.Append("## Setup\n\n");
        sb.Append(C, $"- Seeded through the API: {N(run.Seed.Citizens)} citizens, {N(run.Seed.Venues)} venues, {N(run.Seed.Gates)} gates (the scan run's mix of venue policies).\n");
        sb.Append("- The maximum, just before the load: scans closed loop, " + string.Join(", ", run.Search.Select(s => string.Create(C, $"{s.Connections} connections {N(s.RequestsPerSecond)}/s (p99 {Ms(s.Latency.P99)} ms)"))) + ".\n");
        sb.Append(C, $"- wrk: one run of 2 threads at a fixed rate (`wrk/lib.lua`'s pacer), ended with SIGINT when the scenario was over; a schedule more than {run.MaxLagMs} ms behind skips the slots it missed ");
        sb.Append("(a gate whose server was away does not send minutes of scans at once when it is back). Statuses: ");
        sb.Append(string.Join(", ", run.WrkStatuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {N(kv.Value)}")));
        sb.Append("; errors: ").Append(string.Join(", ", run.WrkErrors.Select(kv => $"{kv.Key} {N(kv.Value)}"))).Append(".\n");
        sb.Append("- Redis: append-only file, fsync every second; killed with SIGKILL and started again on the same port and directory. PostgreSQL: default durability; stopped with `pg_ctl stop -m fast`.\n");
        sb.Append("- Server configuration changed from the defaults: ").Append(string.Join(", ", run.ServerOverrides.Select(kv => $"`{kv.Key}={kv.Value}`"))).Append(".\n");
        if (run.Notes.Count > 0)
        {
            sb.Append("\n## Notes\n\n");
            foreach (var n in run.Notes) sb.Append("- ").Append(n).Append('\n');
        }
        if (run.ServerLog.Count > 0)
        {
            sb.Append("\n## What the server logged (warnings and above)\n\nEach message once, in order, with how many times; `server.log` is the first process, `server-2.log` the one started after it stopped.\n\n");
            sb.Append("| first at s | log | level | category | message | times |\n|---:|---|---|---|---|---:|\n");
            foreach (var l in run.ServerLog)
            {
                sb.Append(C, $"| {(l.FirstAtSeconds is { } at ? S(at) : "–")} | {l.Log} | {l.Level} | {l.Category} | {l.Message.Replace("|", "\\|", StringComparison.Ordinal)} | {l.Count} |\n");
            }
        }
        return sb.ToString();
    }
}
