using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>
/// Where the machine's CPU went during one step of the cluster run, in cores (1.0 = one core busy throughout): each
/// server process, the Redis primary (with its forks), the replicas, the sentinels, PostgreSQL (postmaster and
/// backends), haproxy, wrk, the runner, everything else, idle.
/// </summary>
public sealed record ClusterCpu(IReadOnlyList<double> Servers, double RedisPrimary, double RedisReplicas, double Sentinels, double Postgres, double Haproxy,
    double Wrk, double Runner, double Other, double Idle, int Cores)
{
    public double ServersTotal => Servers.Sum();

    /// <summary>The process kinds the report shows per request, in its order.</summary>
    public IReadOnlyList<(string Kind, double Cores)> ByKind =>
    [
        ("servers", ServersTotal), ("redis primary", RedisPrimary), ("redis replicas", RedisReplicas), ("sentinels", Sentinels),
        ("postgres", Postgres), ("haproxy", Haproxy), ("wrk", Wrk), ("runner", Runner), ("other", Other),
    ];

    public double Busy => ByKind.Sum(k => k.Cores);
}

/// <summary>One closed-loop step of the scaling part: an endpoint through the balancer with this many servers in rotation.</summary>
public sealed record ScalingStep(int Servers, string Endpoint, int Connections, double Seconds, double RequestsPerSecond, LatencyStats Latency,
    long Non2xx, long SocketErrors, ClusterCpu Cpu)
{
    /// <summary>The endpoint of a step with no request: what the processes spend in the background.</summary>
    public const string AtRest = "at rest";

    /// <summary>CPU time per request, in µs, of a share of the machine measured in cores.</summary>
    public double MicrosPerRequest(double cores) => RequestsPerSecond > 0 ? cores * 1e6 / RequestsPerSecond : 0;
}

/// <summary>
/// Citizens' pass reads (<c>GET /v1/me/pass</c>, through the citizen grains) through the balancer after a server was
/// killed: rounds over the same signed-in citizens until one round is all 200. Their grains were activated before the
/// load, some on the killed silo; once the cluster has declared it dead they are activated again elsewhere.
/// </summary>
public sealed record GrainCheck(int Citizens, int Rounds, long Reads, long NotOk, IReadOnlyDictionary<string, long> NotOkByCode, double SlowestMs,
    double? AllAnsweredAfterSeconds);

/// <summary>A staff status change (<c>PUT /v1/citizens/{id}/status</c> through the balancer) and what it was answered, seconds from the start of the load.</summary>
public sealed record StatusChangeTry(double AtSeconds, string While, int Status, string Code, double Ms);

