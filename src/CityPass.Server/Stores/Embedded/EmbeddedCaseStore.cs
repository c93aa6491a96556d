using CityPass.Server.Audit;
using CityPass.Server.Cases;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// Cases in memory, for the embedded default. A change and its audit entry are one step under the lock, the entry first:
/// if it cannot be appended, nothing changes (not even the next number).
/// </summary>
public sealed class EmbeddedCaseStore(EmbeddedAuditLog auditLog) : ICaseStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, Case> _byNumber = [];
    private readonly Dictionary<string, long> _byId = new(StringComparer.Ordinal);
    private long _lastNumber;

    public Task<Case> CreateAsync(CaseDraft draft, AuditOf<Case> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        lock (_lock)
        {
            var number = _lastNumber + 1;
            var created = new Case(CaseIds.For(draft.OpenedAt, number), draft.Type, draft.LegalBasis, draft.Owner, draft.Notes, draft.OpenedAt, draft.OpenedBy);
            auditLog.AppendLocked(audit(created));
            _lastNumber = number;
            _byNumber[number] = created;
            _byId[created.Id] = number;
            return Task.FromResult(created);
        }
    }

    public Task<Case?> GetAsync(string id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_byId.TryGetValue(id, out var number) ? _byNumber[number] : null);
    }

    public Task<IReadOnlyList<Case>> ListAsync(CaseState state, long? beforeNumber, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IEnumerable<KeyValuePair<long, Case>> all = _byNumber.Reverse();
            if (beforeNumber is { } before) all = all.Where(kv => kv.Key < before);
            var cases = all.Select(kv => kv.Value).Where(c => state switch
            {
                CaseState.Open => c.IsOpen,
                CaseState.Closed => !c.IsOpen,
                CaseState.All => true,
            });
            return Task.FromResult<IReadOnlyList<Case>>(cases.Take(Math.Max(0, limit)).ToList());
        }
    }

    public Task<Case?> UpdateAsync(string id, string legalBasis, string owner, string notes, AuditOf<Case> audit, CancellationToken cancellationToken) =>
        Replace(id, c => c with { LegalBasis = legalBasis, Owner = owner, Notes = notes }, audit);

    public Task<Case?> CloseAsync(string id, DateTimeOffset at, string by, string reason, AuditOf<Case> audit, CancellationToken cancellationToken) =>
        Replace(id, c => c with { ClosedAt = at, ClosedBy = by, CloseReason = reason }, audit);

    /// <summary>Only an open case changes, as the database's conditional UPDATE does.</summary>
    private Task<Case?> Replace(string id, Func<Case, Case> change, AuditOf<Case> audit)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var number) || !_byNumber[number].IsOpen) return Task.FromResult<Case?>(null);
            var changed = change(_byNumber[number]);
            auditLog.AppendLocked(audit(changed));
            _byNumber[number] = changed;
            return Task.FromResult<Case?>(changed);
        }
    }
}
