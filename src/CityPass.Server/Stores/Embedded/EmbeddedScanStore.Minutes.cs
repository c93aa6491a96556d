using CityPass.Core.Venues;
using CityPass.Server.Scans;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// The per-minute roll-ups, kept beside the records under the same lock and changed by the same calls: a record counts
/// when the set takes it (a redelivery is not taken, so not counted twice) and is taken back when withdrawn.
/// </summary>
public sealed partial class EmbeddedScanStore
{
    private readonly SortedDictionary<(DateTimeOffset Minute, Guid VenueId, DecisionCode Code, ScanDirection Direction), long> _minutes = [];

    private void Count(ScanRecord r, int delta)
    {
        var key = (ScanMinute.Of(r.DecidedAt), r.VenueId, r.Code, r.Direction);
        var scans = _minutes.GetValueOrDefault(key) + delta;
        if (scans == 0) _minutes.Remove(key);
        else _minutes[key] = scans;
    }

    /// <summary>Whole minutes before the cutoff's own, as the PostgreSQL store purges them.</summary>
    private void PurgeMinutesBefore(DateTimeOffset cutoff)
    {
        var first = ScanMinute.Of(cutoff);
        foreach (var key in _minutes.Keys.TakeWhile(k => k.Minute < first).ToList()) _minutes.Remove(key);
    }

    public Task<IReadOnlyList<ScanMinute>> MinutesAsync(DateTimeOffset from, DateTimeOffset to, Guid? venueId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var minutes = _minutes.Where(m => m.Key.Minute >= from && m.Key.Minute < to && (venueId is null || m.Key.VenueId == venueId))
                .GroupBy(m => (m.Key.Minute, m.Key.Code, m.Key.Direction))
                .Select(g => new ScanMinute(g.Key.Minute, g.Key.Code, g.Key.Direction, g.Sum(m => m.Value)))
                .Where(m => m.Scans != 0)
                .OrderBy(m => m.Minute).ThenBy(m => m.Code).ThenBy(m => m.Direction)
                .ToList();
            return Task.FromResult<IReadOnlyList<ScanMinute>>(minutes);
        }
    }

    public Task<IReadOnlyList<VenueScanTotal>> BusiestVenuesAsync(DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var venues = _minutes.Where(m => m.Key.Minute >= from && m.Key.Minute < to)
                .GroupBy(m => m.Key.VenueId)
                .Select(g => new VenueScanTotal(g.Key, g.Where(m => m.Key.Code == DecisionCode.Allowed).Sum(m => m.Value), g.Where(m => m.Key.Code != DecisionCode.Allowed).Sum(m => m.Value)))
                .Where(v => v.Scans > 0)
                .OrderByDescending(v => v.Scans).ThenBy(v => v.VenueId, Comparer<Guid>.Create(ScanCursor.CompareIds))
                .Take(Math.Clamp(limit, 1, 1000))
                .ToList();
            return Task.FromResult<IReadOnlyList<VenueScanTotal>>(venues);
        }
    }
}
