using CityPass.Core.Citizens;
using CityPass.Server.Appeals;
using CityPass.Server.Audit;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// Appeals in memory, for the embedded default. Opening or deciding and its audit entry are one step under the lock, the
/// entry first: if it cannot be appended, nothing changes.
/// </summary>
public sealed class EmbeddedAppealStore(EmbeddedAuditLog auditLog) : IAppealStore
{
    private readonly Lock _lock = new();
    private readonly List<Appeal> _appeals = [];

    public Task<AppealOpenResult> OpenAsync(Appeal appeal, AuditOf<Appeal> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(appeal);
        lock (_lock)
        {
            // The same two checks as the database's unique index and constraint, in the same order.
            var mine = _appeals.Where(a => a.CitizenId == appeal.CitizenId).ToList();
            if (mine.Any(a => a.State == AppealState.Open)) return Task.FromResult(AppealOpenResult.AlreadyOpen);
            if (mine.Any(a => a.StatusVersion == appeal.StatusVersion)) return Task.FromResult(AppealOpenResult.StatusAlreadyAppealed);
            var opened = appeal with { Decision = null };
            auditLog.AppendLocked(audit(opened));
            _appeals.Add(opened);
            return Task.FromResult(AppealOpenResult.Opened);
        }
    }

    public Task<Appeal?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_appeals.FirstOrDefault(a => a.Id == id));
    }

    public Task<IReadOnlyList<Appeal>> ListByCitizenAsync(CitizenPseudonym citizenId, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Appeal>>(_appeals.Where(a => a.CitizenId == citizenId)
                .OrderByDescending(a => a.OpenedAt).ThenByDescending(a => a.Id).Take(limit).ToList());
        }
    }

    public Task<IReadOnlyList<Appeal>> ListAsync(bool open, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var list = open
                ? _appeals.Where(a => a.State == AppealState.Open).OrderBy(a => a.OpenedAt).ThenBy(a => a.Id)
                : _appeals.Where(a => a.State != AppealState.Open).OrderByDescending(a => a.Decision!.At).ThenBy(a => a.Id);
            return Task.FromResult<IReadOnlyList<Appeal>>(list.Take(limit).ToList());
        }
    }

    public Task<Appeal?> DecideAsync(Guid id, AppealDecision decision, AuditOf<Appeal> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        lock (_lock)
        {
            var index = _appeals.FindIndex(a => a.Id == id);
            if (index < 0 || _appeals[index].State != AppealState.Open) return Task.FromResult<Appeal?>(null);
            var decided = _appeals[index] with { Decision = decision };
            auditLog.AppendLocked(audit(decided));
            _appeals[index] = decided;
            return Task.FromResult<Appeal?>(decided);
        }
    }
}
