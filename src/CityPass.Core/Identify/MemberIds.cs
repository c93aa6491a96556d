using System.Security.Cryptography;
using CityPass.Core.Citizens;

namespace CityPass.Core.Identify;

/// <summary>
/// A citizen's member id at one venue: HMAC-SHA256 under a server-held key of (venue id, citizen pseudonym), truncated
/// to 80 bits and written as 16 Crockford base-32 characters. The same citizen gets the same id at one venue every time
/// (a library keys its loans by it), and ids of one citizen at two venues cannot be linked without the key (the venues
/// comparing their member lists learn nothing). 80 bits keep accidental collisions out of reach for any venue's members
/// (birthday bound ~2^40) and stay short enough to read out at a desk.
/// The key is a purpose-specific derivation of the server secret (never the secret itself): see KeyMaterial.MemberIdKey.
/// </summary>
public static class MemberIds
{
    public const int Length = 16;
    private const int TruncatedBytes = 10;
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>The member id of <paramref name="citizen"/> at <paramref name="venueId"/> under <paramref name="key"/> (32 bytes).</summary>
    public static string Derive(ReadOnlySpan<byte> key, Guid venueId, CitizenPseudonym citizen)
    {
        if (key.Length < 32) throw new ArgumentException("The member id key is 32 bytes.", nameof(key));
        // Fixed-length fields, so no two (venue, citizen) pairs share an input.
        Span<byte> input = stackalloc byte[32];
        if (!venueId.TryWriteBytes(input[..16], bigEndian: true, out _)) throw new InvalidOperationException("A GUID is 16 bytes.");
        citizen.Write(input[16..]);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, input, mac);
        return Base32(mac[..TruncatedBytes]);
    }

    /// <summary>Whether two member ids are the same, in time independent of where they differ.</summary>
    public static bool AreEqual(string? a, string? b)
    {
        if (a is null || b is null) return false;
        return CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()), System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan()));
    }

    /// <summary>Whether <paramref name="text"/> has the form of a member id (16 characters of the alphabet).</summary>
    public static bool IsMemberId(string? text) => text is { Length: Length } && text.All(c => Alphabet.Contains(c, StringComparison.Ordinal));

    private static string Base32(ReadOnlySpan<byte> bytes)
    {
        // 10 bytes = 80 bits = 16 groups of 5.
        Span<char> chars = stackalloc char[Length];
        int buffer = 0, bits = 0, at = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[at++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        return new string(chars);
    }
}
