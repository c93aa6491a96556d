using System.Globalization;
using System.Text.RegularExpressions;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>The vectors published in docs/pass-token.md, read from that very file: a vector that drifts from the code fails.</summary>
public partial class TestVectorTests
{
    private static readonly string Document = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "pass-token.md"));

    public static TheoryData<string> ValidNames() => [.. Blocks("vector").Select(v => v["name"])];

    public static TheoryData<string> InvalidNames() => [.. Blocks("invalid-vector").Select(v => v["name"])];

    [Fact]
    public void TheDocumentPublishesBothSuitesAndTheFailureCases()
    {
        Assert.Equal(["ES256", "SM2-SM3"], Blocks("vector").Select(v => v["suite"]).Order());
        Assert.True(Blocks("invalid-vector").Count >= 8);
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void IssuingFromTheStatedInputsGivesTheStatedBody(string name)
    {
        var v = Valid(name);
        var keys = PrivateKeys(v);
        var issuedAt = Time(v["issued-at"]);
        var citizen = new CitizenPassState(Pseudonym(v), Colour(v), uint.Parse(v["status-version"], CultureInfo.InvariantCulture), Credentials(v));
        var tokenId = new TokenId(UInt128.Parse(v["token-id"], NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        var pass = new PassIssuer(keys, new FakeTimeProvider(issuedAt)).Issue(citizen, tokenId, issuedAt);

        Assert.Equal(v["body"], Convert.ToHexStringLower(TokenBytes.Payload(pass.Text).AsSpan(0, PassTokenFormat.BodyLength)));
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void DerivedKeysAndTagMatchTheDocument(string name)
    {
        var v = Valid(name);
        var secret = PrivateKeys(v).Secrets.Single();
        Assert.Equal(v["mac-key"], Convert.ToHexStringLower(secret.MacKey));
        Assert.Equal(v["pseudonym-key"], Convert.ToHexStringLower(secret.PseudonymKey));

        var payload = TokenBytes.Payload(v["token"]);
        Assert.Equal(v["body"] + v["signature"] + v["tag"], Convert.ToHexStringLower(payload));
        var tagged = "CP1:"u8.ToArray().Concat(payload.AsSpan(0, PassTokenFormat.BodyLength + PassTokenFormat.SignatureLength).ToArray()).ToArray();
        var tag = new byte[PassTokenFormat.TagLength];
        PassCrypto.ComputeTag(secret.MacKey, tagged, tag);
        Assert.Equal(v["tag"], Convert.ToHexStringLower(tag));
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
        Assert.Equal(expected with { Pseudonym = null }, bySignature.Claims);
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

    [Fact]
    public void TheSignatureTwinVerifiesBySignatureToTheSameClaimsAndFailsTheTag()
    {
        var twin = Blocks("signature-twin").Single();
        var v = Valid(twin["of"]);
        var keys = PrivateKeys(v);
        var clock = new FakeTimeProvider(Time(v["issued-at"]).AddSeconds(10));

        // It really is the twin: same r, s' = n − s, and one of the two in the high half (the published one is high-S).
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
