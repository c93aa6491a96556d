using System.Security.Cryptography;
using System.Text;

namespace CityPass.Core.Keys;

/// <summary>
/// A symmetric secret that never leaves the issuing city's servers. Keys are derived from it
/// (HKDF-SHA256): for v2 passes the seal key, whose AES-GCM seal hides the status version, the
/// credentials and the pseudonym from everyone else and lets the city's own API check the whole pass
/// in microseconds; for v1 passes (accepted during the transition) the MAC key and the pseudonym
/// cipher's key.
/// </summary>
public sealed class IssuerSecret
{
    public const int SecretLength = 32;
    private static readonly byte[] MacInfo = Encoding.ASCII.GetBytes("CityPass v1 pass MAC");
    private static readonly byte[] PseudonymInfo = Encoding.ASCII.GetBytes("CityPass v1 pseudonym cipher");
    private static readonly byte[] SealInfo = Encoding.ASCII.GetBytes("CityPass v2 pass seal");

    private readonly byte[] _secret;

    public IssuerSecret(byte id, KeyValidity validity, ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretLength) throw new ArgumentException($"An issuer secret is {SecretLength} bytes.", nameof(secret));
        Id = id;
        Validity = validity;
        _secret = secret.ToArray();
        MacKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: MacInfo);
        PseudonymKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: PseudonymInfo);
        SealKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: SealInfo);
    }

    public byte Id { get; }

    public KeyValidity Validity { get; }

    internal byte[] MacKey { get; }

    internal byte[] PseudonymKey { get; }

    /// <summary>v2: each pass's AES-256-GCM key is derived from this one and the pass's token id.</summary>
    internal byte[] SealKey { get; }

    public static IssuerSecret Generate(byte id, KeyValidity validity) => new(id, validity, RandomNumberGenerator.GetBytes(SecretLength));

    public IssuerSecret WithValidity(KeyValidity validity) => new(Id, validity, _secret);

    internal byte[] ExportSecret() => (byte[])_secret.Clone();
}
