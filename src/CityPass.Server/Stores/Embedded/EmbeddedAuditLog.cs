using System.Runtime.CompilerServices;
using CityPass.Server.Audit;

namespace CityPass.Server.Stores.Embedded;

public sealed class EmbeddedAuditLog : IAuditLog
{
    private readonly Lock _lock = new();
    private readonly List<AuditEntry> _entries = [];

    public Task<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(AppendLocked(draft));
    }

    /// <summary>Appends under the caller's lock too, so a status change and its audit entry land together.</summary>
    internal AuditEntry AppendLocked(AuditDraft draft)
    {
        lock (_lock)
        {
            var previous = _entries.Count == 0 ? AuditChain.Genesis : _entries[^1].Hash;
            var entry = AuditChain.Seal(draft, _entries.Count + 1, previous);
            _entries.Add(entry);
            return entry;
        }
    }

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult<IReadOnlyList<AuditEntry>>(Matching(query).Take(Math.Clamp(query.Limit, 1, 1000)).ToList());
    }

    public Task<int> CountAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(Matching(query).Take(Math.Clamp(query.Limit, 1, IAuditLog.MaxCount)).Count());
    }

    /// <summary>Newest first; called under the lock.</summary>
    private IEnumerable<AuditEntry> Matching(AuditQuery query)
    {
        IEnumerable<AuditEntry> e = Enumerable.Reverse(_entries);
        if (query.Subject is not null) e = e.Where(x => x.Subject == query.Subject);
        if (query.Actor is not null) e = e.Where(x => x.Actor == query.Actor);
        if (query.Action is not null) e = e.Where(x => x.Action == query.Action);
        if (query.CaseRef is not null) e = e.Where(x => x.CaseRef == query.CaseRef);
        if (query.From is not null) e = e.Where(x => x.At >= query.From);
        if (query.To is not null) e = e.Where(x => x.At < query.To);
        if (query.BeforeSequence is not null) e = e.Where(x => x.Sequence < query.BeforeSequence);
        return e;
    }

    public async IAsyncEnumerable<AuditEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        AuditEntry[] copy;
        lock (_lock) copy = [.. _entries];
        foreach (var e in copy)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }
        await Task.CompletedTask;
    }
}
