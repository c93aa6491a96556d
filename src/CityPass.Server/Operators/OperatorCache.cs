using System.Collections.Concurrent;

namespace CityPass.Server.Operators;

/// <summary>
/// The staff accounts as stored now, for the per-request check of bearer tokens and console cookies
/// (deleted account, changed security stamp). Entries live <see cref="Lifetime"/> at most, and are
/// dropped at once when this process changes an account; other replicas hear of it through
/// <see cref="Changed"/> (Redis pub/sub when Redis is configured).
/// </summary>
public sealed class OperatorCache(IOperatorStore store, TimeProvider clock, IConfiguration configuration)
{
    // Short, because the lifetime is how long a lost pub/sub message can keep a revoked token alive on
    // another replica; not zero, because every staff request would otherwise be a PostgreSQL query.
    private const int DefaultLifetimeSeconds = 10;

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly Lock _lock = new();
    // Bumped by every invalidation, so a load that began before a change can't store what it read.
    private long _generation;

    private sealed record Entry(Operator? Operator, DateTimeOffset LoadedAt);

    public TimeSpan Lifetime { get; } = TimeSpan.FromSeconds(configuration.GetValue("Operators:AccountCacheSeconds", DefaultLifetimeSeconds));

    /// <summary>Raised after this process changed or deleted an account (its id), to tell the other replicas.</summary>
    public event Action<Guid>? Changed;

    /// <summary>The account, or null when it does not exist (any more).</summary>
    public async ValueTask<Operator?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(id, out var entry) && clock.GetUtcNow() - entry.LoadedAt < Lifetime) return entry.Operator;
        long generation;
        lock (_lock) generation = _generation;
        var loadedAt = clock.GetUtcNow();
        var op = await store.GetAsync(id, cancellationToken);
        lock (_lock)
        {
            if (_generation == generation) _entries[id] = new Entry(op, loadedAt);
        }
        return op;
    }

    /// <summary>Forget the account and tell the other replicas. Called after every change this process makes.</summary>
    public void Invalidate(Guid id)
    {
        InvalidateLocal(id);
        Changed?.Invoke(id);
    }

    /// <summary>Forget the account because another replica changed it.</summary>
    public void InvalidateLocal(Guid id)
    {
        lock (_lock)
        {
            _generation++;
            _entries.TryRemove(id, out _);
        }
    }

    /// <summary>Forget every account: when messages from other replicas may have been missed.</summary>
    public void InvalidateAllLocal()
    {
        lock (_lock)
        {
            _generation++;
            _entries.Clear();
        }
    }
}
