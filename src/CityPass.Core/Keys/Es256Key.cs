using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace CityPass.Core.Keys;

/// <summary>ES256: ECDSA over P-256 with SHA-256, through the platform's own implementation (OpenSSL on Linux).</summary>
internal static class Es256Key
{
    public static SigningKey Generate() => new Private(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static SigningKey ImportPrivate(ReadOnlySpan<byte> pkcs8)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
        EnsureP256(ecdsa);
        return new Private(ecdsa);
    }

    public static VerificationKey ImportPublic(ReadOnlySpan<byte> spki)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
        EnsureP256(ecdsa);
        return new Public(ecdsa);
    }

    private static void EnsureP256(ECDsa ecdsa)
    {
        if (ecdsa.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new CryptographicException("An ES256 key must be on curve P-256.");
        }
    }

    private sealed class Private : SigningKey
    {
        private readonly byte[] _pkcs8;
        private readonly KeyPool _pool;

        public Private(ECDsa ecdsa)
        {
            _pkcs8 = ecdsa.ExportPkcs8PrivateKey();
            _pool = new KeyPool(ecdsa, key => key.ImportPkcs8PrivateKey(_pkcs8, out _));
            PublicKey = ImportPublic(ecdsa.ExportSubjectPublicKeyInfo());
        }

        public override SignatureSuite Suite => SignatureSuite.Es256;

        public override VerificationKey PublicKey { get; }

        public override void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
        {
            var key = _pool.Rent();
            try
            {
                if (!key.TrySignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written)
                    || written != SignatureLength)
                {
                    throw new CryptographicException("ES256 signing produced an unexpected length.");
                }
            }
            finally
            {
                _pool.Return(key);
            }
        }

        public override byte[] ExportPkcs8() => (byte[])_pkcs8.Clone();
    }

    private sealed class Public : VerificationKey
    {
        private readonly byte[] _spki;
        private readonly KeyPool _pool;

        public Public(ECDsa ecdsa)
        {
            _spki = ecdsa.ExportSubjectPublicKeyInfo();
            _pool = new KeyPool(ecdsa, key => key.ImportSubjectPublicKeyInfo(_spki, out _));
        }

        public override SignatureSuite Suite => SignatureSuite.Es256;

        public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            if (signature.Length != SigningKey.SignatureLength) return false;
            var key = _pool.Rent();
            try
            {
                return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            finally
            {
                _pool.Return(key);
            }
        }

        public override byte[] ExportSubjectPublicKeyInfo() => (byte[])_spki.Clone();
    }

    /// <summary>
    /// ECDsa instances are not documented as safe for concurrent use, so each concurrent caller
    /// rents its own copy of the key; renting costs far less than a sign or verify.
    /// </summary>
    private sealed class KeyPool(ECDsa first, Action<ECDsa> load)
    {
        private readonly ConcurrentBag<ECDsa> _idle = [first];

        public ECDsa Rent()
        {
            if (_idle.TryTake(out var key)) return key;
            var copy = ECDsa.Create();
            load(copy);
            return copy;
        }

        public void Return(ECDsa key) => _idle.Add(key);
    }
}
