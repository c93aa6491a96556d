using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The fault run's verdict (the exit code) and its expectations, from phase summaries and health samples.</summary>
public sealed class FaultsResultsTests
{
    private static readonly Dictionary<string, long> None = [];

    private static PhaseSummary Phase(string name, double start, double end, IReadOnlyDictionary<string, long>? notOk = null, double? back = null,
        double? firstNotOk = null, double? lastNotOk = null, IReadOnlyDictionary<string, long>? probeNotOk = null, int silent = 0) =>
        new(name, start, end, back, 1_000, 0, 1_000, notOk ?? None, LatencyStats.Empty, 0, firstNotOk, lastNotOk, 0, lastNotOk, null, null, silent, silent > 0 ? 1 : null, silent > 0 ? 1 + silent : null,
            10, probeNotOk ?? None, LatencyStats.Empty, LatencyStats.Empty);

    private static FaultArchiveVerdict Archive(long missing = 0, long refusedArchived = 0) =>
        new(1_000, 1_000, 1_000, missing, 0, 10, 10, refusedArchived, 0, 0, 0, 0, 1, missing > 0 ? new Dictionary<string, long> { ["steady"] = missing } : None, None, None, [], [], [], []);

    private static FaultsResults Run(IReadOnlyList<PhaseSummary> phases, FaultArchiveVerdict? archive = null, IReadOnlyList<HealthSample>? health = null,
        IReadOnlyList<FaultEvent>? events = null) =>
        new(FaultsResults.ModeName, DateTimeOffset.UnixEpoch, 6, "loadtests/run.sh --faults", "abc1234", [], new MachineInfo(2, "cpu", "linux", "10", "wrk", "redis", "pg", false),
            new Dictionary<string, string>(), new SeedResult(100_000, 0, 500, 2_000, 5, 1, 1, []), [], 10_000, 50, 5_000, 64, 1_000, 300, 1_500_000,
            new Dictionary<string, long> { ["200"] = 1_500_000 }, new Dictionary<string, long>(), events ?? [], phases, [], [], health ?? [], [], archive ?? Archive(), [], [], []);

    [Fact]
    public void A500AnywhereFailsTheRunAndA503DoesNot()
    {
        var fine = Run([Phase(FaultsResults.Steady, 0, 30), Phase(FaultsResults.RedisRestart, 30, 90, new Dictionary<string, long> { ["503 store_unavailable"] = 900 })]);
        var bug = Run([Phase(FaultsResults.Steady, 0, 30, probeNotOk: new Dictionary<string, long> { ["500 internal_error"] = 1 })]);

        Assert.All(fine.Checks, c => Assert.True(c.Met));
        Assert.Equal(1, bug.Unexpected5xx);
        Assert.False(bug.Checks[0].Met);
    }

    [Fact]
    public void AMissingScanOrARefusedScanInTheArchiveFailsTheRun()
    {
        Assert.False(Run([Phase(FaultsResults.Steady, 0, 30)], Archive(missing: 3)).Checks[1].Met);
        Assert.False(Run([Phase(FaultsResults.Steady, 0, 30)], Archive(refusedArchived: 1)).Checks[3].Met);
    }

    [Fact]
    public void TheProbesNoAnswerIsNotARefusalButAnotherCodeIs()
    {
        var restart = Phase(FaultsResults.RedisRestart, 30, 90, new Dictionary<string, long> { ["503 store_unavailable"] = 900 }, back: 1.2, firstNotOk: 0.01, lastNotOk: 1.5,
            probeNotOk: new Dictionary<string, long> { ["no answer"] = 3 });
        var other = restart with { NotOk = new Dictionary<string, long> { ["503 store_unavailable"] = 900, ["500 internal_error"] = 2 } };

        Assert.True(Run([restart]).Expectations.Single(e => e.Target.EndsWith("answered 503 store_unavailable", StringComparison.Ordinal)).Met);
        Assert.False(Run([other]).Expectations.Single(e => e.Target.EndsWith("answered 503 store_unavailable", StringComparison.Ordinal)).Met);
    }

    [Theory]
    [InlineData(1.5, true)]
    [InlineData(2.5, false)]
    public void ScansAreBackWithinAboutASecondOfRedis(double lastNotOk, bool met)
    {
        var restart = Phase(FaultsResults.RedisRestart, 30, 90, new Dictionary<string, long> { ["503 store_unavailable"] = 900 }, back: 1.2, firstNotOk: 0.01, lastNotOk: lastNotOk);

        Assert.Equal(met, Run([restart]).Expectations.Single(e => e.Target.Contains("within about a second", StringComparison.Ordinal)).Met);
    }

    [Fact]
    public void WhilePostgresIsStoppedReadinessSaysDegradedFromTheStopToTheStart()
    {
        FaultEvent[] events = [new(100, "pg_ctl stop -m fast"), new(101, "PostgreSQL stopped"), new(160, "pg_ctl start"), new(161, "PostgreSQL started: accepts connections")];
        var health = Enumerable.Range(95, 70).Select(s => s switch
        {
            < 101 or >= 161 => new HealthSample(s, 200, "Healthy", "up", "up", 100),
            // Between pg_ctl start and its return the records may already answer while the gate directory is still stale.
            160 => new HealthSample(s, 200, "Degraded", "up", "up", 5_000),
            _ => new HealthSample(s, 200, "Degraded", "up", "down", 3_000),
        }).ToList();
        var phases = new[] { Phase(FaultsResults.Steady, 0, 100), Phase(FaultsResults.PostgresStopped, 100, 161, back: 61), Phase(FaultsResults.PostgresBack, 161, 220) };

        var expectations = Run(phases, health: health, events: events).Expectations;

        Assert.True(expectations.Single(e => e.Target.Contains("Degraded", StringComparison.Ordinal)).Met);
        Assert.True(expectations.Single(e => e.Target.Contains("archived once it was back", StringComparison.Ordinal)).Met);
    }
}
