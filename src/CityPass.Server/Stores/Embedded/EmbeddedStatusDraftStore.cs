using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Authority;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// Status drafts in memory, for the embedded default (one process, so the lease is only ever this process's). A change
/// and its audit entry are one step under the lock, the entry first: if it cannot be appended, nothing changes.
/// </summary>
public sealed class EmbeddedStatusDraftStore(EmbeddedAuditLog auditLog) : IStatusDraftStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Entry> _drafts = [];

    private sealed class Entry(StatusDraft draft)
    {
        public StatusDraft Draft { get; set; } = draft;

        public SortedDictionary<UInt128, StatusDraftResult> Results { get; } = [];

        public DateTimeOffset LeaseUntil { get; set; }

        public string? Runner { get; set; }

        public StatusDraft Snapshot() => Draft with { Done = Results.Count };
    }

    public Task<StatusDraft> CreateAsync(NewStatusDraft draft, AuditOf<StatusDraft> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var created = new StatusDraft(Guid.CreateVersion7(draft.DraftedAt), draft.Colour, draft.Reason, draft.CaseRef, draft.CitizenIds.ToArray(),
            draft.DraftedById, draft.DraftedBy, draft.DraftedAt, draft.ExpiresAt, draft.HeldBecause);
        lock (_lock)
        {
            auditLog.AppendLocked(audit(created));
            _drafts[created.Id] = new Entry(created);
        }
        return Task.FromResult(created);
    }

    public Task<StatusDraft?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_drafts.TryGetValue(id, out var e) ? e.Snapshot() : null);
    }

    public Task<IReadOnlyList<StatusDraft>> ListAsync(StatusDraftState? state, DateTimeOffset? before, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<StatusDraft>>(_drafts.Values.Select(e => e.Snapshot())
                .Where(d => (state is null || d.State == state) && (before is null || d.DraftedAt < before))
                .OrderByDescending(d => d.DraftedAt).ThenByDescending(d => d.Id).Take(Math.Max(0, limit)).ToList());
        }
    }

    public Task<int> CountAwaitingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_drafts.Values.Count(e => e.Draft.StateAt(now) == StatusDraftState.Pending));
    }

    public Task<StatusDraft?> DecideAsync(Guid id, bool approve, Guid byId, string by, DateTimeOffset at, string? reason, AuditOf<StatusDraft> audit,
        CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_drafts.TryGetValue(id, out var e) || e.Draft.StateAt(at) != StatusDraftState.Pending || (approve && e.Draft.DraftedById == byId))
            {
                return Task.FromResult<StatusDraft?>(null);
            }
            var decided = e.Draft with { State = approve ? StatusDraftState.Approved : StatusDraftState.Rejected, DecidedBy = by, DecidedAt = at, DecisionReason = reason };
            auditLog.AppendLocked(audit(decided with { Done = e.Results.Count }));
            e.Draft = decided;
            return Task.FromResult<StatusDraft?>(e.Snapshot());
        }
    }

    public Task<bool> LeaseAsync(Guid id, string runner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_drafts.TryGetValue(id, out var e) || e.Draft.State != StatusDraftState.Approved || e.Draft.FinishedAt is not null) return Task.FromResult(false);
            if (e.Runner != runner && e.LeaseUntil > now) return Task.FromResult(false);
            (e.Runner, e.LeaseUntil) = (runner, leaseUntil);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<Guid>> ListUnfinishedAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Guid>>(_drafts.Values
                .Where(e => e.Draft.State == StatusDraftState.Approved && e.Draft.FinishedAt is null).Select(e => e.Draft.Id).ToList());
        }
    }

    public Task AddResultsAsync(Guid id, IReadOnlyList<StatusDraftResult> results, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var e = _drafts[id];
            foreach (var r in results) e.Results.TryAdd(r.CitizenId.Value, r);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StatusDraftResult>> ListResultsAsync(Guid id, CitizenPseudonym? after, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_drafts.TryGetValue(id, out var e)) return Task.FromResult<IReadOnlyList<StatusDraftResult>>([]);
            return Task.FromResult<IReadOnlyList<StatusDraftResult>>(e.Results
                .Where(kv => after is null || kv.Key > after.Value.Value).Take(Math.Max(0, limit)).Select(kv => kv.Value).ToList());
        }
    }

    public Task<IReadOnlyDictionary<string, int>> CountResultsAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyDictionary<string, int> counts = _drafts.TryGetValue(id, out var e)
                ? e.Results.Values.GroupBy(r => r.Result).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)
                : new Dictionary<string, int>();
            return Task.FromResult(counts);
        }
    }

    public Task FinishAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var e = _drafts[id];
            e.Draft = e.Draft with { FinishedAt = at };
        }
        return Task.CompletedTask;
    }
}
