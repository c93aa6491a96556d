namespace CityPass.Server.Federation;

/// <summary>The trusted cities and their last good documents (PostgreSQL, or memory when embedded), read by every server.</summary>
public interface ITrustedCityStore
{
    /// <summary>Ordered by issuer code.</summary>
    Task<IReadOnlyList<TrustedCity>> ListAsync(CancellationToken cancellationToken);

    Task<TrustedCity?> GetAsync(string issuer, CancellationToken cancellationToken);

    /// <summary>False when the issuer is already trusted.</summary>
    Task<bool> AddAsync(TrustedCity city, CancellationToken cancellationToken);

    /// <summary>Replaces the settings and the document fields as given; false when the issuer is not trusted.</summary>
    Task<bool> UpdateAsync(TrustedCity city, CancellationToken cancellationToken);

    Task<bool> RemoveAsync(string issuer, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps <paramref name="document"/> as the city's last good one, only if it was issued after the one held, in one
    /// step (two servers refreshing at once cannot put an older document back). False when it was not newer or the
    /// city is gone.
    /// </summary>
    Task<bool> AcceptDocumentAsync(string issuer, string document, DateTimeOffset issuedAt, DateTimeOffset expiresAt, DateTimeOffset checkedAt, CancellationToken cancellationToken);

    /// <summary>Notes a refresh that kept the document held: when, and the failure's code (null when the document was just not newer).</summary>
    Task RecordCheckAsync(string issuer, DateTimeOffset checkedAt, string? error, CancellationToken cancellationToken);
}
