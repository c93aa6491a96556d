using CityPass.Server.Audit;

namespace CityPass.Server.Operators;

/// <summary>
/// Staff accounts (PostgreSQL, or memory when embedded). Usernames are unique, compared case-insensitively. Every change
/// is written with its audit entry, together or not at all (<see cref="AuditOf{T}"/>); a change that matched nothing
/// (a taken username, a missing account) is not audited.
/// </summary>
public interface IOperatorStore
{
    Task<Operator?> FindByUsernameAsync(string username, CancellationToken cancellationToken);

    Task<Operator?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Ordered by username.</summary>
    Task<IReadOnlyList<Operator>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The account as stored; null when the username is taken.</summary>
    Task<Operator?> CreateAsync(Operator op, AuditOf<Operator> audit, CancellationToken cancellationToken);

    /// <summary>Replaces username, display name, password hash, role, venues and security stamp; null when missing or the new username is taken.</summary>
    Task<Operator?> UpdateAsync(Operator op, AuditOf<Operator> audit, CancellationToken cancellationToken);

    /// <summary>The account as it was when deleted; null when there was none.</summary>
    Task<Operator?> DeleteAsync(Guid id, AuditOf<Operator> audit, CancellationToken cancellationToken);
}
