using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

public sealed class LatencyStatsTests
{
    [Fact]
    public void PercentileIsTheNearestRank()
    {
        var sorted = Enumerable.Range(1, 100).ToList();
        Assert.Equal(50, LatencyStats.Percentile(sorted, 50));
        Assert.Equal(99, LatencyStats.Percentile(sorted, 99));
        Assert.Equal(100, LatencyStats.Percentile(sorted, 99.9));
        Assert.Equal(1, LatencyStats.Percentile(sorted, 0.5));
    }

    [Fact]
    public void OneSampleIsEveryPercentile()
    {
        var s = LatencyStats.FromMicroseconds([1500]);
        Assert.Equal(1.5, s.P50);
        Assert.Equal(1.5, s.P99);
        Assert.Equal(1.5, s.Max);
    }

    [Fact]
    public void StatsAreInMillisecondsFromUnsortedMicroseconds()
    {
        var s = LatencyStats.FromMicroseconds([9000, 1000, 3000, 2000, 5000, 4000, 7000, 6000, 8000, 10000]);
        Assert.Equal(10, s.Count);
        Assert.Equal(5, s.P50);
        Assert.Equal(9, s.P90);
        Assert.Equal(10, s.P99);
        Assert.Equal(5.5, s.Mean, 6);
    }

    [Fact]
    public void NoSamplesGiveTheEmptyStats() => Assert.Equal(LatencyStats.Empty, LatencyStats.FromMicroseconds([]));

    [Fact]
    public void APercentileOutsideTheRangeIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyStats.Percentile([1, 2], 0));
}
