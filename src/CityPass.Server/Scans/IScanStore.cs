namespace CityPass.Server.Scans;

/// <summary>
/// The scan archive (PostgreSQL partitioned by day, or memory when embedded). Records arrive at
/// least once (from the Redis stream), so inserts are idempotent on ScanId.
/// </summary>
public interface IScanStore
{
    /// <summary>Inserts the records not already present (by ScanId); returns how many were new.</summary>
    Task<int> InsertAsync(IReadOnlyList<ScanRecord> records, CancellationToken cancellationToken);

    /// <summary>Newest first; <see cref="ScanQuery.From"/> inclusive, <see cref="ScanQuery.To"/> exclusive, on DecidedAt; Limit 1..1000.</summary>
    Task<IReadOnlyList<ScanRecord>> QueryAsync(ScanQuery query, CancellationToken cancellationToken);

    Task<ScanRecord?> GetAsync(Guid scanId, CancellationToken cancellationToken);

    Task<long> CountAsync(Guid? venueId, CancellationToken cancellationToken);

    /// <summary>Drops records decided before <paramref name="cutoff"/> (whole days where partitioned); returns how many went.</summary>
    Task<long> PurgeBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
