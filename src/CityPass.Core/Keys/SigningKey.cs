
namespace CityPass.Core.Keys;

/// <summary>A private key that signs passes. Only the issuing city holds it.</summary>
public abstract class SigningKey
{
    public const int SignatureLength = 64;

    public abstract SignatureSuite Suite { get; }

    public abstract VerificationKey PublicKey { get; }

    /// <summary>Writes a 64-byte r || s signature of <paramref name="data"/>.</summary>
    public abstract void Sign(ReadOnlySpan<byte> data, Span<byte> signature);

    /// <summary>The private key as DER PKCS#8.</summary>
    public abstract byte[] ExportPkcs8();

    public static SigningKey Generate(SignatureSuite suite) => suite switch
    {
        SignatureSuite.Es256 => Es256Key.Generate(),
        SignatureSuite.Sm2Sm3 => Sm2Key.Generate(),
    };

    public static SigningKey Import(SignatureSuite suite, ReadOnlySpan<byte> pkcs8) => suite switch
    {
        SignatureSuite.Es256 => Es256Key.ImportPrivate(pkcs8),
        SignatureSuite.Sm2Sm3 => Sm2Key.ImportPrivate(pkcs8),
    };
}
