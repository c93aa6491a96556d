namespace CityPass.Server.Scans;

/// <summary>
/// The per-minute roll-ups of the scan archive: written by <see cref="IScanStore"/>'s inserts in the same step as the
/// records (only records newly archived count, a withdrawal takes its record back out) and purged with them, so a
/// chart over hours or days reads minutes x venues rows, not the scans. Times are the minutes' starts, UTC;
/// <c>from</c> is inclusive and <c>to</c> exclusive.
/// </summary>
public interface IScanMinuteStore
{
    /// <summary>Per minute, outcome and direction, summed over every venue or only <paramref name="venueId"/>'s; oldest first. Minutes with no scan are left out.</summary>
    Task<IReadOnlyList<ScanMinute>> MinutesAsync(DateTimeOffset from, DateTimeOffset to, Guid? venueId, CancellationToken cancellationToken);

    /// <summary>The <paramref name="limit"/> venues with the most scans in the range, most first (ties by venue id).</summary>
    Task<IReadOnlyList<VenueScanTotal>> BusiestVenuesAsync(DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken);
}
