using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>Merging the latency of wrk processes run at once, from each one's latency points.</summary>
public sealed class LatencyQuantilesTests
{
    internal static WrkSummary Run(long requests, IReadOnlyList<double> points, double max = 0, double mean = 0) =>
        new(requests, 10, requests / 10.0, 0, new Dictionary<string, long>(), new LatencyStats(requests, 0, 0, 0, 0, max, mean),
            new Dictionary<string, long> { ["200"] = requests }, new Dictionary<string, long> { ["pass"] = requests }, new Dictionary<string, long>(),
            0, 0, 0, 0, points);

    private static double[] Same(double ms, int count = 1000) => [.. Enumerable.Repeat(ms, count)];

    [Fact]
    public void OneProcesssPointsGiveItsOwnPercentiles()
    {
        var points = Enumerable.Range(1, 1000).Select(i => (double)i).ToList();

        var merged = LatencyQuantiles.Merge([Run(100_000, points, max: 1200, mean: 500.5)]);

        Assert.Equal((500, 900, 990, 999), (merged.P50, merged.P90, merged.P99, merged.P999));
        Assert.Equal((100_000, 1200, 500.5), (merged.Count, merged.Max, merged.Mean));
    }

    [Fact]
    public void EachProcessWeighsAsManyRequestsAsItAnswered()
    {
        // 90% of the requests went to a fast process, 10% to a slow one: the slow one is the last 10% of the merged latency.
        var merged = LatencyQuantiles.Merge([Run(9_000, Same(1), max: 2, mean: 1), Run(1_000, Same(10), max: 30, mean: 10)]);

        Assert.Equal(1, merged.P50);
        Assert.Equal(1, merged.P90);
        Assert.Equal(10, merged.P99);
        Assert.Equal(30, merged.Max);
        Assert.Equal(1.9, merged.Mean, 9);
        Assert.Equal(10_000, merged.Count);
    }

    [Fact]
    public void PointsOfProcessesWithFewerPointsWeighMore()
    {
        // The same 1,000 requests each, one process with 1,000 points, the other with 10: the shares are per request, not per point.
        var merged = LatencyQuantiles.Merge([Run(1_000, Same(1)), Run(1_000, Same(5, 10))]);

        Assert.Equal(1, merged.P50);
        Assert.Equal(5, merged.P90);
    }

    [Fact]
    public void AProcessThatAnsweredNothingIsLeftOut()
    {
        var merged = LatencyQuantiles.Merge([Run(1_000, Same(2)), Run(0, [])]);

        Assert.Equal(2, merged.P99);
        Assert.Equal(LatencyStats.Empty, LatencyQuantiles.Merge([Run(0, [])]));
    }

    [Fact]
    public void RunsWithoutPointsCannotBeMerged() =>
        Assert.Throws<ArgumentException>(() => LatencyQuantiles.Merge([Run(1_000, Same(2)), Run(1_000, [])]));
}
