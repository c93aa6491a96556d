using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>
/// Our signatures are checked by an independent implementation (the openssl command line) and
/// signatures it makes are accepted by ours, over the exact bytes a pass signs: "CP2:" || header.
/// </summary>
public sealed class OpensslInteropTests : IDisposable
{
    private const string Sm2Id = "distid:1234567812345678";
    private readonly Openssl _openssl = new();
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    public void Dispose() => _openssl.Dispose();

    public static TheoryData<SignatureSuite> Suites => [SignatureSuite.Es256, SignatureSuite.Sm2Sm3];

    private static string[] DigestArgs(SignatureSuite suite) => suite switch
    {
        SignatureSuite.Es256 => ["dgst", "-sha256"],
        SignatureSuite.Sm2Sm3 => ["dgst", "-sm3", "-sigopt", Sm2Id],
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void OurSignatureOfAPassVerifiesWithOpenssl(SignatureSuite suite)
    {
        var keys = TestKeys.For(suite);
        var pass = new PassIssuer(keys, _clock).Issue(TestKeys.Citizen());
        var payload = TokenBytes.Payload(pass.Text);
        var signed = "CP2:"u8.ToArray().Concat(payload[..PassTokenV2.HeaderLength]).ToArray();
        File.WriteAllText(_openssl.Path("pub.pem"), keys.SigningKeys[0].Key.PublicKey.ExportPem());
        File.WriteAllBytes(_openssl.Path("data"), signed);
        File.WriteAllBytes(_openssl.Path("sig.der"), Openssl.ToDer(payload.AsSpan(PassTokenV2.SignatureOffset, PassTokenFormat.SignatureLength)));

        var ok = _openssl.Run([.. DigestArgs(suite), "-verify", "pub.pem", "-signature", "sig.der", "data"]);
        Assert.True(ok.ExitCode == 0, ok.Output);
        Assert.Contains("Verified OK", ok.Output, StringComparison.Ordinal);

        // The same check fails when the data differs: it is a real check.
        signed[^1] ^= 1;
        File.WriteAllBytes(_openssl.Path("data"), signed);
        Assert.NotEqual(0, _openssl.Run([.. DigestArgs(suite), "-verify", "pub.pem", "-signature", "sig.der", "data"]).ExitCode);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void APassSignedByOpensslVerifiesInOurs(SignatureSuite suite)
    {
        // OpenSSL makes the key pair...
        _openssl.RunOk(suite == SignatureSuite.Es256
            ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "key.pem"]
            : ["genpkey", "-algorithm", "SM2", "-out", "key.pem"]);
        _openssl.RunOk("pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-outform", "DER", "-out", "key.p8");
        _openssl.RunOk("pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der");
        var validity = new KeyValidity(TestKeys.Activation);
        var keys = new IssuerKeySet(new IssuerId(440300),
            [new SigningKeyEntry(1, validity, SigningKey.Import(suite, File.ReadAllBytes(_openssl.Path("key.p8"))))],
            [IssuerSecret.Generate(1, validity)]);
        var publicSet = new PublicKeySet(keys.Issuer, [new PublicKeyEntry(1, validity, VerificationKey.Import(suite, File.ReadAllBytes(_openssl.Path("pub.der"))))]);

        // ...and signs the pass header in place of ours; the issuer then seals over the result.
        var citizen = TestKeys.Citizen();
        var issued = new PassIssuer(keys, _clock).Issue(citizen);
        var buffer = TokenBytes.Buffer(issued.Text);
        File.WriteAllBytes(_openssl.Path("data"), buffer[..PassTokenV2.SignedLength]);
        _openssl.RunOk([.. DigestArgs(suite), "-sign", "key.pem", "-out", "sig.der", "data"]);
        Openssl.FromDer(File.ReadAllBytes(_openssl.Path("sig.der"))).CopyTo(buffer, PassTokenV2.SignedLength);
        var facts = new byte[PassTokenV2.SealedLength];
        PassTokenV2.WriteFacts(facts, citizen);
        PassTokenV2.Seal(buffer, keys.Secrets[0], issued.TokenId, facts);
        var payload = buffer[PassTokenFormat.PrefixLength..];
        var text = TokenBytes.Encode(payload);

        var bySignature = new PassVerifier(new TrustStore([publicSet]), _clock).VerifySignature(text);
        var byMac = new PassVerifier(new TrustStore([]), _clock, ownKeys: keys).VerifyMac(text);
        Assert.True(bySignature.IsValid, bySignature.Code);
        Assert.True(byMac.IsValid, byMac.Code);

        // And a signature by another OpenSSL key is refused.
        _openssl.RunOk(suite == SignatureSuite.Es256
            ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.pem"]
            : ["genpkey", "-algorithm", "SM2", "-out", "other.pem"]);
        _openssl.RunOk([.. DigestArgs(suite), "-sign", "other.pem", "-out", "other.der", "data"]);
        Openssl.FromDer(File.ReadAllBytes(_openssl.Path("other.der"))).CopyTo(payload, PassTokenV2.SignatureOffset);
        Assert.Equal("signature_invalid", new PassVerifier(new TrustStore([publicSet]), _clock).VerifySignature(TokenBytes.Encode(payload)).Code);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void OurPublicKeyPemIsReadByOpenssl(SignatureSuite suite)
    {
        File.WriteAllText(_openssl.Path("pub.pem"), TestKeys.For(suite).SigningKeys[0].Key.PublicKey.ExportPem());
        var text = _openssl.RunOk("pkey", "-pubin", "-in", "pub.pem", "-text", "-noout");
        Assert.Contains(suite == SignatureSuite.Es256 ? "prime256v1" : "SM2", text, StringComparison.Ordinal);
    }
}
