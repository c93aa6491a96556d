using System.Collections.Frozen;

namespace CityPass.Server.Venues;

/// <summary>A gate with the venue it belongs to, as the scan path needs them.</summary>
public sealed record GateEntry(Gate Gate, Venue Venue);

/// <summary>
/// The in-process copy of every gate and venue that the scan path reads (no store round trip per
/// scan). Reloaded when this process changes a venue or gate; other replicas hear of the change
/// through <see cref="Changed"/> (Redis pub/sub when Redis is configured), and every copy is
/// reloaded after <see cref="MaxAge"/> at the latest, in case a message was lost.
/// </summary>
public sealed class GateDirectory(IVenueStore store, TimeProvider clock, IConfiguration configuration) : IDisposable
{
    private readonly TimeSpan _maxAge = TimeSpan.FromSeconds(configuration.GetValue("Venues:DirectoryMaxAgeSeconds", 5));
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot? _snapshot;

    /// <summary>Raised after this process changed a venue or gate, to tell the other replicas.</summary>
    public event Action? Changed;

    private sealed record Snapshot(FrozenDictionary<Guid, GateEntry> Gates, DateTimeOffset LoadedAt);

    public async ValueTask<GateEntry?> FindGateAsync(Guid gateId, CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken)).Gates.GetValueOrDefault(gateId);

    /// <summary>Forget the copy and tell the other replicas. Called after every change this process makes.</summary>
    public void Invalidate()
    {
        _snapshot = null;
        Changed?.Invoke();
    }

    /// <summary>Forget the copy because another replica changed something.</summary>
    public void InvalidateLocal() => _snapshot = null;

    public void Dispose() => _reload.Dispose();

    private async ValueTask<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var s = _snapshot;
        if (s is not null && clock.GetUtcNow() - s.LoadedAt < _maxAge) return s;
        await _reload.WaitAsync(cancellationToken);
        try
        {
            s = _snapshot;
            if (s is not null && clock.GetUtcNow() - s.LoadedAt < _maxAge) return s;
            var loadedAt = clock.GetUtcNow();
            var venues = (await store.ListVenuesAsync(null, cancellationToken)).ToFrozenDictionary(v => v.Id);
            var gates = (await store.ListAllGatesAsync(cancellationToken))
                .Where(g => venues.ContainsKey(g.VenueId))
                .ToFrozenDictionary(g => g.Id, g => new GateEntry(g, venues[g.VenueId]));
            _snapshot = s = new Snapshot(gates, loadedAt);
            return s;
        }
        finally
        {
            _reload.Release();
        }
    }
}
