using System.Collections.Frozen;
using CityPass.Server.Problems;

namespace CityPass.Server.Venues;

/// <summary>A gate with the venue it belongs to, as the scan path needs them.</summary>
public sealed record GateEntry(Gate Gate, Venue Venue);

/// <summary>
/// The in-process copy of every gate and venue that the scan path reads (no store round trip per
/// scan). Reloaded when this process changes a venue or gate; other replicas hear of the change
/// through <see cref="Changed"/> (Redis pub/sub when Redis is configured), and every copy is
/// reloaded after <c>Venues:DirectoryMaxAgeSeconds</c> at the latest, in case a message was lost.
/// While the system of record is away the copy it has is served, for at most
/// <c>Venues:DirectoryMaxStaleSeconds</c> past its age: gates go on scanning through a PostgreSQL outage
/// (nothing about a gate can change in it meanwhile: changes need PostgreSQL too).
/// </summary>
public sealed class GateDirectory(IVenueStore store, TimeProvider clock, IConfiguration configuration, ILogger<GateDirectory> logger)
{
    /// <summary>After a failed reload, the copy is used without trying again for this long.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    /// <summary>The longest a reload may take before the copy is used instead (a hung store).</summary>
    public static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(2);

    private readonly TimeSpan _maxAge = TimeSpan.FromSeconds(configuration.GetValue("Venues:DirectoryMaxAgeSeconds", 5));
    private readonly TimeSpan _maxStale = TimeSpan.FromSeconds(configuration.GetValue("Venues:DirectoryMaxStaleSeconds", 3600));
    private readonly Lock _gate = new();
    private volatile Snapshot? _snapshot;
    private Task<Snapshot?>? _reloading;
    private DateTimeOffset _nextTry;
    private bool _failing;
    // Counts invalidations, so a load that began before one is not taken as having seen it.
    private long _generation;

    /// <summary>Raised after this process changed a venue or gate, to tell the other replicas.</summary>
    public event Action? Changed;

    private sealed record Snapshot(FrozenDictionary<Guid, GateEntry> Gates, DateTimeOffset LoadedAt, bool Invalidated = false);

    /// <summary>How old the copy in use is while reloading it fails (the store is away); null while reloads succeed.</summary>
    public TimeSpan? StaleFor => _failing && _snapshot is { } s ? clock.GetUtcNow() - s.LoadedAt : null;

    /// <summary>The longest a replica decides with a copy older than a change, unless its store is away (<c>Venues:DirectoryMaxAgeSeconds</c>, 5 s by default).</summary>
    public TimeSpan MaxAge => _maxAge;

    /// <summary>How long past its reload time the copy is served while the store is away (<c>Venues:DirectoryMaxStaleSeconds</c>, 1 hour by default).</summary>
    public TimeSpan MaxStale => _maxStale;

    public async ValueTask<GateEntry?> FindGateAsync(Guid gateId, CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken)).Gates.GetValueOrDefault(gateId);

    /// <summary>Reload at the next use and tell the other replicas. Called after every change this process makes.</summary>
    public void Invalidate()
    {
        InvalidateLocal();
        Changed?.Invoke();
    }

    /// <summary>Reload at the next use because another replica changed something; the copy stays as the fallback.</summary>
    public void InvalidateLocal()
    {
        lock (_gate)
        {
            if (_snapshot is { } s) _snapshot = s with { Invalidated = true };
            _nextTry = DateTimeOffset.MinValue;
            _generation++;
        }
    }

    private async ValueTask<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var s = _snapshot;
        var now = clock.GetUtcNow();
        if (s is { Invalidated: false } && now - s.LoadedAt < _maxAge) return s;
        if (s is not null && Usable(s, now))
        {
            // Past its age: this request goes on with the copy while one reload runs beside it. After a
            // change (read your own writes) it waits for the reload, unless reloading has just failed.
            if (now < _nextTry) return s;
            var reload = Reload();
            if (!s.Invalidated) return s;
            return await reload.WaitAsync(cancellationToken) ?? s;
        }
        // Never loaded, or too stale to trust: only a reload will do.
        return await Reload().WaitAsync(cancellationToken)
            ?? throw new StoreUnavailableException(Store.Records, "the gate directory cannot be loaded");
    }

    private Task<Snapshot?> Reload()
    {
        lock (_gate)
        {
            if (_reloading is { IsCompleted: false } running) return running;
            return _reloading = Task.Run(LoadAsync);
        }
    }

    /// <summary>The new copy; on a store failure the usable copy it had (null if none), tried again after <see cref="RetryAfterFailure"/>.</summary>
    private async Task<Snapshot?> LoadAsync()
    {
        var loadedAt = clock.GetUtcNow();
        long generation;
        lock (_gate) generation = _generation;
        using var timeout = new CancellationTokenSource(ReloadTimeout);
        try
        {
            var venues = (await store.ListVenuesAsync(null, timeout.Token)).ToFrozenDictionary(v => v.Id);
            var gates = (await store.ListAllGatesAsync(timeout.Token))
                .Where(g => venues.ContainsKey(g.VenueId))
                .ToFrozenDictionary(g => g.Id, g => new GateEntry(g, venues[g.VenueId]));
            var loaded = new Snapshot(gates, loadedAt);
            lock (_gate)
            {
                // A change announced while this load ran may not be in it: keep the mark, reload again at the next use.
                _snapshot = generation == _generation ? loaded : loaded with { Invalidated = true };
                _nextTry = DateTimeOffset.MinValue;
            }
            if (_failing) logger.LogInformation("The gate directory is reloaded from the store again.");
            _failing = false;
            return loaded;
        }
        catch (Exception e) when (StoreFailures.Classify(e) is not null || timeout.IsCancellationRequested)
        {
            var s = _snapshot;
            if (!_failing)
            {
                logger.LogWarning("The gate directory could not be reloaded ({Error}); serving the copy loaded at {LoadedAt:O} for up to {MaxStale} past its age.",
                    e.GetType().Name, s?.LoadedAt, _maxStale);
            }
            _failing = true;
            _nextTry = clock.GetUtcNow() + RetryAfterFailure;
            return s is not null && Usable(s, clock.GetUtcNow()) ? s : null;
        }
    }

    private bool Usable(Snapshot s, DateTimeOffset now) => now - s.LoadedAt < _maxAge + _maxStale;
}
