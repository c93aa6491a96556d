using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>Something the runner did to a store or the server, or saw it do, in seconds from the start of the load.</summary>
public sealed record FaultEvent(double AtSeconds, string What);

/// <summary>
/// A stretch of the load named by the fault made at its start. <see cref="StoreBackSeconds"/>: when the store
/// taken away answered again (Redis: PING answered after loading; PostgreSQL: pg_ctl start returned); null for
/// the steady stretch before any fault.
/// </summary>
public sealed record FaultPhase(string Name, double StartSeconds, double EndSeconds, double? StoreBackSeconds);

/// <summary>One of the runner's own scans (<see cref="GateProbe"/>), timed by itself. Status 0: no answer (refused connection, timeout).</summary>
public sealed record ProbeAnswer(double AtSeconds, double LatencyMs, int Status, string Code, ScanKey Key);

/// <summary>
/// One <c>GET /health/ready</c>: its HTTP status (0: no answer), the report's status and what it said of each
/// store, and the scan records waiting in Redis for the archiver at the same moment (null: Redis did not answer).
/// </summary>
public sealed record HealthSample(double AtSeconds, int Status, string? Report, string? HotState, string? Records, long? ArchiveBacklog)
{
    /// <summary>"200 Healthy", "200 Degraded (PostgreSQL down)", "503 Unhealthy (Redis down)", "no answer".</summary>
    public string Label
    {
        get
        {
            if (Status == 0) return "no answer";
            var down = new List<string>();
            if (HotState is { } h && h != "up") down.Add("Redis down");
            if (Records is { } r && r != "up") down.Add("PostgreSQL down");
            var label = string.Create(CultureInfo.InvariantCulture, $"{Status} {Report ?? "?"}");
            return down.Count == 0 ? label : $"{label} ({string.Join(", ", down)})";
        }
    }
}

/// <summary>Consecutive health samples that said the same.</summary>
public sealed record HealthSpan(double FromSeconds, double ToSeconds, string Label, int Samples);

/// <summary>
/// The scans of one stretch of the timeline (a second, or a window of seconds): new scans sent, and of them those
/// never answered 200 (refused, or no answer at all); answers by status (2xx and
/// the rest by "status code"), latency of the answers that could be timed (those carrying their scan id: wrk
/// can't tie a problem answer to its request), slots the schedule skipped, the runner's probe scans, the health
/// reported and the archive backlog (the largest seen).
/// </summary>
public sealed record TimelineRow(
    double StartSeconds, double Seconds, long Sent, long NotAnswered200, long Ok, IReadOnlyDictionary<string, long> NotOk, long Timed, double P50, double P99, double Max,
    double Skipped, long Probes, IReadOnlyDictionary<string, long> ProbeNotOk, double ProbeMaxMs, string Health, long? ArchiveBacklog)
{
    public long NotOkTotal => NotOk.Values.Sum();
}

/// <summary>
/// What one phase did to the scans: scans sent and not answered 200, the answers by status, the latency of the
/// timed ones, and when scans failed, in seconds from the fault: the first and last non-2xx answer, the last one
/// after the store answered again, the seconds with no answer at all, and the span of skipped slots.
/// </summary>
public sealed record PhaseSummary(
    string Name, double StartSeconds, double EndSeconds, double? StoreBackAfterSeconds,
    long Sent, long NotAnswered200, long Ok, IReadOnlyDictionary<string, long> NotOk, LatencyStats Latency, double Skipped,
    // The outage: the first run of non-2xx answers, none more than a second after the one before. Later: non-2xx after it.
    double? FirstNotOkAfterSeconds, double? OutageEndAfterSeconds, long LaterNotOk, double? LastNotOkAfterSeconds,
    double? FirstSkippedAfterSeconds, double? LastSkippedAfterSeconds,
    // Whole seconds in which scans were sent and none was answered (the server away), and the first and last of them.
    int SilentSeconds, double? FirstSilentAfterSeconds, double? LastSilentAfterSeconds,
    long Probes, IReadOnlyDictionary<string, long> ProbeNotOk, LatencyStats ProbeLatency, LatencyStats ProbeNotOkLatency)
{
    public long NotOkTotal => NotOk.Values.Sum();

    /// <summary>The outage's first to last non-2xx answer: how long scans failed after this phase's fault (null: none failed).</summary>
    public double? FailureWindowSeconds => OutageEndAfterSeconds - FirstNotOkAfterSeconds;

    /// <summary>How long after the store answered again the outage's last non-2xx came (negative: before it).</summary>
    public double? OutageEndAfterStoreBack => OutageEndAfterSeconds - StoreBackAfterSeconds;
}

