using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CityPass.Core.Audit;

/// <summary>
/// The audit log's hash chain: each entry's SHA-256 covers the previous entry's hash and every field of its own,
/// length-prefixed so that no two entries collide by concatenation. Here, without I/O, so that the server that writes
/// the log and an auditor's `citypass audit verify` that reads it compute the very same thing.
/// </summary>
public static class AuditHash
{
    /// <summary>The hash before the first entry.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string Compute(string previousHash, long sequence, DateTimeOffset at, string actor, string action, string subject,
        string? before, string? after, string reason, string? caseRef)
    {
        var sb = new StringBuilder();
        foreach (var field in new[]
                 {
                     previousHash, sequence.ToString(CultureInfo.InvariantCulture), at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                     actor, action, subject, before ?? "\0", after ?? "\0", reason, caseRef ?? "\0",
                 })
        {
            sb.Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field).Append(';');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