/// <summary>haproxy's state of each server at one moment ("s1" -> "UP").</summary>
public sealed record BalancerSample(double AtSeconds, IReadOnlyDictionary<string, string> States)
{
    public string Label => States.Count == 0 ? "no answer" : string.Join(" ", States.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}

/// <summary>Consecutive balancer samples that said the same.</summary>
public sealed record BalancerSpan(double FromSeconds, double ToSeconds, string Label, int Samples);

/// <summary>One server's own <c>/health/ready</c>, polled once a second beside the balancer's.</summary>
public sealed record ServerHealth(int Server, IReadOnlyList<HealthSample> Samples, IReadOnlyList<HealthSpan> Spans);

/// <summary>Everything a cluster run measured: results.json, and the source of report.md and the charts.</summary>
public sealed record ClusterResults(
    string Mode, DateTimeOffset StartedAt, double TotalMinutes, string Command, string Commit, IReadOnlyList<string> UncommittedSource,
    MachineInfo Machine, string LoadAverageBefore, bool Quick, IReadOnlyDictionary<string, string> ServerOverrides, SeedResult Seed,
    IReadOnlyList<ScalingStep> Scaling,
    double MaxScansPerSecond, int RatePercent, double Rate, int Connections, int MaxLagMs, int KilledServer, int CutServer,
    double LoadSeconds, long WrkRequests, IReadOnlyDictionary<string, long> WrkStatuses, IReadOnlyDictionary<string, long> WrkErrors,
    IReadOnlyList<FaultEvent> Events, IReadOnlyList<PhaseSummary> Phases, IReadOnlyList<TimelineRow> Rows, IReadOnlyList<TimelineRow> Seconds,
    IReadOnlyList<HealthSample> Health, IReadOnlyList<HealthSpan> HealthSpans, IReadOnlyList<ServerHealth> ServersHealth,
    IReadOnlyList<BalancerSample> Balancer, IReadOnlyList<BalancerSpan> BalancerSpans,
    GrainCheck? GrainsAfterKill, IReadOnlyList<StatusChangeTry> StatusChanges,
    FaultArchiveVerdict Archive, IReadOnlyList<RefusedButDecided> RefusedDecided, IReadOnlyList<LoggedMessage> ServerLog, IReadOnlyList<string> Notes)
{
    /// <summary>What results.json's "mode" says.</summary>
    public const string ModeName = "cluster";

    public const string Steady = "steady";
    public const string ServerKilled = "server killed";
    public const string Rolling = "rolling restart";
    public const string RedisPrimaryKilled = "Redis primary killed";
    public const string PostgresStopped = "PostgreSQL stopped";
    public const string PostgresBack = "PostgreSQL back";
    public const string ServerCut = "server cut off from Redis";

    /// <summary>The best closed-loop rate of an endpoint with this many servers (over the connection counts tried).</summary>
    public ScalingStep? Best(int servers, string endpoint) =>
        Scaling.Where(s => s.Servers == servers && s.Endpoint == endpoint).MaxBy(s => s.RequestsPerSecond);

    public PhaseSummary? Phase(string name) => Phases.FirstOrDefault(p => p.Name == name);

    /// <summary>Every answer by status, the load's and the probe's, the scaling steps', the status changes' and the pass reads': "200", "503", ...</summary>
    public IReadOnlyDictionary<string, long> NotOkStatuses
    {
        get
        {
            static string Status(string key) => key == FaultTimeline.NotOkKey(0, "") ? key : key.Split(' ')[0];
            var all = Phases.SelectMany(p => p.NotOk.Concat(p.ProbeNotOk)).Select(kv => (Status: Status(kv.Key), kv.Value))
                .Concat(Scaling.Select(s => (Status: "non-2xx in the scaling steps", Value: s.Non2xx)))
                .Concat(StatusChanges.Where(s => s.Status is < 200 or >= 300).Select(s => (Status: s.Status.ToString(CultureInfo.InvariantCulture), Value: 1L)))
                .Concat((GrainsAfterKill?.NotOkByCode ?? new Dictionary<string, long>()).Select(kv => (Status: Status(kv.Key), kv.Value)));
            return all.Where(x => x.Value > 0).GroupBy(x => x.Status).ToDictionary(g => g.Key, g => g.Sum(x => x.Value), StringComparer.Ordinal);
        }
    }

    /// <summary>A server's bug: 500 from anything. (502/504 are haproxy's: a request in flight on a server that died.)</summary>
    public long Count500 => NotOkStatuses.GetValueOrDefault("500");

    /// <summary>The run's verdict: what makes it exit non-zero.</summary>
    public IReadOnlyList<TargetCheck> Checks
    {
        get
        {
            var lostInFailover = LostInFailover;
            var otherMissing = Archive.Missing - lostInFailover;
            return
            [
                new("no 500 anywhere (the load, the probe, the scaling steps, the status changes, the pass reads)",
                    $"{Count500:N0}; non-2xx seen: {(NotOkStatuses.Count == 0 ? "none" : string.Join(", ", NotOkStatuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}: {kv.Value:N0}")))}",
                    Count500 == 0),
                new("every scan answered 200 is in PostgreSQL, apart from what a Redis failover can lose (docs/hot-path.md: records not yet archived)",
                    $"{Archive.Answered200:N0} answered 200, {Archive.Missing:N0} missing: {lostInFailover:N0} answered from 10 s before the Redis primary's kill to the end of its phase, {otherMissing:N0} elsewhere{ByPhase(Archive.MissingByPhase)}",
                    otherMissing == 0),
                new("no (gate, scan id) twice in PostgreSQL",
                    $"{Archive.ArchivedRows:N0} rows, {Archive.DistinctArchivedKeys:N0} distinct; {Archive.DuplicatedKeys:N0} keys more than once{ByPhase(Archive.DuplicatedByPhase)}", Archive.DuplicatedKeys == 0),
                new("no refused scan is in PostgreSQL (a scan answered 503 never takes effect later)",
                    $"{Archive.RefusedAnswers:N0} problem answers; {Archive.RefusedArchived:N0} scans not answered 200 (and not in flight on a server killed) archived{ByPhase(Archive.RefusedArchivedByPhase)}" +
                        (Archive.UnansweredArchived > 0 ? $"; apart: {Archive.UnansweredArchived:N0} in flight on the killed server, answered 502 by haproxy and archived (decided before the kill)" : ""),
                    Archive.RefusedArchived == 0),
            ];
        }
    }

    /// <summary>What each drill is expected to do (issue 13), against what it did. Reported; the exit code is <see cref="Checks"/>'.</summary>
    public IReadOnlyList<TargetCheck> Expectations
    {
        get
        {
            var list = new List<TargetCheck>();
            if (Phase(ServerKilled) is { } kill)
            {
                list.Add(new($"{kill.Name}: requests failed only for a moment (those in flight on the killed server)", Failed(kill), kill.FailureWindowSeconds is null or <= 3));
                var g = GrainsAfterKill;
                list.Add(new($"{kill.Name}: every citizen's pass answers through the balancer again (grains of the dead silo activated elsewhere)",
                    g is null ? "not checked" : string.Create(CultureInfo.InvariantCulture,
                        $"{g.Citizens} citizens, {g.Rounds} rounds, {g.Reads} reads, {g.NotOk} not 200{(g.NotOk > 0 ? $" ({FaultsResults.Counts(g.NotOkByCode)})" : "")}, slowest {g.SlowestMs:N0} ms; ") +
                        (g.AllAnsweredAfterSeconds is { } t ? string.Create(CultureInfo.InvariantCulture, $"all 200 in a round that ended {t:0.0} s after the kill") : "never all 200 within the check"),
                    g?.AllAnsweredAfterSeconds is not null));
            }
            if (Phase(Rolling) is { } rolling)
            {
                list.Add(new($"{rolling.Name}: zero failed requests (each server out of the balancer before SIGTERM, back in before the next)", Failed(rolling),
                    rolling.NotOkTotal == 0 && rolling.NotAnswered200 == 0 && rolling.ProbeNotOk.Count == 0));
            }
            if (Phase(RedisPrimaryKilled) is { } redis)
            {
                var lost = LostInFailover;
                list.Add(new($"{redis.Name}: scans fail only until the sentinels have promoted a replica", Failed(redis) +
                    string.Create(CultureInfo.InvariantCulture, $"; promoted {redis.StoreBackAfterSeconds:0.0} s after the kill"),
                    (redis.OutageEndAfterStoreBack ?? 0) <= 3));
                list.Add(new($"{redis.Name}: lost at most what docs/hot-path.md says a failover can lose (scan records not yet archived: the archiver polls every 100 ms, replication is asynchronous)",
                    $"{lost:N0} scans answered 200 missing from the archive" + MissingAround(redis), lost <= Rate));
                var repairs = ServerLog.Where(l => l.FirstAtSeconds >= redis.StartSeconds && l.FirstAtSeconds < redis.EndSeconds
                    && (l.Message.Contains("put back", StringComparison.Ordinal) || l.Message.Contains("Repaired", StringComparison.Ordinal) || l.Message.Contains("reconcil", StringComparison.OrdinalIgnoreCase))).ToList();
                list.Add(new($"{redis.Name}: what the servers' refill and reconcilers logged as repaired (warnings and above)",
                    repairs.Count == 0 ? "nothing logged: no marker key was lost with the failover, so no refill ran (the reconciler's hourly pushes log nothing at Warning)"
                        : string.Join("; ", repairs.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Log} +{r.FirstAtSeconds - redis.StartSeconds:0.0} s: \"{r.Message}\" ×{r.Count}"))),
                    true));
            }
            if (Phase(PostgresStopped) is { } pg)
            {
                var fives = pg.NotOk.Where(kv => kv.Key.StartsWith('5')).Sum(kv => kv.Value);
                list.Add(new($"{pg.Name}: scans still decided (no 5xx)", $"{pg.Ok:N0} 2xx, {pg.NotOkTotal:N0} non-2xx{(pg.NotOk.Count > 0 ? $" ({FaultsResults.Counts(pg.NotOk)})" : "")}", fives == 0));
                var down = StatusChanges.Where(s => s.While == "PostgreSQL stopped").ToList();
                var after = StatusChanges.Where(s => s.While == "PostgreSQL back").ToList();
                list.Add(new($"{pg.Name}: a staff status change answers 503 store_unavailable",
                    down.Count == 0 ? "not tried" : string.Join("; ", down.Select(Try)), down.Count > 0 && down.All(s => s.Status == 503 && s.Code == "store_unavailable")));
                list.Add(new($"{PostgresBack}: the status change succeeds",
                    after.Count == 0 ? "not tried" : string.Join("; ", after.Select(Try)), after.Count > 0 && after[^1].Status == 200));
                var peak = Health.Where(h => h.AtSeconds >= pg.StartSeconds && h.AtSeconds < pg.EndSeconds + 2 && h.ArchiveBacklog is not null).Select(h => h.ArchiveBacklog!.Value).DefaultIfEmpty(0).Max();
                var steady = Health.Where(h => h.AtSeconds < pg.StartSeconds && h.ArchiveBacklog is not null).Select(h => h.ArchiveBacklog!.Value).DefaultIfEmpty(0).Max();
                var threshold = Math.Max(1_000, steady);
                var drained = Health.FirstOrDefault(h => h.AtSeconds >= pg.EndSeconds && h.ArchiveBacklog is { } b && b <= threshold);
                list.Add(new($"{pg.Name}: the archive catches up once it is back (backlog drained)",
                    string.Create(CultureInfo.InvariantCulture, $"backlog up to {peak:N0} scan records while it was stopped; ") +
                        (drained is not null ? string.Create(CultureInfo.InvariantCulture, $"back under {threshold:N0} {drained.AtSeconds - pg.EndSeconds:0} s after it started")
                            : string.Create(CultureInfo.InvariantCulture, $"drained only after the load ({Archive.CatchUpSeconds:0} s after it stopped)")),
                    drained is not null));
            }
            if (Phase(ServerCut) is { } cut)
            {
                var mine = ServersHealth.FirstOrDefault(s => s.Server == CutServer)?.Samples ?? [];
                var notReady = mine.FirstOrDefault(h => h.AtSeconds >= cut.StartSeconds && h.Status == 503);
                var name = $"s{CutServer.ToString(CultureInfo.InvariantCulture)}";
                var down = Balancer.FirstOrDefault(b => b.AtSeconds >= cut.StartSeconds && b.States.TryGetValue(name, out var s) && s.StartsWith("DOWN", StringComparison.Ordinal));
                var heal = Events.FirstOrDefault(e => e.AtSeconds >= cut.StartSeconds && e.What.StartsWith("cluster.sh heal", StringComparison.Ordinal));
                var up = heal is null ? null : Balancer.FirstOrDefault(b => b.AtSeconds >= heal.AtSeconds && b.States.TryGetValue(name, out var s) && s == "UP");
                list.Add(new($"{cut.Name}: server {CutServer} reports not ready (/health/ready 503)",
                    notReady is null ? "never 503" : string.Create(CultureInfo.InvariantCulture, $"503 {notReady.AtSeconds - cut.StartSeconds:0.0} s after the cut ({notReady.Label})"), notReady is not null));
                list.Add(new($"{cut.Name}: haproxy takes it out of rotation (DOWN) and the failed requests stay few",
                    (down is null ? "never DOWN" : string.Create(CultureInfo.InvariantCulture, $"DOWN {down.AtSeconds - cut.StartSeconds:0.0} s after the cut")) + "; " + Failed(cut),
                    down is not null));
                list.Add(new($"{cut.Name}: back in rotation after heal",
                    up is null ? "not UP again within the phase" : string.Create(CultureInfo.InvariantCulture, $"UP {up.AtSeconds - heal!.AtSeconds:0.0} s after heal"), up is not null));
            }
            return list;
        }
    }

    /// <summary>"N failed (503 store_unavailable: ...), from +a to +b s after the fault (w s); N sent and never answered 200".</summary>
    public static string Failed(PhaseSummary p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var text = p.NotOkTotal == 0 ? "0 failed answers" : string.Create(CultureInfo.InvariantCulture,
            $"{p.NotOkTotal:N0} failed answers ({FaultsResults.Counts(p.NotOk)}): {p.NotOkTotal - p.LaterNotOk:N0} in the outage from {p.FirstNotOkAfterSeconds:+0.000} to {p.OutageEndAfterSeconds:+0.000} s after the fault") +
            (p.LaterNotOk > 0 ? string.Create(CultureInfo.InvariantCulture, $", {p.LaterNotOk:N0} later in the phase (the last at {p.LastNotOkAfterSeconds:+0.0} s)") : "");
        if (p.NotAnswered200 > 0) text += string.Create(CultureInfo.InvariantCulture, $"; {p.NotAnswered200:N0} scans sent and never answered 200");
        // A problem answer carries no scan id: the scans sent and never answered beyond them had no answer at all (the connection closed).
        if (p.NotAnswered200 > p.NotOkTotal) text += string.Create(CultureInfo.InvariantCulture, $", {p.NotAnswered200 - p.NotOkTotal:N0} of them with no answer at all (connection closed)");
        if (p.ProbeNotOk.Count > 0) text += $"; probe: {FaultsResults.Counts(p.ProbeNotOk)}";
        return text;
    }

    /// <summary>
    /// Scans answered 200 and missing from the archive that were answered from 10 s before the Redis primary's kill (as far
    /// back as an unarchived record can be) to the end of that phase: what the failover lost.
    /// </summary>
    public long LostInFailover => Phase(RedisPrimaryKilled) is { } p
        ? Archive.MissingAnsweredAt.Count(t => t >= p.StartSeconds - 10 && t < p.EndSeconds)
        : 0;

    private string MissingAround(PhaseSummary p)
    {
        var times = Archive.MissingAnsweredAt.Where(t => t >= p.StartSeconds - 10 && t < p.EndSeconds).ToList();
        return times.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", answered {times.Min() - p.StartSeconds:+0.000;-0.000} to {times.Max() - p.StartSeconds:+0.000;-0.000} s from the kill");
    }

    private static string Try(StatusChangeTry t) => string.Create(CultureInfo.InvariantCulture, $"{t.AtSeconds:0.0} s: {t.Status} {t.Code} in {t.Ms:N0} ms");

    private static string ByPhase(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "" : " (" + string.Join("; ", counts.Select(kv => $"{kv.Key}: {kv.Value:N0}")) + ")";
}
