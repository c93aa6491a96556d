using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>The A/B comparison's arithmetic and its options: what the report's verdicts rest on.</summary>
public sealed class AbResultsTests
{
    private static readonly CpuSplit Cpu = new(1.0, 0.5, 0.4, 0.1, 0, 0, 0, 2);

    private static AbTurn Turn(string side, int round, double max, double p99, long fives = 0, double postgresAtHalf = 0.1) =>
        new(side, round, max, 64, Cpu, 5000, 4000, new LatencyStats(1000, p99 / 2, p99 * 0.8, p99, p99, p99 * 2, p99 / 2), Cpu with { Postgres = postgresAtHalf }, fives);

    private static AbResults Results(params AbTurn[] turns) => new(DateTimeOffset.UnixEpoch, 10, "loadtests/run.sh --ab abc1234",
        new MachineInfo(2, "cpu", "linux", "10", "wrk", "redis", "pg", false), "abc1234", new SeedResult(1, 0, 1, 1, 1, 1, 1, []),
        turns, [], new ArchiveVerdict(10, 10, 10, 0, 0, 0, 0, []), []);

    [Fact]
    public void RatiosAreMeansOfEachSidesTurns()
    {
        var ab = Results(Turn("A", 1, 10_000, 4), Turn("B", 1, 9_000, 5), Turn("A", 2, 8_000, 6), Turn("B", 2, 9_900, 5));

        Assert.Equal(18_900.0 / 18_000, ab.ThroughputRatio, 6);
        Assert.Equal(1.0, ab.P99Ratio, 6);
        Assert.All(ab.Targets, t => Assert.True(t.Met, t.Target));
    }

    [Fact]
    public void ASlowerOrJitterierBMissesItsTargets()
    {
        var ab = Results(Turn("A", 1, 10_000, 4), Turn("B", 1, 9_000, 4.5, fives: 3));

        Assert.False(ab.Targets.Single(t => t.Target.Contains("0.95x", StringComparison.Ordinal)).Met);
        Assert.False(ab.Targets.Single(t => t.Target.Contains("1.1x", StringComparison.Ordinal)).Met);
        Assert.False(ab.Targets.Single(t => t.Target.Contains("5xx", StringComparison.Ordinal)).Met);
        Assert.Contains("**B / A** | **0.90x**", ab.Table(), StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresCpuIsPerScanOfEachStepAndComparedAsMeans()
    {
        // A: 0.1 core at 10,000/s = 10 µs; 0.1 core at 4,000/s achieved = 25 µs. B: 0.1 at 8,000/s = 12.5 µs; 0.12 at 4,000/s = 30 µs.
        var ab = Results(Turn("A", 1, 10_000, 4), Turn("B", 1, 8_000, 4, postgresAtHalf: 0.12));

        Assert.Equal(10.0, ab.Turns[0].Micros(c => c.Postgres).AtMax, 6);
        Assert.Equal(25.0, ab.Turns[0].Micros(c => c.Postgres).AtHalf, 6);
        Assert.Equal((1.25, 1.2), (Math.Round(ab.CpuRatio(c => c.Postgres).AtMax, 6), Math.Round(ab.CpuRatio(c => c.Postgres).AtHalf, 6)));
        Assert.Contains("| 10.0 / 25.0 |", ab.Table(), StringComparison.Ordinal);
        Assert.Contains("**1.25x / 1.20x** | **p99", ab.Table(), StringComparison.Ordinal);
    }

    [Fact]
    public void ServerAndRedisCpuAreShownPerScanAtTheMaximumAndAtHalfTheRate()
    {
        // A: the server's 1.0 core at 10,000/s = 100 µs, at 4,000/s achieved = 250 µs; Redis's 0.4 core = 40 and 100 µs.
        // B at 8,000/s: the server 125 µs at the maximum; at half the rate 0.8 core = 200 µs.
        var ab = Results(Turn("A", 1, 10_000, 4), new AbTurn("B", 1, 8_000, 64, Cpu, 5000, 4000, new LatencyStats(1000, 2, 3, 4, 4, 8, 2), Cpu with { Server = 0.8 }, 0));

        Assert.Equal((100.0, 250.0), ab.Turns[0].Micros(c => c.Server));
        Assert.Equal((1.25, 0.8), (Math.Round(ab.CpuRatio(c => c.Server).AtMax, 6), Math.Round(ab.CpuRatio(c => c.Server).AtHalf, 6)));
        Assert.Contains("| A1 | 10,000 (64) | 100.0 / 250.0 | 40.0 / 100.0 | 10.0 / 25.0 |", ab.Table(), StringComparison.Ordinal);
        Assert.Contains("| B1 | 8,000 (64) | 125.0 / 200.0 | 50.0 / 100.0 |", ab.Table(), StringComparison.Ordinal);
        Assert.Contains("| **B / A** | **0.80x** | **1.25x / 0.80x** | **1.25x / 1.00x** |", ab.Table(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheAbSectionReplacesOnlyItself()
    {
        var doc = "# Performance\n\n## Scan-verify under load\n\nfull run\n\n## Scan path A/B\n\nold\n\n## Later\n\nkept\n";
        var updated = PerformanceDoc.Replace(doc, PerformanceDoc.AbHeading, PerformanceDoc.AbSection(Results(Turn("A", 1, 100, 1), Turn("B", 1, 100, 1)), "loadtests/results/x"));

        Assert.Contains("full run", updated, StringComparison.Ordinal);
        Assert.Contains("## Later\n\nkept\n", updated, StringComparison.Ordinal);
        Assert.DoesNotContain("old", updated, StringComparison.Ordinal);
        Assert.Contains("loadtests/run.sh --ab abc1234", updated, StringComparison.Ordinal);
    }

    [Fact]
    public void AbOptionsParse()
    {
        var o = RunOptions.Parse(["--ab-baseline", "/tmp/a/CityPass.Server.dll", "--ab-name", "abc1234", "--ab-rounds", "3"], "/repo");

        Assert.Equal(("/tmp/a/CityPass.Server.dll", "abc1234", 3), (o.AbBaselineDll, o.AbBaselineName, o.AbRounds));
        Assert.Null(RunOptions.Parse([], "/repo").AbBaselineDll);
    }
}
