using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;

namespace CityPass.Core.Tests;

/// <summary>The signed key-set document of docs/federation.md: its vectors (read from that file), and every way it is refused.</summary>
public sealed partial class SignedKeySetTests : IDisposable
{
    private static readonly string FederationDoc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "federation.md"));
    private static readonly DateTimeOffset IssuedAt = TestClock.Start;
    private readonly Openssl _openssl = new();

    public void Dispose() => _openssl.Dispose();

    public static TheoryData<SignatureSuite> Suites => [SignatureSuite.Es256, SignatureSuite.Sm2Sm3];

    public static TheoryData<string> VectorNames() => [.. Vectors().Select(v => v["name"])];

    [Fact]
    public void TheDocumentPublishesAVectorForEachSuite() =>
        Assert.Equal(["ES256", "SM2-SM3"], Vectors().Select(v => v["suite"]).Order());

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void EachVectorVerifiesUnderItsFederationKeyWithTheStatedContents(string name)
    {
        var v = Vectors().Single(b => b["name"] == name);
        var pinned = FederationKey.ImportPublic(v["suite"], v["federation-public-key"]);
        var issuer = IssuerId.TryParse(v["issuer"], out var id) ? id : throw new FormatException(v["issuer"]);

        Assert.Equal(KeySetDocumentFailure.None, SignedKeySet.TryVerify(v["document"], pinned, issuer, out var document));

        Assert.Equal(v["fingerprint"], FederationKey.FingerprintOf(pinned));
        Assert.Equal(Time(v["issued-at"]), document!.IssuedAt);
        Assert.Equal(Time(v["expires-at"]), document.ExpiresAt);
        Assert.Equal(v["keys"], string.Join(", ", document.Keys.Keys.Select(k => k.Id + (k.Validity.Revoked ? " revoked" : ""))));
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void EachVectorWithOneCharacterOfItsPayloadChangedIsRefused(string name)
    {
        var v = Vectors().Single(b => b["name"] == name);
        var pinned = FederationKey.ImportPublic(v["suite"], v["federation-public-key"]);
        var jws = JsonNode.Parse(v["document"])!.AsObject();
        var payload = jws["payload"]!.GetValue<string>();
        // Within the payload's base64url text, away from its last character (whose low bits may be padding).
        jws["payload"] = payload[..20] + (payload[20] == 'A' ? 'B' : 'A') + payload[21..];

        Assert.Equal(KeySetDocumentFailure.SignatureInvalid, SignedKeySet.TryVerify(jws.ToJsonString(), pinned, new IssuerId(uint.Parse(v["issuer"], CultureInfo.InvariantCulture)), out _));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void ASignedDocumentCarriesTheKeysTheirWindowsAndRevocations(SignatureSuite suite)
    {
        var keys = TestKeys.For(suite).Rotate(suite, IssuedAt.AddDays(1)).RevokeSigningKey(1);
        var federation = FederationKey.Generate(suite);

        var text = SignedKeySet.Sign(keys.PublicKeys, IssuedAt, IssuedAt.AddHours(24), federation.Key);

        Assert.Equal(KeySetDocumentFailure.None, SignedKeySet.TryVerify(text, federation.PublicKey, keys.Issuer, out var document));
        Assert.Equal(keys.Issuer, document!.Issuer);
        Assert.Equal(IssuedAt, document.IssuedAt);
        Assert.Equal(IssuedAt.AddHours(24), document.ExpiresAt);
        Assert.Equal(keys.PublicKeys.Keys.Select(k => (k.Id, k.Validity)), document.Keys.Keys.Select(k => (k.Id, k.Validity)));
        Assert.True(document.Keys.Find(1)!.Validity.Revoked);
        Assert.Equal(keys.PublicKeys.Find(2)!.Key.ExportSubjectPublicKeyInfo(), document.Keys.Find(2)!.Key.ExportSubjectPublicKeyInfo());
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void AnotherFederationKeyOrAnotherIssuerIsRefused(SignatureSuite suite)
    {
        var keys = TestKeys.For(suite);
        var text = SignedKeySet.Sign(keys.PublicKeys, IssuedAt, IssuedAt.AddHours(24), FederationKey.Generate(suite).Key);

        Assert.Equal(KeySetDocumentFailure.SignatureInvalid, SignedKeySet.TryVerify(text, FederationKey.Generate(suite).PublicKey, keys.Issuer, out var document));
        Assert.Null(document);
        // A pass key of the same city is not its federation key either.
        Assert.Equal(KeySetDocumentFailure.SignatureInvalid, SignedKeySet.TryVerify(text, keys.SigningKeys[0].Key.PublicKey, keys.Issuer, out _));
    }

    [Fact]
    public void ADocumentSignedForAnotherIssuerUnderThePinnedKeyIsRefused()
    {
        var federation = FederationKey.Generate(SignatureSuite.Es256);
        var text = SignedKeySet.Sign(TestKeys.ShanghaiEs256.PublicKeys, IssuedAt, IssuedAt.AddHours(1), federation.Key);

        Assert.Equal(KeySetDocumentFailure.IssuerMismatch, SignedKeySet.TryVerify(text, federation.PublicKey, new IssuerId(440100), out var document));
        Assert.Null(document);
    }

    [Fact]
    public void AHeaderNamingAnotherAlgorithmThanThePinnedKeysIsRefused()
    {
        var sm2 = FederationKey.Generate(SignatureSuite.Sm2Sm3);
        var text = SignedKeySet.Sign(TestKeys.ShanghaiEs256.PublicKeys, IssuedAt, IssuedAt.AddHours(1), sm2.Key);

        Assert.Equal(KeySetDocumentFailure.AlgorithmMismatch,
            SignedKeySet.TryVerify(text, FederationKey.Generate(SignatureSuite.Es256).PublicKey, TestKeys.ShanghaiEs256.Issuer, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"protected\":\"!!\",\"payload\":\"e30\",\"signature\":\"AA\"}")]
    [InlineData("{\"protected\":\"e30\",\"payload\":\"e30\",\"signature\":\"AA\"}")]
    public void TextThatIsNotASignedDocumentIsMalformed(string text) =>
        Assert.Equal(KeySetDocumentFailure.Malformed, SignedKeySet.TryVerify(text, FederationKey.Generate(SignatureSuite.Es256).PublicKey, TestKeys.ShanghaiEs256.Issuer, out _));

    [Fact]
    public void ADocumentOverTheLimitIsRefusedUnread() =>
        Assert.Equal(KeySetDocumentFailure.TooLarge, SignedKeySet.TryVerify(new string(' ', SignedKeySet.MaxDocumentBytes + 1),
            FederationKey.Generate(SignatureSuite.Es256).PublicKey, TestKeys.ShanghaiEs256.Issuer, out _));

    [Fact]
    public void AnEs256DocumentIsAStandardJwsThatOpensslVerifies()
    {
        var federation = FederationKey.Generate(SignatureSuite.Es256);
        var jws = JsonNode.Parse(SignedKeySet.Sign(TestKeys.ShanghaiEs256.PublicKeys, IssuedAt, IssuedAt.AddHours(1), federation.Key))!.AsObject();
        var signingInput = Encoding.ASCII.GetBytes(jws["protected"]!.GetValue<string>() + "." + jws["payload"]!.GetValue<string>());
        File.WriteAllText(_openssl.Path("pub.pem"), federation.PublicKey.ExportPem());
        File.WriteAllBytes(_openssl.Path("data"), signingInput);
        File.WriteAllBytes(_openssl.Path("sig.der"), Openssl.ToDer(Base64Url.DecodeFromChars(jws["signature"]!.GetValue<string>())));

        var verified = _openssl.Run("dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "data");
        Assert.True(verified.ExitCode == 0, verified.Output);

        signingInput[^1] ^= 1;
        File.WriteAllBytes(_openssl.Path("data"), signingInput);
        Assert.NotEqual(0, _openssl.Run("dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "data").ExitCode);
        Assert.Equal("{\"alg\":\"ES256\",\"typ\":\"citypass-keyset+jws\"}", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(jws["protected"]!.GetValue<string>())));
    }

    [Fact]
    public void APrivateFederationKeyFileRoundTrips()
    {
        var key = FederationKey.Generate(SignatureSuite.Sm2Sm3);
        var again = FederationKey.FromPrivateJson(key.ToPrivateJson());
        Assert.Equal(key.Fingerprint, again.Fingerprint);
        Assert.Throws<FormatException>(() => FederationKey.FromPrivateJson("{\"suite\":\"ES256\",\"privateKey\":\"AAAA\"}"));
    }

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static List<Dictionary<string, string>> Vectors() =>
        BlockPattern().Matches(FederationDoc)
            .Select(m => m.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(": ", 2))
                .ToDictionary(kv => kv[0].Trim(), kv => kv[1].TrimEnd('\r')))
            .ToList();

    [GeneratedRegex("```keyset-vector\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();
}
