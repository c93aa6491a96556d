using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using Microsoft.Extensions.Time.Testing;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace CityPass.Core.Tests;

/// <summary>The vectors published in docs/pass-token.md, read from that very file: a vector that drifts from the code fails.</summary>
public partial class TestVectorTests
{
    private static readonly string Document = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "pass-token.md"));

    public static TheoryData<string> ValidNames() => [.. Blocks("vector").Select(v => v["name"])];

    public static TheoryData<string> V1Names() => [.. Blocks("vector").Where(v => Format(v) == PassFormat.V1).Select(v => v["name"])];

    public static TheoryData<string> V2Names() => [.. Blocks("vector").Where(v => Format(v) == PassFormat.V2).Select(v => v["name"])];

    public static TheoryData<string> InvalidNames() => [.. Blocks("invalid-vector").Select(v => v["name"])];

    public static TheoryData<string> TwinNames() => [.. Blocks("signature-twin").Select(v => v["name"])];

    [Fact]
    public void TheDocumentPublishesBothSuitesInBothFormatsAndTheFailureCases()
    {
        foreach (var format in new[] { PassFormat.V1, PassFormat.V2 })
        {
            Assert.Equal(["ES256", "SM2-SM3"], Blocks("vector").Where(v => Format(v) == format).Select(v => v["suite"]).Order());
            Assert.True(Blocks("invalid-vector").Count(v => Format(Valid(v["keys"])) == format) >= 8);
            Assert.Single(Blocks("signature-twin"), t => Format(Valid(t["of"])) == format);
        }
    }

    [Theory]
    [MemberData(nameof(V1Names))]
    public void IssuingFromTheStatedInputsGivesTheStatedBody(string name)
    {
        var v = Valid(name);
        var pass = IssueFromTheStatedInputs(v);

        Assert.Equal(v["body"], Convert.ToHexStringLower(TokenBytes.Payload(pass.Text).AsSpan(0, PassTokenV1.BodyLength)));
    }

    [Theory]
    [MemberData(nameof(V2Names))]
    public void IssuingFromTheStatedInputsGivesTheStatedHeaderAndSealedFacts(string name)
    {
        var v = Valid(name);
        var payload = TokenBytes.Payload(IssueFromTheStatedInputs(v).Text);

        Assert.Equal(v["header"], Convert.ToHexStringLower(payload.AsSpan(0, PassTokenV2.HeaderLength)));
        // GCM's ciphertext depends on the key, nonce and facts only; its tag also on the (randomised) signature.
        Assert.Equal(v["sealed"], Convert.ToHexStringLower(payload.AsSpan(PassTokenV2.SealedOffset, PassTokenV2.SealedLength)));
    }

    [Theory]
    [MemberData(nameof(V1Names))]
    public void DerivedKeysAndTagMatchTheDocument(string name)
    {
        var v = Valid(name);
        var secret = PrivateKeys(v).Secrets.Single();
        Assert.Equal(v["mac-key"], Convert.ToHexStringLower(secret.MacKey));
        Assert.Equal(v["pseudonym-key"], Convert.ToHexStringLower(secret.PseudonymKey));

        var payload = TokenBytes.Payload(v["token"]);
        Assert.Equal(v["body"] + v["signature"] + v["tag"], Convert.ToHexStringLower(payload));
        var tagged = "CP1:"u8.ToArray().Concat(payload.AsSpan(0, PassTokenV1.TagOffset).ToArray()).ToArray();
        var tag = new byte[PassTokenFormat.TagLength];
        PassCrypto.ComputeTag(secret.MacKey, tagged, tag);
        Assert.Equal(v["tag"], Convert.ToHexStringLower(tag));
    }

    /// <summary>
    /// Every step of the seal recomputed from the document with other code than the issuer's: HKDF and HMAC here,
    /// AES-GCM by BouncyCastle (the issuer uses the platform's), over the facts laid out by hand.
    /// </summary>
    [Theory]
    [MemberData(nameof(V2Names))]
    public void DerivedKeysAndSealMatchTheDocumentByAnIndependentAesGcm(string name)
    {
        var v = Valid(name);
        var sealKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromHexString(v["issuer-secret"]), 32, [], "CityPass v2 pass seal"u8.ToArray());
        Assert.Equal(v["seal-key"], Convert.ToHexStringLower(sealKey));
        Assert.Equal(v["seal-key"], Convert.ToHexStringLower(PrivateKeys(v).Secrets.Single().SealKey));
        var tokenId = Convert.FromHexString(v["token-id"]);
        var passKey = HMACSHA256.HashData(sealKey, tokenId);
        Assert.Equal(v["pass-key"], Convert.ToHexStringLower(passKey));
        Assert.Equal(v["nonce"], Convert.ToHexStringLower(tokenId.AsSpan(0, 12)));
        var facts = new byte[22];
        BinaryPrimitives.WriteUInt32BigEndian(facts, uint.Parse(v["status-version"], CultureInfo.InvariantCulture));
        BinaryPrimitives.WriteUInt16BigEndian(facts.AsSpan(4), (ushort)Credentials(v));
        Convert.FromHexString(v["pseudonym"]).CopyTo(facts, 6);
        Assert.Equal(v["facts"], Convert.ToHexStringLower(facts));

        var payload = TokenBytes.Payload(v["token"]);
        Assert.Equal(v["header"] + v["signature"] + v["sealed"] + v["tag"], Convert.ToHexStringLower(payload));
        var associated = "CP2:"u8.ToArray().Concat(Convert.FromHexString(v["header"] + v["signature"])).ToArray();
        var gcm = new GcmBlockCipher(new AesEngine());
        gcm.Init(true, new AeadParameters(new KeyParameter(passKey), 128, tokenId[..12], associated));
        var output = new byte[gcm.GetOutputSize(facts.Length)];
        var written = gcm.ProcessBytes(facts, 0, facts.Length, output, 0);
        gcm.DoFinal(output, written);
        Assert.Equal(v["sealed"] + v["tag"], Convert.ToHexStringLower(output));
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void TheStatedTokenVerifiesToTheStatedClaimsInBothModes(string name)
    {
        var v = Valid(name);
        var keys = PrivateKeys(v);
        var publicKeys = new PublicKeySet(keys.Issuer, [new PublicKeyEntry(1, new KeyValidity(Time(v["keys-activate"])),
            VerificationKey.Import(Suite(v), Convert.FromBase64String(v["public-key-spki"])))]);
        var clock = new FakeTimeProvider(Time(v["issued-at"]).AddSeconds(10));

        var byMac = new PassVerifier(new TrustStore([]), clock, ownKeys: keys).VerifyMac(v["token"]);
        var bySignature = new PassVerifier(new TrustStore([publicKeys]), clock).VerifySignature(v["token"]);

        Assert.True(byMac.IsValid, byMac.Code);
        Assert.True(bySignature.IsValid, bySignature.Code);
        var expected = new PassClaims(
            new IssuerId(uint.Parse(v["issuer"], CultureInfo.InvariantCulture)),
            Suite(v),
            ushort.Parse(v["key-id"], CultureInfo.InvariantCulture),
            byte.Parse(v["secret-id"], CultureInfo.InvariantCulture),
            Time(v["issued-at"]),
            Time(v["issued-at"]).AddSeconds(int.Parse(v["lifetime"], CultureInfo.InvariantCulture)),
            Colour(v),
            uint.Parse(v["status-version"], CultureInfo.InvariantCulture),
            Credentials(v),
            new TokenId(UInt128.Parse(v["token-id"], NumberStyles.HexNumber, CultureInfo.InvariantCulture)),
            Pseudonym(v));
        Assert.Equal(expected, byMac.Claims);
        // By signature, v1 shows its clear version and credentials; v2 nothing beyond its header.
        var clear = Format(v) == PassFormat.V1 ? expected with { Pseudonym = null } : expected with { Pseudonym = null, StatusVersion = null, Credentials = null };
        Assert.Equal(clear, bySignature.Claims);
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void EachInvalidVectorFailsWithItsCode(string name)
    {
        var v = Blocks("invalid-vector").Single(b => b["name"] == name);
        var keys = PrivateKeys(Valid(v["keys"]));
        var clock = new FakeTimeProvider(Time(v["verify-at"]));
        var mode = v["mode"];
        if (mode is "both" or "mac")
        {
            Assert.Equal(v["expect"], new PassVerifier(new TrustStore([]), clock, ownKeys: keys).Verify(v["token"]).Code);
        }
        if (mode is "both" or "signature")
        {
            Assert.Equal(v["expect"], new PassVerifier(new TrustStore([keys.PublicKeys]), clock).Verify(v["token"]).Code);
        }
    }

    [Theory]
    [MemberData(nameof(TwinNames))]
    public void TheSignatureTwinVerifiesBySignatureToTheSameClaimsAndFailsTheIssuersCheck(string name)
    {
        var twin = Blocks("signature-twin").Single(t => t["name"] == name);
        var v = Valid(twin["of"]);
        var keys = PrivateKeys(v);
        var clock = new FakeTimeProvider(Time(v["issued-at"]).AddSeconds(10));

        // It really is the twin: same r, s' = n − s, and one of the two in the high half.
        Assert.Equal(SignatureTwin.Of(v["token"]), twin["token"]);
        Assert.Equal(v["signature"][..64], twin["signature"][..64]);
        Assert.Equal(SignatureTwin.P256Order - SignatureTwin.S(v["token"]), SignatureTwin.S(twin["token"]));
        Assert.NotEqual(SignatureTwin.S(v["token"]) > SignatureTwin.P256Order / 2, SignatureTwin.S(twin["token"]) > SignatureTwin.P256Order / 2);

        var original = new PassVerifier(new TrustStore([keys.PublicKeys]), clock).VerifySignature(v["token"]);
        var bySignature = new PassVerifier(new TrustStore([keys.PublicKeys]), clock).VerifySignature(twin["token"]);
        var byMac = new PassVerifier(new TrustStore([]), clock, ownKeys: keys).VerifyMac(twin["token"]);

        Assert.True(bySignature.IsValid, bySignature.Code);
        Assert.Equal(original.Claims, bySignature.Claims);
        Assert.Equal("mac_invalid", byMac.Code);
    }

    private static IssuedPass IssueFromTheStatedInputs(Dictionary<string, string> v)
    {
        var issuedAt = Time(v["issued-at"]);
        var citizen = new CitizenPassState(Pseudonym(v), Colour(v), uint.Parse(v["status-version"], CultureInfo.InvariantCulture), Credentials(v));
        var tokenId = new TokenId(UInt128.Parse(v["token-id"], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        return new PassIssuer(PrivateKeys(v), new FakeTimeProvider(issuedAt)).Issue(citizen, tokenId, issuedAt, Format(v));
    }

    // The v1 vectors predate the "format" line: they are frozen as published.
    private static PassFormat Format(Dictionary<string, string> v) => v.GetValueOrDefault("format", "CP1") switch
    {
        "CP1" => PassFormat.V1,
        "CP2" => PassFormat.V2,
        var other => throw new FormatException(other),
    };

    private static Dictionary<string, string> Valid(string name) => Blocks("vector").Single(b => b["name"] == name);

    private static IssuerKeySet PrivateKeys(Dictionary<string, string> v)
    {
        var validity = new KeyValidity(Time(v["keys-activate"]));
        return new IssuerKeySet(
            new IssuerId(uint.Parse(v["issuer"], CultureInfo.InvariantCulture)),
            [new SigningKeyEntry(ushort.Parse(v["key-id"], CultureInfo.InvariantCulture), validity, SigningKey.Import(Suite(v), Convert.FromBase64String(v["signing-key-pkcs8"])))],
            [new IssuerSecret(byte.Parse(v["secret-id"], CultureInfo.InvariantCulture), validity, Convert.FromHexString(v["issuer-secret"]))]);
    }

    private static SignatureSuite Suite(Dictionary<string, string> v) =>
        SignatureSuiteExtensions.TryParseWireName(v["suite"], out var s) ? s : throw new FormatException(v["suite"]);

    private static StatusColour Colour(Dictionary<string, string> v) =>
        StatusColourExtensions.TryParseWireName(v["colour"], out var c) ? c : throw new FormatException(v["colour"]);

    private static Credentials Credentials(Dictionary<string, string> v) =>
        (Credentials)ushort.Parse(v["credentials"].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static CitizenPseudonym Pseudonym(Dictionary<string, string> v) =>
        CitizenPseudonym.TryParse(v["pseudonym"], out var p) ? p : throw new FormatException(v["pseudonym"]);

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static List<Dictionary<string, string>> Blocks(string kind) =>
        BlockPattern().Matches(Document)
            .Where(m => m.Groups["kind"].Value == kind)
            .Select(m => m.Groups["body"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(": ", 2))
                .ToDictionary(kv => kv[0].Trim(), kv => kv[1].TrimEnd('\r')))
            .ToList();

    [GeneratedRegex("```(?<kind>vector|invalid-vector|signature-twin)\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();
}
