using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace CityPass.Core.Tokens;

/// <summary>
/// The AEAD of a v2 pass: AES-256-GCM under a key made for that one pass, HMAC-SHA256(seal key, token id), with the
/// token id's first 12 bytes as the nonce. A key per pass rather than one key with the token id as nonce, because GCM
/// takes a 96-bit nonce and a random one may repeat: NIST SP 800-38D allows 2^32 messages per key, which a large city
/// issues within weeks, and a repeated nonce gives away the authentication key. A pass key repeats only when the whole
/// 128-bit token id does. AES-GCM for both signature suites: docs/pass-token.md says why.
/// </summary>
/// <remarks>
/// BouncyCastle's GCM (AES-NI and PCLMULQDQ where the CPU has them) rather than the platform's <see cref="AesGcm"/>:
/// a key per pass means a cipher keyed per pass, and the platform's costs a native context made and freed each time,
/// which made opening a v2 pass 1.5x the cost of checking a v1 pass's MAC (docs/performance.md). BouncyCastle's
/// cipher is re-keyed in place, one per thread for opening (the hot path). Sealing makes its own: issuing is dominated
/// by the signature, and a cipher that sealed under one key and nonce refuses to seal under the same pair again.
/// </remarks>
internal static class PassSeal
{
    public const int KeyLength = 32;
    public const int NonceLength = 12;
    private const int TagBits = PassTokenFormat.TagLength * 8;

    [ThreadStatic]
    private static GcmBlockCipher? t_opener;

    // HMAC keyed with the last seal key this thread derived under: keying one costs more than using it, and the seal
    // key changes only when a secret does (while two are active, a thread may key afresh now and then).
    [ThreadStatic]
    private static byte[]? t_derivingUnder;

    [ThreadStatic]
    private static IncrementalHash? t_deriver;

    public static void DerivePassKey(byte[] sealKey, TokenId tokenId, Span<byte> passKey, Span<byte> nonce)
    {
        Span<byte> id = stackalloc byte[TokenId.Size];
        tokenId.Write(id);
        var deriver = Deriver(sealKey);
        deriver.AppendData(id);
        deriver.GetHashAndReset(passKey);
        id[..NonceLength].CopyTo(nonce);
    }

    private static IncrementalHash Deriver(byte[] sealKey)
    {
        if (t_deriver is null || !ReferenceEquals(t_derivingUnder, sealKey))
        {
            t_deriver?.Dispose();
            t_deriver = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, sealKey);
            t_derivingUnder = sealKey;
        }
        return t_deriver;
    }

    public static void Seal(
        byte[] sealKey, TokenId tokenId, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
    {
        var cipher = Keyed(new GcmBlockCipher(AesUtilities.CreateEngine()), forSealing: true, sealKey, tokenId, associated);
        Span<byte> sealedAndTag = stackalloc byte[plaintext.Length + PassTokenFormat.TagLength];
        var written = cipher.ProcessBytes(plaintext, sealedAndTag);
        cipher.DoFinal(sealedAndTag[written..]);
        sealedAndTag[..plaintext.Length].CopyTo(ciphertext);
        sealedAndTag[plaintext.Length..].CopyTo(tag);
    }

    /// <summary>False when anything the tag covers was changed (or another secret sealed it): the pass is not the issuer's.</summary>
    public static bool TryOpen(
        byte[] sealKey, TokenId tokenId, ReadOnlySpan<byte> associated, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        var cipher = Keyed(t_opener ??= new GcmBlockCipher(AesUtilities.CreateEngine()), forSealing: false, sealKey, tokenId, associated);
        try
        {
            // GCM holds back what could be the tag until DoFinal, which writes the rest and checks the tag.
            var written = cipher.ProcessBytes(ciphertext, plaintext);
            written += cipher.ProcessBytes(tag, plaintext[written..]);
            cipher.DoFinal(plaintext[written..]);
            return true;
        }
        catch (InvalidCipherTextException)
        {
            // The library says "no" only by throwing; callers get a result, as everywhere in the verifier. Nothing
            // of an unauthenticated plaintext is left for them.
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    // Keys the cipher for one pass. The pass key on the stack is wiped once the cipher holds it; the library's own copy
    // lives until the cipher is keyed for the next pass (a pass key opens that one pass only).
    private static GcmBlockCipher Keyed(GcmBlockCipher cipher, bool forSealing, byte[] sealKey, TokenId tokenId, ReadOnlySpan<byte> associated)
    {
        Span<byte> key = stackalloc byte[KeyLength];
        Span<byte> nonce = stackalloc byte[NonceLength];
        DerivePassKey(sealKey, tokenId, key, nonce);
        cipher.Init(forSealing, new AeadParameters(new KeyParameter(key), TagBits, nonce.ToArray()));
        CryptographicOperations.ZeroMemory(key);
        cipher.ProcessAadBytes(associated);
        return cipher;
    }
}
