using CityPass.Core.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Tracing;

namespace CityPass.Server.Stores.Embedded;

/// <summary>Contact tracing's reads over the same records, with the PostgreSQL store's filters: allowed, known citizen (withdrawn records are not kept here).</summary>
public sealed partial class EmbeddedScanStore : IContactTracingStore
{
    public Task<IReadOnlyList<TracedScan>> CitizenScansAsync(CitizenPseudonym citizen, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<TracedScan>>(Traced(_records.Where(r => r.CitizenId == citizen && r.DecidedAt >= from && r.DecidedAt < to), limit));
        }
    }

    public Task<IReadOnlyList<IReadOnlyList<TracedScan>>> VenueScansAsync(IReadOnlyList<VenueWindow> windows, int limitPerWindow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(windows);
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<IReadOnlyList<TracedScan>>>(windows
                .Select(w => Traced(_records.Where(r => r.VenueId == w.VenueId && r.DecidedAt >= w.From && r.DecidedAt < w.To), limitPerWindow))
                .ToList());
        }
    }

    /// <summary>Oldest first (the set is newest first), at most <paramref name="limit"/> of the oldest.</summary>
    private static List<TracedScan> Traced(IEnumerable<ScanRecord> records, int limit) =>
        records.Where(r => r.Allowed && r.CitizenId is not null).Reverse().Take(limit)
            .Select(r => new TracedScan(r.CitizenId!.Value, r.VenueId, r.Direction, r.DecidedAt)).ToList<TracedScan>();
}
