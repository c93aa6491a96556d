namespace CityPass.LoadTests;

/// <summary>One wrk process's part of a grain-run step: the server process it drove and what it saw on its own.</summary>
public sealed record WrkShare(int ServerPort, int Connections, int Threads, long Requests, double RequestsPerSecond, LatencyStats WrkLatency,
    IReadOnlyDictionary<string, long> Statuses, long SocketErrors);

/// <summary>
/// What the CPU did over one measured stretch, in cores: the machine's split (<see cref="CpuMeter"/>), each server
/// process's share of <see cref="CpuSplit.Server"/>, and the server processes' CPU by kind of thread (<see cref="ThreadCpu"/>).
/// </summary>
public sealed record CpuUse(CpuSplit Split, IReadOnlyList<double> ServerCores, IReadOnlyDictionary<string, double> ServerThreads);

/// <summary>
/// CPU time per request (or per citizen changed) in microseconds, by process, and the server's by kind of thread:
/// what one request cost the machine's cores. The load generator is wrk; the runner is the runner's own process
/// (the HTTP client of the status changes).
/// </summary>
public sealed record CpuCost(double Server, IReadOnlyList<double> ByServerProcess, IReadOnlyDictionary<string, double> ServerByThreadKind,
    double LoadGenerator, double Runner, double Redis, double Postgres, double Other)
{
    public static CpuCost Of(CpuUse cpu, double perSecond)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        double Us(double cores) => perSecond > 0 ? cores * 1_000_000 / perSecond : 0;
        var split = cpu.Split;
        return new(Us(split.Server), [.. cpu.ServerCores.Select(Us)], cpu.ServerThreads.ToDictionary(kv => kv.Key, kv => Us(kv.Value)),
            Us(split.LoadGenerator), Us(split.Runner), Us(split.Redis), Us(split.Postgres), Us(split.Other));
    }
}

/// <summary>
/// One closed-loop step of the grain run: an endpoint on one topology at a total connection count, driven by
/// one wrk per server process at once (the connections split between them) and summed: requests/s added up,
/// latency merged from each wrk's latency points (<see cref="LatencyQuantiles"/>).
/// </summary>
public sealed record GrainStep(
    string Id, string Endpoint, int ServerProcesses, int Connections, int Round, double DurationSeconds, double RequestsPerSecond,
    LatencyStats Latency, IReadOnlyDictionary<string, long> Statuses, IReadOnlyDictionary<string, long> Kinds, long SocketErrors,
    // Cores busy over the step; the server processes in the order of Shares.
    CpuUse Cpu, IReadOnlyList<WrkShare> Shares)
{
    public long Count5xx => Statuses.Where(s => s.Key.StartsWith('5')).Sum(s => s.Value);

    public long Non2xx => Statuses.Where(s => !s.Key.StartsWith('2')).Sum(s => s.Value);

    public CpuCost CpuPerRequest => CpuCost.Of(Cpu, RequestsPerSecond);

    /// <summary>The total connections split as evenly as whole connections allow, the first processes taking the remainder.</summary>
    public static IReadOnlyList<int> SplitConnections(int total, int processes)
    {
        if (processes < 1) throw new ArgumentOutOfRangeException(nameof(processes), processes, "At least one process.");
        if (total < processes) throw new ArgumentOutOfRangeException(nameof(total), total, "At least a connection for each process.");
        return [.. Enumerable.Range(0, processes).Select(i => (total / processes) + (i < total % processes ? 1 : 0))];
    }

    /// <summary>The step from its wrk runs (one per server process, run at once) and the CPU measured around them.</summary>
    public static GrainStep Combine(string id, string endpoint, int round, IReadOnlyList<(int ServerPort, int Connections, int Threads, WrkSummary Summary)> runs,
        CpuUse cpu)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0) throw new ArgumentException("No wrk run.", nameof(runs));
        static Dictionary<string, long> Sum(IEnumerable<IReadOnlyDictionary<string, long>> counts) =>
            counts.SelectMany(c => c).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        var summaries = runs.Select(r => r.Summary).ToList();
        return new GrainStep(id, endpoint, runs.Count, runs.Sum(r => r.Connections), round, summaries.Max(s => s.DurationSeconds),
            summaries.Sum(s => s.RequestsPerSecond), LatencyQuantiles.Merge(summaries), Sum(summaries.Select(s => s.Statuses)), Sum(summaries.Select(s => s.Kinds)),
            summaries.Sum(s => s.SocketErrors), cpu,
            [.. runs.Select(r => new WrkShare(r.ServerPort, r.Connections, r.Threads, r.Summary.Requests, r.Summary.RequestsPerSecond, r.Summary.WrkLatency,
                r.Summary.Statuses, r.Summary.SocketErrors))]);
    }
}

/// <summary>
/// A topology the pass reads ran on: its server processes (HTTP and silo ports), the membership table's rows
/// when it was measured, and the machine at rest with them up (what the silos cost with no request).
/// </summary>
public sealed record Topology(int ServerProcesses, IReadOnlyList<int> HttpPorts, IReadOnlyList<int> SiloPorts, IReadOnlyList<SiloRow> Membership,
    double RestSeconds, CpuUse AtRest)
{
    /// <summary>Every server process's silo is active in the membership table: the processes are one cluster.</summary>
    public bool OneCluster => SiloPorts.All(p => Membership.Any(r => r.Port == p && r.IsActive));
}

