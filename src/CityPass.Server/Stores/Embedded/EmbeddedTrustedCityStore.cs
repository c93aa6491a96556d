using CityPass.Server.Federation;

namespace CityPass.Server.Stores.Embedded;

/// <summary>Trusted cities in memory, for the embedded default: one server, so nothing survives a restart or is shared.</summary>
public sealed class EmbeddedTrustedCityStore : ITrustedCityStore
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

    public Task<bool> AddAsync(TrustedCity city, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(city);
        lock (_lock) return Task.FromResult(_byIssuer.TryAdd(city.Issuer, city));
    }

    public Task<bool> UpdateAsync(TrustedCity city, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(city);
        lock (_lock)
        {
            if (!_byIssuer.TryGetValue(city.Issuer, out var held)) return Task.FromResult(false);
            // Who added the city and when, and what the last refresh said, are the held record's: an update changes
            // only the settings and the document, as the Postgres store's UPDATE does.
            _byIssuer[city.Issuer] = city with { AddedAt = held.AddedAt, AddedBy = held.AddedBy, LastCheckedAt = held.LastCheckedAt, LastError = held.LastError };
            return Task.FromResult(true);
        }
    }

    public Task<bool> RemoveAsync(string issuer, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byIssuer.Remove(issuer));
    }

    public Task<bool> AcceptDocumentAsync(
        string issuer, string document, DateTimeOffset issuedAt, DateTimeOffset expiresAt, DateTimeOffset checkedAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_byIssuer.TryGetValue(issuer, out var held) || held.DocumentIssuedAt >= issuedAt) return Task.FromResult(false);
            _byIssuer[issuer] = held with
            {
                Document = document,
                DocumentIssuedAt = issuedAt,
                DocumentExpiresAt = expiresAt,
                LastCheckedAt = checkedAt,
                LastError = null,
            };
            return Task.FromResult(true);
        }
    }

    public Task RecordCheckAsync(string issuer, DateTimeOffset checkedAt, string? error, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_byIssuer.TryGetValue(issuer, out var held)) _byIssuer[issuer] = held with { LastCheckedAt = checkedAt, LastError = error };
            return Task.CompletedTask;
        }
    }
}
