using CityPass.Server.Audit;

namespace CityPass.Server.Cases;

/// <summary>Cases (PostgreSQL, or memory when embedded). Every change is written with its audit entry, together or not at all (<see cref="AuditOf{T}"/>).</summary>
public interface ICaseStore
{
    /// <summary>Stores a new open case under the next number; ids are never reused.</summary>
    Task<Case> CreateAsync(CaseDraft draft, AuditOf<Case> audit, CancellationToken cancellationToken);

    /// <summary>By canonical id (<see cref="CaseIds"/>); null when there is none.</summary>
    Task<Case?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Newest first, at most <paramref name="limit"/>, numbered below <paramref name="beforeNumber"/> when given.</summary>
    Task<IReadOnlyList<Case>> ListAsync(CaseState state, long? beforeNumber, int limit, CancellationToken cancellationToken);

    /// <summary>Replaces legal basis, owner and notes of an open case, in one step; null when there is no such case or it is closed.</summary>
    Task<Case?> UpdateAsync(string id, string legalBasis, string owner, string notes, AuditOf<Case> audit, CancellationToken cancellationToken);

    /// <summary>Closes an open case, in one step (of two closes at once, one wins); null when there is no such case or it was closed already.</summary>
    Task<Case?> CloseAsync(string id, DateTimeOffset at, string by, string reason, AuditOf<Case> audit, CancellationToken cancellationToken);
}
