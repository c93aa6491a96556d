using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace CityPass.Core.Keys;

/// <summary>
/// SM2 signatures with SM3 (GB/T 32918.2, GB/T 32905) through BouncyCastle, with the standard's
/// default distinguishing ID "1234567812345678" and the signature as r || s.
/// </summary>
internal static class Sm2Key
{
    private static readonly ECDomainParameters Domain = CreateDomain();

    private static ECDomainParameters CreateDomain()
    {
        var curve = GMNamedCurves.GetByOid(GMObjectIdentifiers.sm2p256v1);
        return new ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H, curve.GetSeed());
    }

    public static SigningKey Generate()
    {
        var generator = new ECKeyPairGenerator("EC");
        generator.Init(new ECKeyGenerationParameters(GMObjectIdentifiers.sm2p256v1, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        return new Private((ECPrivateKeyParameters)pair.Private, (ECPublicKeyParameters)pair.Public);
    }

    public static SigningKey ImportPrivate(ReadOnlySpan<byte> pkcs8)
    {
        if (PrivateKeyFactory.CreateKey(pkcs8.ToArray()) is not ECPrivateKeyParameters key || !IsSm2(key.Parameters))
        {
            throw new CryptographicException("An SM2 key must be on curve sm2p256v1.");
        }
        var named = new ECPrivateKeyParameters("EC", key.D, GMObjectIdentifiers.sm2p256v1);
        var q = Domain.G.Multiply(key.D).Normalize();
        return new Private(named, new ECPublicKeyParameters("EC", q, GMObjectIdentifiers.sm2p256v1));
    }

    public static VerificationKey ImportPublic(ReadOnlySpan<byte> spki)
    {
        if (PublicKeyFactory.CreateKey(spki.ToArray()) is not ECPublicKeyParameters key || !IsSm2(key.Parameters))
        {
            throw new CryptographicException("An SM2 key must be on curve sm2p256v1.");
        }
        return new Public(new ECPublicKeyParameters("EC", key.Q, GMObjectIdentifiers.sm2p256v1));
    }

    private static bool IsSm2(ECDomainParameters parameters) =>
        parameters.Curve.Equals(Domain.Curve) && parameters.G.Equals(Domain.G) && parameters.N.Equals(Domain.N);

    // SM2Signer keeps state between calls (a reused one fails every verify after the first unless
    // reset), and it is cheap to make next to SM2's own cost, so each call gets a fresh one.
    private static SM2Signer NewSigner() => new(new PlainDsaEncoding(), new SM3Digest());

    private sealed class Private(ECPrivateKeyParameters key, ECPublicKeyParameters publicKey) : SigningKey
    {
        public override SignatureSuite Suite => SignatureSuite.Sm2Sm3;

        public override VerificationKey PublicKey { get; } = new Public(publicKey);

        public override void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
        {
            var signer = NewSigner();
            signer.Init(true, new ParametersWithRandom(key, new SecureRandom()));
            var bytes = data.ToArray();
            signer.BlockUpdate(bytes, 0, bytes.Length);
            var result = signer.GenerateSignature();
            if (result.Length != SignatureLength) throw new CryptographicException("SM2 signing produced an unexpected length.");
            result.CopyTo(signature);
        }

        public override byte[] ExportPkcs8() => PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
    }

    private sealed class Public(ECPublicKeyParameters key) : VerificationKey
    {
        private readonly byte[] _spki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key).GetDerEncoded();

        public override SignatureSuite Suite => SignatureSuite.Sm2Sm3;

        public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            if (signature.Length != SigningKey.SignatureLength) return false;
            try
            {
                var signer = NewSigner();
                signer.Init(false, key);
                var bytes = data.ToArray();
                signer.BlockUpdate(bytes, 0, bytes.Length);
                return signer.VerifySignature(signature.ToArray());
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or CryptoException)
            {
                return false;
            }
        }

        public override byte[] ExportSubjectPublicKeyInfo() => (byte[])_spki.Clone();
    }
}
