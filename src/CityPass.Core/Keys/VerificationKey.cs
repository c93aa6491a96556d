using System.Security.Cryptography;

namespace CityPass.Core.Keys;

/// <summary>The public half of a signing key: what any verifier, in this city or another, holds.</summary>
public abstract class VerificationKey
{
    public abstract SignatureSuite Suite { get; }

    /// <summary>Verifies a 64-byte r || s signature over <paramref name="data"/>. Never throws on bad input.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>The key as DER SubjectPublicKeyInfo, the form OpenSSL and JSON key sets use.</summary>
    public abstract byte[] ExportSubjectPublicKeyInfo();

    public string ExportPem() => PemEncoding.WriteString("PUBLIC KEY", ExportSubjectPublicKeyInfo());

    public static VerificationKey Import(SignatureSuite suite, ReadOnlySpan<byte> subjectPublicKeyInfo) => suite switch
    {
        SignatureSuite.Es256 => Es256Key.ImportPublic(subjectPublicKeyInfo),
        SignatureSuite.Sm2Sm3 => Sm2Key.ImportPublic(subjectPublicKeyInfo),
    };
}
