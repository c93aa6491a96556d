using CityPass.Server.Audit;
using CityPass.Server.Federation;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// Trusted cities in memory, for the embedded default: one server, so nothing survives a restart or is shared. A change
/// and its audit entry are one step under the lock, the entry first: if it cannot be appended, nothing changes.
/// </summary>
public sealed class EmbeddedTrustedCityStore(EmbeddedAuditLog auditLog) : ITrustedCityStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TrustedCity> _byIssuer = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<TrustedCity>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<TrustedCity>>(_byIssuer.Values.OrderBy(c => c.Issuer, StringComparer.Ordinal).ToList());
    }

    public Task<TrustedCity?> GetAsync(string issuer, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byIssuer.GetValueOrDefault(issuer));
    }

    public Task<bool> AddAsync(TrustedCity city, AuditOf<TrustedCity> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(city);
        lock (_lock)
        {
            if (_byIssuer.ContainsKey(city.Issuer)) return Task.FromResult(false);
            auditLog.AppendLocked(audit(city));
            _byIssuer.Add(city.Issuer, city);
            return Task.FromResult(true);
        }
    }

    public Task<bool> UpdateAsync(TrustedCity city, AuditOf<TrustedCity> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(city);
        // Who added the city and when, and what the last refresh said, are the held record's: an update changes only the
        // settings and the document, as the Postgres store's UPDATE does.
        return Task.FromResult(Replace(city.Issuer, held => city with { AddedAt = held.AddedAt, AddedBy = held.AddedBy, LastCheckedAt = held.LastCheckedAt, LastError = held.LastError },
            audit) is not null);
    }

    public Task<bool> RemoveAsync(string issuer, AuditOf<TrustedCity> audit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_byIssuer.TryGetValue(issuer, out var held)) return Task.FromResult(false);
            auditLog.AppendLocked(audit(held));
            _byIssuer.Remove(issuer);
            return Task.FromResult(true);
        }
    }

    public Task<bool> AcceptDocumentAsync(string issuer, string document, DateTimeOffset issuedAt, DateTimeOffset expiresAt, DateTimeOffset checkedAt,
        AuditOf<TrustedCity> audit, CancellationToken cancellationToken)
    {
        // The comparison and the write under one lock (it is reentrant): an older document cannot land after a newer one.
        lock (_lock)
        {
            if (_byIssuer.GetValueOrDefault(issuer)?.DocumentIssuedAt >= issuedAt) return Task.FromResult(false);
            return Task.FromResult(Replace(issuer, held => held with
            {
                Document = document,
                DocumentIssuedAt = issuedAt,
                DocumentExpiresAt = expiresAt,
                LastCheckedAt = checkedAt,
                LastError = null,
            }, audit) is not null);
        }
    }

    public Task RecordCheckAsync(string issuer, DateTimeOffset checkedAt, string? error, AuditOf<TrustedCity>? audit, CancellationToken cancellationToken)
    {
        Replace(issuer, held => held with { LastCheckedAt = checkedAt, LastError = error }, audit);
        return Task.CompletedTask;
    }

    /// <summary>Replaces a held city with <paramref name="change"/> of it, its audit entry (when given) appended first. Null when there is none.</summary>
    private TrustedCity? Replace(string issuer, Func<TrustedCity, TrustedCity> change, AuditOf<TrustedCity>? audit)
    {
        lock (_lock)
        {
            if (!_byIssuer.TryGetValue(issuer, out var held)) return null;
            var changed = change(held);
            if (audit is not null) auditLog.AppendLocked(audit(changed));
            _byIssuer[issuer] = changed;
            return changed;
        }
    }
}
