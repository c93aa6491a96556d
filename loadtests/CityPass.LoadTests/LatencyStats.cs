namespace CityPass.LoadTests;

/// <summary>Latency percentiles in milliseconds, by nearest rank over every sample (no histogram buckets).</summary>
public sealed record LatencyStats(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static LatencyStats Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>From samples in microseconds. Sorts <paramref name="micros"/> in place.</summary>
    public static LatencyStats FromMicroseconds(List<int> micros)
    {
        ArgumentNullException.ThrowIfNull(micros);
        if (micros.Count == 0) return Empty;
        micros.Sort();
        double Ms(int us) => us / 1000.0;
        return new LatencyStats(micros.Count, Ms(Percentile(micros, 50)), Ms(Percentile(micros, 90)), Ms(Percentile(micros, 99)),
            Ms(Percentile(micros, 99.9)), Ms(micros[^1]), micros.Average(x => (double)x) / 1000.0);
    }

    /// <summary>The nearest-rank percentile of sorted samples: the smallest value with at least p% of the samples at or below it.</summary>
    public static int Percentile(IReadOnlyList<int> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) throw new ArgumentException("No samples.", nameof(sorted));
        if (p is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(p), p, "A percentile is in (0, 100].");
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
