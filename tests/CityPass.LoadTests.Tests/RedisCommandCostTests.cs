using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>Redis's work per scan by command: INFO commandstats read, taken between two snapshots, and reported per scan.</summary>
public sealed class RedisCommandCostTests
{
    private static IReadOnlyDictionary<string, RedisCommandCost> Info(params (string Command, long Calls, long Micros)[] lines) =>
        RedisCommandCost.Parse(lines.Select(l => new KeyValuePair<string, string>(
            "cmdstat_" + l.Command, $"calls={l.Calls},usec={l.Micros},usec_per_call={(double)l.Micros / Math.Max(1, l.Calls):0.00},rejected_calls=0,failed_calls=0")));

    [Fact]
    public void AStepsCostsAreTheDifferenceOfTwoSnapshotsCostliestFirst()
    {
        var before = Info(("evalsha", 100, 2_000), ("xack", 10, 50), ("ping", 5, 5));
        var after = Info(("evalsha", 1_100, 22_000), ("xack", 30, 150), ("ping", 5, 5), ("xreadgroup", 20, 400));

        var step = RedisCommandCost.Between(before, after);

        Assert.Equal(
            [new RedisCommandCost("evalsha", 1_000, 20_000), new RedisCommandCost("xreadgroup", 20, 400), new RedisCommandCost("xack", 20, 100)],
            step);
    }

    [Fact]
    public void LinesThatAreNotCommandsAreIgnored()
    {
        var parsed = RedisCommandCost.Parse([new("errorstat_ERR", "count=3"), new("cmdstat_get", "calls=7,usec=21,usec_per_call=3.00")]);

        Assert.Equal(new RedisCommandCost("get", 7, 21), Assert.Single(parsed).Value);
    }

    [Fact]
    public void TheReportGivesEachCommandPerScanAndWhatTheCommandsLeaveOfTheProcesssCpu()
    {
        // 1,000 scans/s for 10 s with redis-server at 0.05 cores: 50 µs a scan, of which the script 20 and the archive's reads 5.
        var step = new ScenarioResult("max-c64", "max", "Verify", "POST /v1/scans", 64, null, 10, 1_000, Latency, Latency,
            new Dictionary<string, long>(), new Dictionary<string, long>(), new Dictionary<string, long>(), 0, 0, 0, 0, 0, 0,
            new CpuSplit(0.5, 0.2, 0.05, 0.02, 0, 0, 1.2, 2), [], 0, 0, null,
            [new RedisCommandCost("evalsha", 10_000, 200_000), new RedisCommandCost("xreadgroup", 2_000, 50_000), new RedisCommandCost("ping", 1, 1)]);

        var section = ReportWriter.RedisCommandsPerScan(step);

        Assert.Contains("| evalsha | 1.000 | 20.00 | 20.00 |", section, StringComparison.Ordinal);
        Assert.Contains("| xreadgroup | 0.200 | 5.00 | 25.00 |", section, StringComparison.Ordinal);
        Assert.DoesNotContain("| ping |", section, StringComparison.Ordinal); // under one call in a thousand scans
        Assert.Contains("**50.0 µs per scan**; scripts (with what they call) 20.0 µs, every other command 5.0 µs", section, StringComparison.Ordinal);
        Assert.Contains("at least 25.0 µs", section, StringComparison.Ordinal);
        Assert.Equal("", ReportWriter.RedisCommandsPerScan(step with { RedisCommands = null }));
    }

    private static readonly LatencyStats Latency = new(10_000, 1, 2, 3, 4, 5, 1);
}
