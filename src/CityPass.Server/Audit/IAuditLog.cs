namespace CityPass.Server.Audit;

/// <summary>Filters of the audit log; <see cref="CaseRef"/> finds the entries made under a case (e.g. its status changes).</summary>
public sealed record AuditQuery(string? Subject = null, string? Actor = null, string? Action = null, DateTimeOffset? From = null, DateTimeOffset? To = null, long? BeforeSequence = null, int Limit = 100, string? CaseRef = null);

/// <summary>The append-only, hash-chained audit log (PostgreSQL, or memory when embedded).</summary>
public interface IAuditLog
{
    /// <summary>The most <see cref="CountAsync"/> counts to.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>
    /// Appends one entry at the end of the chain, on its own. A change of state is audited with its change instead, by the
    /// store that writes it (<see cref="AuditOf{T}"/>; a status change by <see cref="Citizens.ICitizenStore.ChangeStatusAsync"/>):
    /// written after it, the entry could fail while the change stays made.
    /// </summary>
    Task<AuditEntry> AppendAsync(AuditDraft draft, CancellationToken cancellationToken);

    /// <summary>Newest first, at most <see cref="AuditQuery.Limit"/> (1..1000); page with <see cref="AuditQuery.BeforeSequence"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// How many entries match, counting no further than <see cref="AuditQuery.Limit"/> (1..<see cref="MaxCount"/>): enough
    /// to tell whether a threshold is reached without reading the entries (the anomaly guard).
    /// </summary>
    Task<int> CountAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Every entry in sequence order, to verify the chain.</summary>
    IAsyncEnumerable<AuditEntry> ReadAllAsync(CancellationToken cancellationToken);
}
