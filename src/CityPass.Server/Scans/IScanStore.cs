using CityPass.Server.Venues;

namespace CityPass.Server.Scans;

/// <summary>
/// The scan archive (PostgreSQL partitioned by day, or memory when embedded). Records arrive at
/// least once (from the Redis stream), so inserts are idempotent: a record is identified by its
/// GateId, ScanId and DecidedAt (a redelivered record is identical). A scan id is the gate's own: the
/// same id from another gate is another scan and is kept, and so is the same gate's id decided
/// again once the hot state's dedupe window has passed (the gate was answered twice).
/// </summary>
public interface IScanStore : IGateClocks
{
    /// <summary>
    /// Inserts the records not already present (by GateId, ScanId and DecidedAt); returns how many were new or newly
    /// withdrawn. A <see cref="ScanRecord.Withdrawn"/> record takes back the record of its key, whether that is already
    /// here, comes in the same call or comes later: no read shows a withdrawn scan.
    /// </summary>
    Task<int> InsertAsync(IReadOnlyList<ScanRecord> records, CancellationToken cancellationToken);

    /// <summary>
    /// Archives scans exactly once per (GateId, ScanId), for a gate's offline journal that may arrive twice, even at the
    /// same moment through two server processes (a gate that timed out and sent it again): in one step that excludes
    /// any other call for the same gate, looks up which of the records' scans are already archived (decided at or after
    /// <paramref name="decidedFrom"/>, not withdrawn) and inserts only the others. Returns, in the order of
    /// <paramref name="records"/>, the record already archived for each scan (the newest, if it was decided again), or
    /// null where this call inserted it. The records are of one gate and their scan ids distinct.
    /// </summary>
    Task<IReadOnlyList<ScanRecord?>> InsertOnceAsync(IReadOnlyList<ScanRecord> records, DateTimeOffset decidedFrom, CancellationToken cancellationToken);

    /// <summary>Newest first (<see cref="ScanCursor.NewestFirst"/>); <see cref="ScanQuery.From"/> inclusive, <see cref="ScanQuery.To"/> exclusive, on DecidedAt; Limit 1..1000.</summary>
    Task<IReadOnlyList<ScanRecord>> QueryAsync(ScanQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// The record of <paramref name="gateId"/>'s scan <paramref name="scanId"/> decided at or after <paramref name="decidedFrom"/>
    /// (the newest, if it was decided again). The bound keeps the lookup to the days it can be in: found through the
    /// gate's own rows, it reads every partition from there on.
    /// </summary>
    Task<ScanRecord?> GetAsync(Guid gateId, Guid scanId, DateTimeOffset decidedFrom, CancellationToken cancellationToken);

    Task<long> CountAsync(Guid? venueId, CancellationToken cancellationToken);

    /// <summary>Drops records decided before <paramref name="cutoff"/> (whole days where partitioned); returns how many went.</summary>
    Task<long> PurgeBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
