using CityPass.Server.Audit;

namespace CityPass.Server.Federation;

/// <summary>
/// The trusted cities and their last good documents (PostgreSQL, or memory when embedded), read by every server. A
/// change is written with its audit entry, made from the city as stored, together or not at all
/// (<see cref="AuditOf{T}"/>); a change that matched nothing is not audited.
/// </summary>
public interface ITrustedCityStore
{
    /// <summary>Ordered by issuer code.</summary>
    Task<IReadOnlyList<TrustedCity>> ListAsync(CancellationToken cancellationToken);

    Task<TrustedCity?> GetAsync(string issuer, CancellationToken cancellationToken);

    /// <summary>False when the issuer is already trusted.</summary>
    Task<bool> AddAsync(TrustedCity city, AuditOf<TrustedCity> audit, CancellationToken cancellationToken);

    /// <summary>Replaces the settings and the document fields as given; false when the issuer is not trusted.</summary>
    Task<bool> UpdateAsync(TrustedCity city, AuditOf<TrustedCity> audit, CancellationToken cancellationToken);

    /// <summary>False when the issuer is not trusted; <paramref name="audit"/> is given the city as it was.</summary>
    Task<bool> RemoveAsync(string issuer, AuditOf<TrustedCity> audit, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps <paramref name="document"/> as the city's last good one, only if it was issued after the one held, in one
    /// step (two servers refreshing at once cannot put an older document back). False when it was not newer or the
    /// city is gone.
    /// </summary>
    Task<bool> AcceptDocumentAsync(string issuer, string document, DateTimeOffset issuedAt, DateTimeOffset expiresAt, DateTimeOffset checkedAt,
        AuditOf<TrustedCity> audit, CancellationToken cancellationToken);

    /// <summary>
    /// Notes a refresh that kept the document held: when, and the failure's code (null when the document was just not
    /// newer). Audited when <paramref name="audit"/> is given (a member of staff's refresh or upload); the refresher's
    /// own notes are not.
    /// </summary>
    Task RecordCheckAsync(string issuer, DateTimeOffset checkedAt, string? error, AuditOf<TrustedCity>? audit, CancellationToken cancellationToken);
}
