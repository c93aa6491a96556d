using System.Security.Cryptography;
using System.Text;
using CityPass.Core.Keys;

namespace CityPass.Server.Keys;

/// <summary>
/// The managed key set at rest: its private JSON under AES-256-GCM with a key derived from the server secret
/// (<see cref="KeyMaterial.KeySetSealPurpose"/>), a random 96-bit nonce per seal, and the issuer as associated data, so
/// a sealed set cannot be passed off as another city's. Layout: nonce (12) || ciphertext || tag (16).
/// </summary>
public static class KeySetSeal
{
    private const int NonceLength = 12;
    private const int TagLength = 16;

    public static byte[] Seal(IssuerKeySet keys, byte[] sealKey)
    {
        var plain = Encoding.UTF8.GetBytes(keys.ToPrivateJson());
        var sealedBytes = new byte[NonceLength + plain.Length + TagLength];
        var nonce = sealedBytes.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(sealKey, TagLength);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceLength, plain.Length), sealedBytes.AsSpan(NonceLength + plain.Length), AssociatedData(keys.Issuer));
        CryptographicOperations.ZeroMemory(plain);
        return sealedBytes;
    }

    /// <summary>The key set, or a <see cref="CryptographicException"/> when the seal does not open with this key (another server secret, or altered bytes).</summary>
    public static IssuerKeySet Open(byte[] sealedBytes, byte[] sealKey, IssuerId issuer)
    {
        if (sealedBytes.Length < NonceLength + TagLength) throw new CryptographicException("The sealed key set is truncated.");
        var plain = new byte[sealedBytes.Length - NonceLength - TagLength];
        using var aes = new AesGcm(sealKey, TagLength);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceLength), sealedBytes.AsSpan(NonceLength, plain.Length), sealedBytes.AsSpan(NonceLength + plain.Length), plain, AssociatedData(issuer));
        try
        {
            return IssuerKeySet.FromPrivateJson(Encoding.UTF8.GetString(plain));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>A stable name for a key set's content (its private JSON hashed), for telling whether configuration supplies one already taken in.</summary>
    public static string Fingerprint(IssuerKeySet keys) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(keys.ToPrivateJson())));

    private static byte[] AssociatedData(IssuerId issuer) => Encoding.ASCII.GetBytes($"citypass/keyset/{issuer}");
}
