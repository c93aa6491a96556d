namespace CityPass.LoadTests;

/// <summary>One measured step: a wrk run (or the soak's chunks together).</summary>
public sealed record ScenarioResult(
    string Id, string Group, string Title, string Endpoint, int Connections, double? TargetRate, double DurationSeconds,
    double RequestsPerSecond,
    // Scans: from the logs, timed from each request's planned start (fixed rate) or its send (closed loop). Ping: wrk's.
    LatencyStats Latency,
    // wrk's own histogram, timed from when each request was written.
    LatencyStats WrkLatency,
    IReadOnlyDictionary<string, long> Statuses, IReadOnlyDictionary<string, long> Kinds, IReadOnlyDictionary<string, long> Codes,
    long Count5xx, long SocketErrors, long Retries, long RetriesAnsweredAsDuplicate, long RetriesWithChangedCode, long NewScansMarkedDuplicate,
    CpuSplit Cpu, IReadOnlyList<WindowStats> Windows,
    // Scan records not yet archived when the step ended, and how long the archiver took to drain them before the next step.
    long ArchiveBacklogAfter, double ArchiveDrainSeconds,
    // What Redis's append-only file did during the step (rewrites, delayed fsyncs): null without one.
    RedisPersistence? Persistence = null,
    // Redis's commands during the step (INFO commandstats), the costliest first.
    IReadOnlyList<RedisCommandCost>? RedisCommands = null,
    // Fixed rates: the stall probes' slow answers (seconds from the step's start), and what Redis's latency monitor saw.
    ProbeReport? Stalls = null,
    IReadOnlyList<RedisLatencyEvent>? RedisLatency = null,
    // Fixed rates: PostgreSQL's autovacuums, autoanalyzes and checkpoints during the step.
    PostgresMaintenance? PostgresMaintenance = null);

public sealed record TargetCheck(string Target, string Measured, bool Met);

public sealed record MachineInfo(int Cores, string CpuModel, string Kernel, string DotnetVersion, string Wrk, string Redis, string Postgres, bool ChromiumSeenRunning);

/// <summary>Everything a run measured: results.json, and the source of report.md and the chart.</summary>
public sealed record RunResults(
    DateTimeOffset StartedAt, double TotalMinutes, string Command, MachineInfo Machine, IReadOnlyDictionary<string, string> ServerOverrides,
    SeedResult Seed, IReadOnlyList<MintedPool> Pools,
    IReadOnlyList<ScenarioResult> Scenarios,
    // Every round of the sweep; Scenarios keeps the better round per endpoint and connection count.
    IReadOnlyList<ScenarioResult> SweepRounds,
    double MaxVerifyPerSecond, int MaxVerifyConnections, double MaxPingPerSecond, int MaxPingConnections,
    IReadOnlyList<RedisBenchmarkResult> RedisBenchmark,
    ArchiveVerdict Archive, ProfileResult? Profile, IReadOnlyList<TargetCheck> Targets, IReadOnlyList<string> Notes,
    // The end of Redis's append-only file after the fixed rates, by command (null without one, and in runs before it was read).
    AofCommandBytes? AppendOnlyFile = null)
{
    public double VerifyToPingRatio => MaxPingPerSecond > 0 ? MaxVerifyPerSecond / MaxPingPerSecond : 0;
}
