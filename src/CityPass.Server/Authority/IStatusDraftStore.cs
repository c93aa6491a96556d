using CityPass.Core.Citizens;
using CityPass.Server.Audit;

namespace CityPass.Server.Authority;

/// <summary>
/// Status drafts and their per-citizen results (PostgreSQL, or memory when embedded). Staff's changes (drafting,
/// deciding) are written with their audit entry, together or not at all (<see cref="AuditOf{T}"/>).
/// </summary>
public interface IStatusDraftStore
{
    Task<StatusDraft> CreateAsync(NewStatusDraft draft, AuditOf<StatusDraft> audit, CancellationToken cancellationToken);

    /// <summary>With <see cref="StatusDraft.Done"/> counted; null when there is none.</summary>
    Task<StatusDraft?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Newest first, at most <paramref name="limit"/>, drafted before <paramref name="before"/> when given. Pending
    /// ones include those past their expiry: the caller tells them apart by <see cref="StatusDraft.StateAt"/>.
    /// </summary>
    Task<IReadOnlyList<StatusDraft>> ListAsync(StatusDraftState? state, DateTimeOffset? before, int limit, CancellationToken cancellationToken);

    /// <summary>Pending drafts not yet expired at <paramref name="now"/>: the console's alert.</summary>
    Task<int> CountAwaitingAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Approves or rejects a draft in one conditional step: only a pending draft not expired at <paramref name="at"/>,
    /// and (for an approval) not by its drafter. Null when the draft is not in that state (of two decisions at once,
    /// one wins; only the winner is audited).
    /// </summary>
    Task<StatusDraft?> DecideAsync(Guid id, bool approve, Guid byId, string by, DateTimeOffset at, string? reason, AuditOf<StatusDraft> audit,
        CancellationToken cancellationToken);

    /// <summary>
    /// Takes the right to run an approved, unfinished draft until <paramref name="leaseUntil"/>: so that only one
    /// process runs a draft, and another takes over when that one stops renewing. False when another holds it.
    /// </summary>
    Task<bool> LeaseAsync(Guid id, string runner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Approved drafts not finished: what the runners resume after a restart.</summary>
    Task<IReadOnlyList<Guid>> ListUnfinishedAsync(CancellationToken cancellationToken);

    /// <summary>Records results; a citizen's result already recorded stays as it was.</summary>
    Task AddResultsAsync(Guid id, IReadOnlyList<StatusDraftResult> results, CancellationToken cancellationToken);

    /// <summary>Results in citizen id order, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<StatusDraftResult>> ListResultsAsync(Guid id, CitizenPseudonym? after, int limit, CancellationToken cancellationToken);

    /// <summary>How many citizens have each result (changed, not_found, status_version_conflict).</summary>
    Task<IReadOnlyDictionary<string, int>> CountResultsAsync(Guid id, CancellationToken cancellationToken);

    Task FinishAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken);
}
