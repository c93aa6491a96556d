namespace CityPass.LoadTests;

/// <summary>
/// The latency of several wrk processes run at once (one per server process), as if one wrk had sent all
/// their requests. Percentiles can't be added, so each wrk reports latency points instead (lib.lua's
/// done(): the latency at the middle of each of K equal shares of its requests); a point of a process that
/// answered n requests stands for n/K of them, and the merged percentile is the smallest point with at
/// least p% of all the requests at or below it (nearest rank, as <see cref="LatencyStats"/>). It is exact
/// to within one share of a process's requests (0.1% with K = 1,000).
/// </summary>
public static class LatencyQuantiles
{
    public static LatencyStats Merge(IReadOnlyCollection<WrkSummary> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var answered = runs.Where(r => r.Requests > 0).ToList();
        if (answered.Count == 0) return LatencyStats.Empty;
        if (answered.Any(r => r.LatencyPoints.Count == 0)) throw new ArgumentException("Every wrk run needs its latency points (CP_QUANTILES) to be merged.", nameof(runs));

        var weighted = answered
            .SelectMany(r => r.LatencyPoints.Select(point => (Ms: point, Weight: (double)r.Requests / r.LatencyPoints.Count)))
            .OrderBy(p => p.Ms)
            .ToList();
        var total = answered.Sum(r => (double)r.Requests);
        double At(double percent)
        {
            // A hair under the exact share, so the point that completes it counts despite rounding of the sums.
            var rank = (percent / 100 * total) - (total * 1e-12);
            var cumulative = 0.0;
            foreach (var (ms, weight) in weighted)
            {
                cumulative += weight;
                if (cumulative >= rank) return ms;
            }
            return weighted[^1].Ms;
        }

        return new LatencyStats(answered.Sum(r => r.Requests), At(50), At(90), At(99), At(99.9),
            answered.Max(r => r.WrkLatency.Max), answered.Sum(r => r.WrkLatency.Mean * r.Requests) / total);
    }
}
