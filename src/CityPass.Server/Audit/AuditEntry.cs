using CityPass.Core.Audit;

namespace CityPass.Server.Audit;

/// <summary>
/// One audited action: who did what to whom, from what to what, why, under which case. Entries form
/// a hash chain (each hash covers the previous one), so a changed or deleted row is detectable.
/// </summary>
public sealed record AuditEntry(
    long Sequence,
    DateTimeOffset At,
    string Actor,
    string Action,
    string Subject,
    string? Before,
    string? After,
    string Reason,
    string? CaseRef,
    string PreviousHash,
    string Hash);

/// <summary>An action to audit; the log assigns sequence and hashes.</summary>
public sealed record AuditDraft(DateTimeOffset At, string Actor, string Action, string Subject, string? Before, string? After, string Reason, string? CaseRef);

public static class AuditChain
{
    /// <summary>The hash before the first entry.</summary>
    public const string Genesis = AuditHash.Genesis;

    /// <summary>SHA-256 over the previous hash and every field (<see cref="AuditHash"/>, shared with `citypass audit verify`).</summary>
    public static string ComputeHash(string previousHash, long sequence, AuditDraft d) =>
        AuditHash.Compute(previousHash, sequence, d.At, d.Actor, d.Action, d.Subject, d.Before, d.After, d.Reason, d.CaseRef);

    public static AuditEntry Seal(AuditDraft d, long sequence, string previousHash) =>
        new(sequence, d.At, d.Actor, d.Action, d.Subject, d.Before, d.After, d.Reason, d.CaseRef, previousHash, ComputeHash(previousHash, sequence, d));

    /// <summary>Checks a run of consecutive entries; returns the sequence of the first broken one, or null.</summary>
    public static long? FindBreak(IEnumerable<AuditEntry> entriesInOrder, string? previousHash = null)
    {
        var prev = previousHash;
        foreach (var e in entriesInOrder)
        {
            if (prev is not null && e.PreviousHash != prev) return e.Sequence;
            var draft = new AuditDraft(e.At, e.Actor, e.Action, e.Subject, e.Before, e.After, e.Reason, e.CaseRef);
            if (ComputeHash(e.PreviousHash, e.Sequence, draft) != e.Hash) return e.Sequence;
            prev = e.Hash;
        }
        return null;
    }
}
