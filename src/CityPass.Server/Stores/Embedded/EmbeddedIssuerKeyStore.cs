using CityPass.Server.Audit;
using CityPass.Server.Keys;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// The managed key set in memory, for the embedded default (one server). A restart starts again from the key file,
/// which <see cref="IssuerKeyRing"/> keeps up to date with every change, so a revoked key stays revoked. A save and its
/// audit entry are one step under the lock, the entry first: if it cannot be appended, nothing changes.
/// </summary>
public sealed class EmbeddedIssuerKeyStore(EmbeddedAuditLog auditLog) : IIssuerKeyStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StoredKeySet> _byIssuer = new(StringComparer.Ordinal);

    public Task<StoredKeySet?> GetAsync(string issuer, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byIssuer.GetValueOrDefault(issuer));
    }

    public Task<long?> VersionAsync(string issuer, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byIssuer.TryGetValue(issuer, out var set) ? set.Version : (long?)null);
    }

    public Task<bool> SaveAsync(string issuer, StoredKeySet set, long expectedVersion, AuditOf<StoredKeySet>? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        lock (_lock)
        {
            var held = _byIssuer.TryGetValue(issuer, out var current) ? current.Version : 0;
            if (held != expectedVersion) return Task.FromResult(false);
            if (audit is not null) auditLog.AppendLocked(audit(set));
            _byIssuer[issuer] = set;
            return Task.FromResult(true);
        }
    }
}
