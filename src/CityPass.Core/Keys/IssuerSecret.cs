using System.Security.Cryptography;
using System.Text;

namespace CityPass.Core.Keys;

/// <summary>
/// A symmetric secret that never leaves the issuing city's servers. Two keys are derived from it
/// (HKDF-SHA256): one for the MAC tag that lets the city's own API check a pass in about a
/// microsecond, one for the cipher that hides the citizen pseudonym from everyone else.
/// </summary>
public sealed class IssuerSecret
{
    public const int SecretLength = 32;
    private static readonly byte[] MacInfo = Encoding.ASCII.GetBytes("CityPass v1 pass MAC");
    private static readonly byte[] PseudonymInfo = Encoding.ASCII.GetBytes("CityPass v1 pseudonym cipher");

    private readonly byte[] _secret;

    public IssuerSecret(byte id, KeyValidity validity, ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretLength) throw new ArgumentException($"An issuer secret is {SecretLength} bytes.", nameof(secret));
        Id = id;
        Validity = validity;
        _secret = secret.ToArray();
        MacKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: MacInfo);
        PseudonymKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: PseudonymInfo);
    }

    public byte Id { get; }

    public KeyValidity Validity { get; }

    internal byte[] MacKey { get; }

    internal byte[] PseudonymKey { get; }

    public static IssuerSecret Generate(byte id, KeyValidity validity) => new(id, validity, RandomNumberGenerator.GetBytes(SecretLength));

    public IssuerSecret WithValidity(KeyValidity validity) => new(Id, validity, _secret);

    internal byte[] ExportSecret() => (byte[])_secret.Clone();
}