/// <summary>
/// The archive against what the gates were told: every (gate, scan id) answered 200 must be in PostgreSQL once,
/// and no scan that was refused (503 store_unavailable and the like: "nothing was done") may be in it: a refused
/// scan must never take effect later. A scan sent to a server that was going away may have had no answer at all;
/// found in the archive it is counted apart (a gate's retry with the same id gets the first answer). Scans with no
/// known outcome (in flight when wrk stopped, the probe's unanswered ones) are only counted.
/// </summary>
public sealed record FaultArchiveVerdict(
    long Answered200, long ArchivedRows, long DistinctArchivedKeys, long Missing, long DuplicatedKeys,
    long RefusedAnswers, long NotAnswered200, long RefusedArchived, long UnansweredArchived, long UnknownOutcome, long UnknownOutcomeArchived,
    long ArchivedNotSeen, double CatchUpSeconds,
    // By the phase the scan was answered (or sent, for one not answered 200) in; "before the load" for the warm-up and maximum steps.
    IReadOnlyDictionary<string, long> MissingByPhase, IReadOnlyDictionary<string, long> DuplicatedByPhase, IReadOnlyDictionary<string, long> RefusedArchivedByPhase,
    IReadOnlyList<ScanKey> MissingSample, IReadOnlyList<ScanKey> DuplicatedSample,
    // Every refused scan found in the archive, in the order they were sent.
    IReadOnlyList<ScanKey> RefusedArchivedKeys,
    // When the missing scans were answered (seconds from the start of the load): which fault lost them.
    IReadOnlyList<double> MissingAnsweredAt)
{
    public bool Passed => Missing == 0 && DuplicatedKeys == 0 && RefusedArchived == 0;
}

/// <summary>A refused scan found in the archive, as the archive has it: when it was sent and when the server decided it (seconds from the start of the load), and how.</summary>
public sealed record RefusedButDecided(ScanKey Key, double SentAtSeconds, double DecidedAtSeconds, string Code, bool Allowed, bool Probe, double? AnsweredAfterMs);

/// <summary>A closed-loop scan step of the short search for the maximum rate.</summary>
public sealed record SearchStep(int Connections, double DurationSeconds, double RequestsPerSecond, LatencyStats Latency, long Non2xx);

