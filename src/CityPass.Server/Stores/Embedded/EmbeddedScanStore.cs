using CityPass.Server.Scans;
using CityPass.Server.Venues;

namespace CityPass.Server.Stores.Embedded;

public sealed partial class EmbeddedScanStore : IScanStore, IScanMinuteStore
{
    private readonly Lock _lock = new();
    // Newest first, like every query reads them. The order is total on (DecidedAt, ScanId, GateId),
    // which is also the identity of a record, so the set itself skips what it already holds.
    private readonly SortedSet<ScanRecord> _records = new(Comparer<ScanRecord>.Create(ScanCursor.NewestFirst));

    // The keys of withdrawn scans: a record that arrives after its withdrawal stays out.
    private readonly HashSet<(Guid ScanId, Guid GateId, DateTimeOffset DecidedAt)> _withdrawn = [];

    public Task<int> InsertAsync(IReadOnlyList<ScanRecord> records, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var added = 0;
            foreach (var r in records)
            {
                var key = (r.ScanId, r.GateId, r.DecidedAt);
                if (r.Withdrawn)
                {
                    // The set compares by key only: this removes the record of the key, whatever its other fields.
                    if (_records.TryGetValue(r, out var taken) && _records.Remove(taken)) Count(taken, -1);
                    if (_withdrawn.Add(key)) added++;
                }
                else if (!_withdrawn.Contains(key) && _records.Add(r))
                {
                    Count(r, +1);
                    added++;
                }
            }
            return Task.FromResult(added);
        }
    }

    public Task<IReadOnlyList<ScanRecord?>> InsertOnceAsync(IReadOnlyList<ScanRecord> records, DateTimeOffset decidedFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var wanted = records.Select(r => r.ScanId).ToHashSet();
        var gateId = records.Count > 0 ? records[0].GateId : Guid.Empty;
        if (wanted.Count != records.Count || records.Any(r => r.GateId != gateId)) throw new ArgumentException("The records are of one gate, with distinct scan ids.", nameof(records));
        lock (_lock)
        {
            var archived = new Dictionary<Guid, ScanRecord>();
            // Newest first: the first record met of a scan is its newest; nothing older than the bound is read.
            foreach (var r in _records)
            {
                if (r.DecidedAt < decidedFrom) break;
                if (r.GateId == gateId && wanted.Contains(r.ScanId)) archived.TryAdd(r.ScanId, r);
            }
            var existing = new ScanRecord?[records.Count];
            for (var i = 0; i < records.Count; i++)
            {
                var r = records[i];
                if (archived.TryGetValue(r.ScanId, out var first)) existing[i] = first;
                else if (!_withdrawn.Contains((r.ScanId, r.GateId, r.DecidedAt)) && _records.Add(r)) Count(r, +1);
            }
            return Task.FromResult<IReadOnlyList<ScanRecord?>>(existing);
        }
    }

    public Task<IReadOnlyList<ScanRecord>> QueryAsync(ScanQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IEnumerable<ScanRecord> e = _records;
            if (query.VenueId is { } venue) e = e.Where(r => r.VenueId == venue);
            if (query.CitizenId is { } citizen) e = e.Where(r => r.CitizenId == citizen);
            if (query.GateId is { } gate) e = e.Where(r => r.GateId == gate);
            if (query.From is { } from) e = e.Where(r => r.DecidedAt >= from);
            if (query.To is { } to) e = e.Where(r => r.DecidedAt < to);
            if (query.Allowed is { } allowed) e = e.Where(r => r.Allowed == allowed);
            if (query.Disagreements) e = e.Where(r => r.Disagrees);
            if (query.Before is { } before) e = e.Where(before.Precedes);
            return Task.FromResult<IReadOnlyList<ScanRecord>>(e.Take(Math.Clamp(query.Limit, 1, 1000)).ToList());
        }
    }

    public Task<ScanRecord?> GetAsync(Guid gateId, Guid scanId, DateTimeOffset decidedFrom, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_records.Where(r => r.GateId == gateId && r.ScanId == scanId && r.DecidedAt >= decidedFrom)
                .MaxBy(r => r.DecidedAt));
        }
    }

    public Task<long> CountAsync(Guid? venueId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(venueId is { } v ? _records.LongCount(r => r.VenueId == v) : _records.Count);
    }

    public Task<IReadOnlyList<GateClock>> GateClocksAsync(IReadOnlyCollection<Guid> gateIds, DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var wanted = gateIds.ToHashSet();
            var live = new Dictionary<Guid, ScanRecord>();
            var late = new Dictionary<Guid, DateTimeOffset>();
            // Newest first: the first record of each kind per gate is its newest.
            foreach (var r in _records)
            {
                if (r.DecidedAt < since) break;
                if (!wanted.Contains(r.GateId)) continue;
                if (r.LateUpload) late.TryAdd(r.GateId, r.DecidedAt);
                else live.TryAdd(r.GateId, r);
            }
            var clocks = wanted.Where(g => live.ContainsKey(g) || late.ContainsKey(g))
                .Select(g => new GateClock(g, live.TryGetValue(g, out var r) ? r.ScannedAt - r.DecidedAt : null, late.TryGetValue(g, out var at) ? at : null)
                {
                    LastLiveScanAt = live.TryGetValue(g, out var l) ? l.DecidedAt : null,
                })
                .ToList();
            return Task.FromResult<IReadOnlyList<GateClock>>(clocks);
        }
    }

    public Task<long> PurgeBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            PurgeMinutesBefore(cutoff);
            return Task.FromResult((long)_records.RemoveWhere(r => r.DecidedAt < cutoff));
        }
    }
}
