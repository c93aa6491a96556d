using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CityPass.Core.Tokens;

/// <summary>The symmetric layer of a v1 pass: the issuer's MAC tag and the pseudonym cipher, both HMAC-SHA256.</summary>
internal static class PassCrypto
{
    /// <summary>tag = first 16 bytes of HMAC-SHA256(macKey, prefix || body || signature).</summary>
    public static void ComputeTag(ReadOnlySpan<byte> macKey, ReadOnlySpan<byte> tagged, Span<byte> tag)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(macKey, tagged, full);
        full[..PassTokenFormat.TagLength].CopyTo(tag);
    }

    public static bool TagMatches(ReadOnlySpan<byte> macKey, ReadOnlySpan<byte> tagged, ReadOnlySpan<byte> tag)
    {
        Span<byte> expected = stackalloc byte[PassTokenFormat.TagLength];
        ComputeTag(macKey, tagged, expected);
        return CryptographicOperations.FixedTimeEquals(expected, tag);
    }

    /// <summary>
    /// The pseudonym is XORed with HMAC-SHA256(pseudonymKey, tokenId)[0..16]: a PRF in counter-less
    /// stream mode keyed by a fresh random token id, so every pass of a citizen carries a different,
    /// random-looking ciphertext. Integrity comes from the signature and the tag, not from here.
    /// </summary>
    public static UInt128 Keystream(ReadOnlySpan<byte> pseudonymKey, TokenId tokenId)
    {
        Span<byte> id = stackalloc byte[TokenId.Size];
        tokenId.Write(id);
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(pseudonymKey, id, full);
        return BinaryPrimitives.ReadUInt128BigEndian(full);
    }
}