/// <summary>The single status changes: each a different citizen, a few in flight at once, each timed from its send to its answer.</summary>
public sealed record SingleChanges(int Changes, int Concurrency, int ServerProcesses, int WarmUpChanges, double WallSeconds, LatencyStats Latency,
    IReadOnlyDictionary<string, long> Statuses, int NotAdvanced, CpuUse Cpu)
{
    public double ChangesPerSecond => WallSeconds > 0 ? Changes / WallSeconds : 0;

    public long Succeeded => Statuses.GetValueOrDefault("200");

    public CpuCost CpuPerChange => CpuCost.Of(Cpu, ChangesPerSecond);
}

/// <summary>The one bulk status change: its answer, its wall time (send to last byte of the answer), and the store checked after it.</summary>
public sealed record BulkChange(int Citizens, int ServerProcesses, int Status, int Changed, int NotFound, int OtherItems, long ChangedInStore,
    double WallSeconds, long ResponseBytes, CpuUse Cpu)
{
    public double CitizensPerSecond => WallSeconds > 0 ? Citizens / WallSeconds : 0;

    public CpuCost CpuPerCitizen => CpuCost.Of(Cpu, CitizensPerSecond);

    /// <summary>The answer says every citizen was changed, and the store agrees.</summary>
    public bool AllChanged => Status == 202 && Changed == Citizens && NotFound == 0 && OtherItems == 0 && ChangedInStore == Citizens;
}

/// <summary>Everything a grain run measured: results.json, and the source of report.md and the docs section.</summary>
public sealed record GrainsResults(
    string Mode, DateTimeOffset StartedAt, double TotalMinutes, string Command, MachineInfo Machine, IReadOnlyDictionary<string, string> ServerOverrides,
    SeedResult Seed, int SignedInPerTopology, double SignInSeconds, IReadOnlyList<Topology> Topologies,
    // Every round of every step; Kept has the better round of each endpoint, topology and level.
    IReadOnlyList<GrainStep> Steps,
    SingleChanges Singles, BulkChange Bulk, IReadOnlyList<string> Notes)
{
    /// <summary>What results.json's "mode" says, so a grain run's results are told from a scan run's.</summary>
    public const string ModeName = "grains";

    public const string PassEndpoint = "GET /v1/me/pass";

    public const string PingEndpoint = "GET /v1/ping";

    /// <summary>The better round of each endpoint, topology and connection count (the machine is shared).</summary>
    public IReadOnlyList<GrainStep> Kept =>
    [
        .. Steps.GroupBy(s => (s.Endpoint, s.ServerProcesses, s.Connections)).Select(g => g.MaxBy(s => s.RequestsPerSecond)!)
            .OrderBy(s => s.ServerProcesses).ThenBy(s => s.Connections).ThenBy(s => s.Endpoint, StringComparer.Ordinal),
    ];

    /// <summary>The single process and the cluster.</summary>
    public int SingleProcess => Topologies.Min(t => t.ServerProcesses);

    public int ClusterProcesses => Topologies.Max(t => t.ServerProcesses);

    /// <summary>An endpoint's best level on a topology.</summary>
    public GrainStep Best(string endpoint, int serverProcesses) =>
        Kept.Where(s => s.Endpoint == endpoint && s.ServerProcesses == serverProcesses).MaxBy(s => s.RequestsPerSecond)
        ?? throw new InvalidOperationException($"No {endpoint} step on {serverProcesses} server process(es).");

    /// <summary>The cluster's best pass reads/s over the single process's.</summary>
    public double PassRatio => Best(PassEndpoint, ClusterProcesses).RequestsPerSecond / Best(PassEndpoint, SingleProcess).RequestsPerSecond;

    public double PingRatio => Best(PingEndpoint, ClusterProcesses).RequestsPerSecond / Best(PingEndpoint, SingleProcess).RequestsPerSecond;

    public IReadOnlyList<TargetCheck> Checks
    {
        get
        {
            var non2xx = Steps.Sum(s => s.Non2xx);
            var socket = Steps.Sum(s => s.SocketErrors);
            return
            [
                new($"the {ClusterProcesses} server processes' silos joined one cluster (each active in the membership table in Redis)",
                    string.Join("; ", Topologies.Select(t => $"{t.ServerProcesses} process(es): {t.Membership.Count(r => r.IsActive)} active silo(s)")),
                    Topologies.All(t => t.OneCluster && t.Membership.Count(r => r.IsActive) == t.ServerProcesses)),
                new("every pass read and ping answered 2xx",
                    $"{non2xx} non-2xx ({Steps.Sum(s => s.Count5xx)} 5xx), {socket} socket errors/timeouts over {Steps.Sum(s => s.Statuses.Values.Sum()):N0} responses",
                    non2xx == 0 && socket == 0),
                new("every pass read answered a pass", $"{Steps.Where(s => s.Endpoint == PassEndpoint).Sum(s => s.Kinds.GetValueOrDefault("other"))} answers without one",
                    Steps.Where(s => s.Endpoint == PassEndpoint).All(s => s.Kinds.GetValueOrDefault("other") == 0)),
                new("every single status change answered 200 with the citizen's next version",
                    $"{Singles.Succeeded:N0} of {Singles.Changes:N0} answered 200, {Singles.NotAdvanced} without the next version",
                    Singles.Succeeded == Singles.Changes && Singles.NotAdvanced == 0),
                new($"the bulk change of {Bulk.Citizens:N0} answered changed = {Bulk.Citizens:N0}, and PostgreSQL has them all changed",
                    $"HTTP {Bulk.Status}: changed {Bulk.Changed:N0}, not found {Bulk.NotFound}, other {Bulk.OtherItems}; {Bulk.ChangedInStore:N0} changed in PostgreSQL",
                    Bulk.AllChanged),
            ];
        }
    }
}
