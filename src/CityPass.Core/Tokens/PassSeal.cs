using System.Security.Cryptography;

namespace CityPass.Core.Tokens;

/// <summary>
/// The AEAD of a v2 pass: AES-256-GCM under a key made for that one pass, HMAC-SHA256(seal key, token id), with the
/// token id's first 12 bytes as the nonce. A key per pass rather than one key with the token id as nonce, because GCM
/// takes a 96-bit nonce and a random one may repeat: NIST SP 800-38D allows 2^32 messages per key, which a large city
/// issues within weeks, and a repeated nonce gives away the authentication key. A pass key repeats only when the whole
/// 128-bit token id does. AES-GCM for both signature suites: docs/pass-token.md says why.
/// </summary>
internal static class PassSeal
{
    public const int KeyLength = 32;
    public const int NonceLength = 12;

    public static void DerivePassKey(ReadOnlySpan<byte> sealKey, TokenId tokenId, Span<byte> passKey, Span<byte> nonce)
    {
        Span<byte> id = stackalloc byte[TokenId.Size];
        tokenId.Write(id);
        HMACSHA256.HashData(sealKey, id, passKey);
        id[..NonceLength].CopyTo(nonce);
    }

    public static void Seal(
        ReadOnlySpan<byte> sealKey, TokenId tokenId, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        using var aes = PassCipher(sealKey, tokenId, nonce);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, associated);
    }

    /// <summary>False when anything the tag covers was changed (or another secret sealed it): the pass is not the issuer's.</summary>
    public static bool TryOpen(
        ReadOnlySpan<byte> sealKey, TokenId tokenId, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        using var aes = PassCipher(sealKey, tokenId, nonce);
        try
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, associated);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // The platform says "no" only by throwing; callers get a result, as everywhere in the verifier.
            return false;
        }
    }

    // The cipher of one pass, under its own key; the key itself is wiped once the cipher holds it.
    private static AesGcm PassCipher(ReadOnlySpan<byte> sealKey, TokenId tokenId, Span<byte> nonce)
    {
        Span<byte> key = stackalloc byte[KeyLength];
        DerivePassKey(sealKey, tokenId, key, nonce);
        var aes = new AesGcm(key, PassTokenFormat.TagLength);
        CryptographicOperations.ZeroMemory(key);
        return aes;
    }
}
