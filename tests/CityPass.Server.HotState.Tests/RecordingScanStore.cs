using System.Collections.Concurrent;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Embedded;
using CityPass.Server.Venues;

namespace CityPass.Server.HotState.Tests;

/// <summary>An embedded scan store that remembers every insert call and can be told to fail.</summary>
public sealed class RecordingScanStore : IScanStore
{
    private readonly EmbeddedScanStore _inner = new();
    private int _failBefore;
    private int _failAfter;

    public ConcurrentQueue<(Guid GateId, Guid ScanId)> Inserted { get; } = new();

    /// <summary>The per-minute roll-ups the inner store keeps as it archives.</summary>
    public IScanMinuteStore Minutes => _inner;

    /// <summary>How many records each insert call that stored something carried.</summary>
    public ConcurrentQueue<int> InsertSizes { get; } = new();

    /// <summary>The next <paramref name="calls"/> inserts throw without storing anything (the database is down).</summary>
    public void FailBeforeInserting(int calls) => _failBefore = calls;

    /// <summary>The next <paramref name="calls"/> inserts store the records and then throw (the commit's answer got lost).</summary>
    public void FailAfterInserting(int calls) => _failAfter = calls;

    public async Task<int> InsertAsync(IReadOnlyList<ScanRecord> records, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref _failBefore) >= 0) throw new InvalidOperationException("store unavailable");
        foreach (var r in records) Inserted.Enqueue((r.GateId, r.ScanId));
        InsertSizes.Enqueue(records.Count);
        var added = await _inner.InsertAsync(records, cancellationToken);
        if (Interlocked.Decrement(ref _failAfter) >= 0) throw new InvalidOperationException("connection lost after commit");
        return added;
    }

    public Task<IReadOnlyList<ScanRecord?>> InsertOnceAsync(IReadOnlyList<ScanRecord> records, DateTimeOffset decidedFrom, CancellationToken cancellationToken) =>
        _inner.InsertOnceAsync(records, decidedFrom, cancellationToken);

    public Task<IReadOnlyList<ScanRecord>> QueryAsync(ScanQuery query, CancellationToken cancellationToken) => _inner.QueryAsync(query, cancellationToken);

    public Task<ScanRecord?> GetAsync(Guid gateId, Guid scanId, DateTimeOffset decidedFrom, CancellationToken cancellationToken) =>
        _inner.GetAsync(gateId, scanId, decidedFrom, cancellationToken);

    public Task<long> CountAsync(Guid? venueId, CancellationToken cancellationToken) => _inner.CountAsync(venueId, cancellationToken);

    public Task<IReadOnlyList<GateClock>> GateClocksAsync(IReadOnlyCollection<Guid> gateIds, DateTimeOffset since, CancellationToken cancellationToken) =>
        _inner.GateClocksAsync(gateIds, since, cancellationToken);

    public Task<long> PurgeBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => _inner.PurgeBeforeAsync(cutoff, cancellationToken);
}
