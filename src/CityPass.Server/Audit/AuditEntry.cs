using System.Globalization;
using System.Security.Cryptography;
using System.Text;

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
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>SHA-256 over the previous hash and every field, length-prefixed so no two entries collide by concatenation.</summary>
    public static string ComputeHash(string previousHash, long sequence, AuditDraft d)
    {
        var sb = new StringBuilder();
        foreach (var field in new[]
                 {
                     previousHash, sequence.ToString(CultureInfo.InvariantCulture), d.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                     d.Actor, d.Action, d.Subject, d.Before ?? "\0", d.After ?? "\0", d.Reason, d.CaseRef ?? "\0",
                 })
        {
            sb.Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field).Append(';');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

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