/// <summary>Everything a fault run measured: results.json, and the source of report.md and chart.svg.</summary>
public sealed record FaultsResults(
    string Mode, DateTimeOffset StartedAt, double TotalMinutes, string Command, string Commit, IReadOnlyList<string> UncommittedSource,
    MachineInfo Machine, IReadOnlyDictionary<string, string> ServerOverrides, SeedResult Seed,
    IReadOnlyList<SearchStep> Search, double MaxScansPerSecond, int RatePercent, double Rate, int Connections, int MaxLagMs,
    double LoadSeconds, long WrkRequests, IReadOnlyDictionary<string, long> WrkStatuses, IReadOnlyDictionary<string, long> WrkErrors,
    IReadOnlyList<FaultEvent> Events, IReadOnlyList<PhaseSummary> Phases, IReadOnlyList<TimelineRow> Rows, IReadOnlyList<TimelineRow> Seconds,
    IReadOnlyList<HealthSample> Health, IReadOnlyList<HealthSpan> HealthSpans,
    FaultArchiveVerdict Archive, IReadOnlyList<RefusedButDecided> RefusedDecided, IReadOnlyList<LoggedMessage> ServerLog, IReadOnlyList<string> Notes)
{
    /// <summary>What results.json's "mode" says, so a fault run's results are told from a scan run's.</summary>
    public const string ModeName = "faults";

    public const string Steady = "steady";
    public const string RedisRestart = "Redis restarted with its AOF";
    public const string RedisEmpty = "Redis restarted empty";
    public const string PostgresStopped = "PostgreSQL stopped";
    public const string PostgresBack = "PostgreSQL back";

    /// <summary>Every answer by status, the load's and the probe's together: "200", "503", ...</summary>
    public IReadOnlyDictionary<string, long> AllStatuses =>
        Phases.SelectMany(p => p.NotOk.Concat(p.ProbeNotOk).Select(kv => (Status: kv.Key.Split(' ')[0], kv.Value)))
            .GroupBy(x => x.Status).ToDictionary(g => g.Key, g => g.Sum(x => x.Value));

    /// <summary>5xx other than 503 (a store away is 503 by design; a 500 is a bug).</summary>
    public long Unexpected5xx => AllStatuses.Where(kv => kv.Key.StartsWith('5') && kv.Key != "503").Sum(kv => kv.Value);

    /// <summary>The run's verdict: what makes it exit non-zero.</summary>
    public IReadOnlyList<TargetCheck> Checks =>
    [
        new("no 500 (no 5xx other than 503) from the load or the probe",
            $"{Unexpected5xx} ({string.Join(", ", AllStatuses.Where(kv => kv.Key.StartsWith('5')).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value:N0}"))})".Replace(" ()", "", StringComparison.Ordinal),
            Unexpected5xx == 0),
        new("every scan answered 200 is in PostgreSQL", MissingText(), Archive.Missing == 0),
        new("no (gate, scan id) twice in PostgreSQL",
            $"{Archive.ArchivedRows:N0} rows, {Archive.DistinctArchivedKeys:N0} distinct; {Archive.DuplicatedKeys:N0} keys more than once{ByPhase(Archive.DuplicatedByPhase)}", Archive.DuplicatedKeys == 0),
        new("no refused scan is in PostgreSQL: a scan answered 503 (\"nothing was done\") never takes effect later",
            $"{Archive.RefusedAnswers:N0} refusals answered; {Archive.RefusedArchived:N0} scans not answered 200 and not sent to a server going away are archived{ByPhase(Archive.RefusedArchivedByPhase)}" +
                (RefusedDecided.Any(r => r.Probe) ? $", among them {RefusedDecided.Count(r => r.Probe)} of the probe's, each known to have been answered 503" : "") +
                (Archive.UnansweredArchived > 0 ? $"; apart: {Archive.UnansweredArchived:N0} sent while the server was going away, unanswered and archived" : ""),
            Archive.RefusedArchived == 0),
    ];

    /// <summary>What the server is expected to do under each fault (docs/hot-path.md, issue 12), against what it did. Reported; the exit code is <see cref="Checks"/>'.</summary>
    public IReadOnlyList<TargetCheck> Expectations
    {
        get
        {
            var list = new List<TargetCheck>();
            foreach (var p in new[] { Phase(RedisRestart), Phase(RedisEmpty) }.OfType<PhaseSummary>()) list.AddRange(RedisExpectations(p));
            if (Phase(PostgresStopped) is { } down) list.AddRange(PostgresExpectations(down, Phase(PostgresBack)));
            return list;
        }
    }

    private IEnumerable<TargetCheck> RedisExpectations(PhaseSummary p)
    {
        // "no answer" (the probe's, while the server process itself was away) is not a refusal.
        var refusals = Sum(p.NotOk, p.ProbeNotOk.Where(kv => kv.Key != FaultTimeline.NotOkKey(0, "")).ToDictionary());
        yield return new($"{p.Name}: every refused scan answered 503 store_unavailable",
            refusals.Count == 0 ? "no scan refused" : Counts(refusals), refusals.Keys.All(k => k == StoreUnavailable));
        var probe = p.ProbeNotOkLatency;
        yield return new($"{p.Name}: refused within the scan's 250 ms budget (the probe's scans, timed one by one)",
            probe.Count == 0 ? "no probe scan was refused" : string.Create(CultureInfo.InvariantCulture, $"{probe.Count} refused, slowest {probe.Max:0.0} ms (p50 {probe.P50:0.0})"),
            probe.Count == 0 || probe.Max <= 250);
        yield return new($"{p.Name}: scans answered again within about a second of Redis answering PING",
            p.OutageEndAfterSeconds is null ? "no scan refused" : string.Create(CultureInfo.InvariantCulture,
                $"non-2xx from {p.FirstNotOkAfterSeconds:0.000} to {p.OutageEndAfterSeconds:0.000} s after the kill; PING answered at {p.StoreBackAfterSeconds:0.000} s; the last non-2xx {p.OutageEndAfterStoreBack:+0.000;-0.000} s from it") +
                (p.LaterNotOk > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({p.LaterNotOk:N0} more non-2xx later in the phase, the last at {p.LastNotOkAfterSeconds:0.0} s)") : ""),
            (p.OutageEndAfterStoreBack ?? 0) <= 1.0);
        var outage = Health.Where(h => h.AtSeconds >= p.StartSeconds && h.AtSeconds <= p.StartSeconds + Math.Max(p.StoreBackAfterSeconds ?? 0, p.OutageEndAfterSeconds ?? 0)).ToList();
        yield return new($"{p.Name}: /health/ready 503 while scans could not be decided",
            outage.Count == 0 ? "no sample fell in the outage (polled once a second)" : string.Join(", ", outage.Select(h => h.Label).Distinct()),
            outage.All(h => h.Status is 503 or 0));
        if (p.Name != RedisEmpty) yield break;

        // Redis lost its data: the server is to notice within a second and put back the citizens and bookings itself.
        var refill = ServerLog.FirstOrDefault(l => l.Message.Contains("put back", StringComparison.Ordinal) && l.FirstAtSeconds >= p.StartSeconds);
        yield return new($"{p.Name}: the server put the hot state back by itself",
            refill is null ? "no refill logged after the restart" : string.Create(CultureInfo.InvariantCulture, $"{refill.FirstAtSeconds - p.StartSeconds:+0.0} s after the kill: \"{refill.Message}\""),
            refill is not null);
        var after = Events.Where(e => e.AtSeconds >= p.StartSeconds && e.AtSeconds < p.EndSeconds && e.What.StartsWith("server", StringComparison.Ordinal)).ToList();
        var watchdog = ServerLog.FirstOrDefault(l => l.Category.EndsWith("MembershipWatchdog", StringComparison.Ordinal) && l.FirstAtSeconds >= p.StartSeconds);
        yield return new($"{p.Name}: scans answered throughout once the hot state was back (no second without an answer)",
            p.SilentSeconds == 0 ? "no silent second" : string.Create(CultureInfo.InvariantCulture,
                $"no answer at all from {p.FirstSilentAfterSeconds:0} to {p.LastSilentAfterSeconds:0} s after the kill ({p.SilentSeconds} s)") +
                (watchdog is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; at {watchdog.FirstAtSeconds - p.StartSeconds:+0.0} s the server logged \"{watchdog.Message}\"")) +
                (after.Count == 0 ? "" : "; then " + string.Join(", ", after.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.AtSeconds - p.StartSeconds:+0.0} s {e.What}")))),
            p.SilentSeconds == 0);
    }

    private IEnumerable<TargetCheck> PostgresExpectations(PhaseSummary down, PhaseSummary? after)
    {
        yield return new("PostgreSQL stopped: every scan answered 2xx (from the hot state and the gate directory's copy)",
            $"{down.Ok:N0} 2xx, {down.NotOkTotal:N0} non-2xx{(down.NotOk.Count > 0 ? $" ({Counts(down.NotOk)})" : "")}, {down.NotAnswered200:N0} of {down.Sent:N0} sent not answered 200, probe {down.Probes - down.ProbeNotOk.Values.Sum()} of {down.Probes} 2xx",
            down.NotOkTotal == 0 && down.ProbeNotOk.Count == 0 && down.NotAnswered200 == 0);
        if (after is not null)
        {
            yield return new("PostgreSQL back: every scan answered 2xx",
                $"{after.Ok:N0} 2xx, {after.NotOkTotal:N0} non-2xx{(after.NotOk.Count > 0 ? $" ({Counts(after.NotOk)})" : "")}", after.NotOkTotal == 0 && after.ProbeNotOk.Count == 0);
        }
        // From the moment it had stopped to the moment it was asked to start.
        var stopped = Events.FirstOrDefault(e => e.What == "PostgreSQL stopped")?.AtSeconds ?? down.StartSeconds;
        var starting = Events.FirstOrDefault(e => e.What == "pg_ctl start")?.AtSeconds ?? down.EndSeconds;
        var samples = Health.Where(h => h.AtSeconds >= stopped && h.AtSeconds < starting).ToList();
        yield return new("PostgreSQL stopped: /health/ready 200 Degraded, naming PostgreSQL",
            samples.Count == 0 ? "no sample" : string.Join(", ", samples.GroupBy(h => h.Label).Select(g => $"{g.Key}: {g.Count()}")),
            samples.Count > 0 && samples.All(h => h.Status == 200 && h.Report == "Degraded" && h.Records == "down"));
        var steadyMax = Health.Where(h => h.AtSeconds < down.StartSeconds && h.ArchiveBacklog is not null).Select(h => h.ArchiveBacklog!.Value).DefaultIfEmpty(0).Max();
        var threshold = Math.Max(1_000, steadyMax);
        var peak = Health.Where(h => h.AtSeconds >= down.StartSeconds && h.AtSeconds < down.EndSeconds + 2 && h.ArchiveBacklog is not null)
            .Select(h => h.ArchiveBacklog!.Value).DefaultIfEmpty(0).Max();
        var drained = Health.FirstOrDefault(h => h.AtSeconds >= down.EndSeconds && h.ArchiveBacklog is { } b && b <= threshold);
        var last = Health.LastOrDefault(h => h.ArchiveBacklog is not null);
        var lost = Archive.MissingByPhase.Where(kv => kv.Key is PostgresStopped or PostgresBack).Sum(kv => kv.Value);
        // What counts is that they reached the archive; how fast the backlog drains is the archiver's pace on a busy machine.
        yield return new("PostgreSQL stopped: the scans it missed were archived once it was back",
            string.Create(CultureInfo.InvariantCulture, $"archive backlog up to {peak:N0} scan records while it was stopped; back under {threshold:N0} (the steady level) ") +
                (drained is not null
                    ? string.Create(CultureInfo.InvariantCulture, $"{drained.AtSeconds - down.EndSeconds:0} s after it started")
                    : string.Create(CultureInfo.InvariantCulture, $"only after the load: {last?.ArchiveBacklog:N0} left at {last?.AtSeconds - down.EndSeconds:0} s after it started, drained {Archive.CatchUpSeconds:0} s after the load stopped")) +
                $"; {lost:N0} of the scans answered 200 from its stop to the end missing from the archive",
            lost == 0);
    }

    /// <summary>
    /// The missing scans by the Redis kill they were answered shortly before (within <see cref="MissingBefore"/> s, as far
    /// back as the archive can lag; or up to <see cref="MissingAfter"/> s after it, as wrk logs an answer a moment after
    /// the server sent it): how many, and when, relative to it.
    /// </summary>
    public IReadOnlyList<(FaultEvent Fault, int Count, double From, double To)> MissingAroundFaults
    {
        get
        {
            var kills = Events.Where(e => e.What.StartsWith("SIGKILL", StringComparison.Ordinal)).ToList();
            return
            [
                .. kills.Select(k => (Fault: k, Times: Archive.MissingAnsweredAt.Where(t => t >= k.AtSeconds - MissingBefore && t < k.AtSeconds + MissingAfter).ToList()))
                    .Where(x => x.Times.Count > 0)
                    .Select(x => (x.Fault, x.Times.Count, x.Times.Min() - x.Fault.AtSeconds, x.Times.Max() - x.Fault.AtSeconds)),
            ];
        }
    }

    private const double MissingBefore = 10, MissingAfter = 2;

    private const string StoreUnavailable = "503 store_unavailable";

    private static Dictionary<string, long> Sum(params IReadOnlyDictionary<string, long>[] counts) =>
        counts.SelectMany(c => c).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);

    /// <summary>"503 store_unavailable: 1,204; 500 internal_error: 3".</summary>
    public static string Counts(IReadOnlyDictionary<string, long> counts) =>
        string.Join("; ", counts.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key}: {kv.Value:N0}"));

    /// <summary>The missing scans by the fault they were answered next to, and the rest by phase.</summary>
    private string MissingText()
    {
        var around = MissingAroundFaults;
        var text = $"{Archive.Answered200:N0} answered 200, {Archive.Missing:N0} missing";
        if (around.Count == 0) return text + ByPhase(Archive.MissingByPhase);
        text += string.Concat(around.Select(m => string.Create(CultureInfo.InvariantCulture, $"; {m.Count:N0} answered {m.From:+0.000;-0.000} to {m.To:+0.000;-0.000} s from \"{m.Fault.What}\"")));
        var rest = Archive.Missing - around.Sum(m => m.Count);
        return rest > 0 ? text + string.Create(CultureInfo.InvariantCulture, $"; {rest:N0} others") : text;
    }

    private static string ByPhase(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "" : " (" + string.Join("; ", counts.Select(kv => $"{kv.Key}: {kv.Value:N0}")) + ")";

    public PhaseSummary? Phase(string name) => Phases.FirstOrDefault(p => p.Name == name);
}
