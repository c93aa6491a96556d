using CityPass.Server.Audit;

namespace CityPass.Server.Keys;

/// <summary>
/// The managed key set as stored: sealed (see <see cref="KeySetSeal"/>), its version (one more at every change), and
/// the fingerprints of the key sets configuration supplied or changes produced (see <see cref="IssuerKeyRing"/>).
/// </summary>
public sealed record StoredKeySet(long Version, byte[] Sealed, IReadOnlyList<string> Seeds, DateTimeOffset UpdatedAt);

/// <summary>Where this city's managed key set lives: PostgreSQL, shared by every server, or memory when embedded.</summary>
public interface IIssuerKeyStore
{
    Task<StoredKeySet?> GetAsync(string issuer, CancellationToken cancellationToken);

    /// <summary>The version alone: what every server polls to learn of a change.</summary>
    Task<long?> VersionAsync(string issuer, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="set"/> only if the stored version is still <paramref name="expectedVersion"/> (0: none is
    /// stored yet), with its audit entry when given, in one step: both or neither. False when another server changed
    /// the set first (nothing stored, nothing audited).
    /// </summary>
    Task<bool> SaveAsync(string issuer, StoredKeySet set, long expectedVersion, AuditOf<StoredKeySet>? audit, CancellationToken cancellationToken);
}
