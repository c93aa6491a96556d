using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

public class PassTokenTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private PassIssuer Issuer(IssuerKeySet keys) => new(keys, _clock);

    private PassVerifier IssuerVerifier(IssuerKeySet keys) => new(new TrustStore([]), _clock, ownKeys: keys);

    private PassVerifier OfflineVerifier(params IssuerKeySet[] keys) => new(new TrustStore(keys.Select(k => k.PublicKeys)), _clock);

    [Theory]
    [InlineData(SignatureSuite.Es256)]
    [InlineData(SignatureSuite.Sm2Sm3)]
    public void AnIssuedPassVerifiesBySealWithAllItsClaimsAndBySignatureWithTheClearOnes(SignatureSuite suite)
    {
        var keys = TestKeys.For(suite);
        var citizen = TestKeys.Citizen(StatusColour.Yellow, 42, Credentials.EIdVerified | Credentials.SocialSecurityCard);
        var pass = Issuer(keys).Issue(citizen);

        var byMac = IssuerVerifier(keys).VerifyMac(pass.Text);
        var bySignature = OfflineVerifier(keys).VerifySignature(pass.Text);

        Assert.True(byMac.IsValid, byMac.Code);
        Assert.True(bySignature.IsValid, bySignature.Code);
        var c = byMac.Claims;
        Assert.Equal((keys.Issuer, suite, StatusColour.Yellow, (uint?)42u), (c.Issuer, c.Suite, c.Colour, c.StatusVersion));
        Assert.Equal(Credentials.EIdVerified | Credentials.SocialSecurityCard, c.Credentials);
        Assert.Equal(pass.TokenId, c.TokenId);
        Assert.Equal(_clock.GetUtcNow(), c.IssuedAt);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(60), c.ExpiresAt);
        Assert.Equal(citizen.Pseudonym, c.Pseudonym);
        // The signature opens nothing: the version, the credentials and the pseudonym stay sealed.
        Assert.Equal(c with { Pseudonym = null, StatusVersion = null, Credentials = null }, bySignature.Claims);
    }

    [Fact]
    public void EveryPassIsExactlyTheDocumentedLengthInTheQrAlphabet()
    {
        var text = Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen()).Text;
        Assert.Equal(PassTokenFormat.TextLength, text.Length);
        Assert.Equal(204, text.Length);
        Assert.StartsWith("CP2:", text, StringComparison.Ordinal);
        Assert.All(text, c => Assert.Contains(c, Base45.Alphabet));
    }

    [Fact]
    public void TwoPassesOfOneCitizenShareNoIdentifyingBytes()
    {
        var citizen = TestKeys.Citizen(StatusColour.Green, 37, Credentials.SocialSecurityCard);
        var issuer = Issuer(TestKeys.ShanghaiEs256);
        var a = issuer.Issue(citizen).Text;
        var b = issuer.Issue(citizen).Text;

        Assert.NotEqual(Decode(a).TokenId, Decode(b).TokenId);
        Assert.NotEqual(Sealed(a), Sealed(b));
        Assert.Null(Decode(a).StatusVersion);
        Assert.Null(Decode(a).Credentials);
        // Only the city's own verifier can tell who it is and what it holds; another city learns validity and colour.
        var foreign = OfflineVerifier(TestKeys.ShanghaiEs256).Verify(issuer.Issue(citizen).Text);
        Assert.True(foreign.IsValid);
        Assert.Equal((null, null, null), (foreign.Claims.Pseudonym, foreign.Claims.StatusVersion, foreign.Claims.Credentials));

        static string Sealed(string text) => Convert.ToHexString(TokenBytes.Payload(text).AsSpan(PassTokenV2.SealedOffset, PassTokenV2.SealedLength));
    }

    [Fact]
    public void TheIssuersVerifierChecksItsOwnPassesByTagAndOthersBySignature()
    {
        var verifier = new PassVerifier(new TrustStore([TestKeys.HangzhouSm2.PublicKeys]), _clock, ownKeys: TestKeys.ShanghaiEs256);
        var own = verifier.Verify(Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen()).Text);
        var foreign = verifier.Verify(Issuer(TestKeys.HangzhouSm2).Issue(TestKeys.Citizen()).Text);

        Assert.True(own.IsValid);
        Assert.NotNull(own.Claims.Pseudonym);
        Assert.True(foreign.IsValid);
        Assert.Equal(TestKeys.Hangzhou, foreign.Claims.Issuer);
        Assert.Null(foreign.Claims.Pseudonym);
    }

    [Fact]
    public void ExpiredPassIsRefusedWithExpiredOnceTheSkewIsSpent()
    {
        var pass = Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen());
        var verifier = IssuerVerifier(TestKeys.ShanghaiEs256);

        _clock.Advance(TimeSpan.FromSeconds(60 + 4));
        Assert.True(verifier.Verify(pass.Text).IsValid);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("expired", verifier.Verify(pass.Text).Code);
        Assert.Equal("expired", OfflineVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
    }

    [Fact]
    public void PassFromTheFutureIsRefusedWithNotYetValid()
    {
        var pass = Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen());
        var verifier = IssuerVerifier(TestKeys.ShanghaiEs256);
        // Back in time: AdjustTime, as Advance and SetUtcNow only go forward.
        _clock.AdjustTime(_clock.GetUtcNow().AddSeconds(-5));
        Assert.True(verifier.Verify(pass.Text).IsValid);
        _clock.AdjustTime(_clock.GetUtcNow().AddSeconds(-1));
        Assert.Equal("not_yet_valid", verifier.Verify(pass.Text).Code);
    }

    [Fact]
    public void ClockSkewIsConfigurable()
    {
        var pass = Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen());
        var strict = new PassVerifier(new TrustStore([]), _clock, new PassVerifierOptions { ClockSkew = TimeSpan.Zero }, TestKeys.ShanghaiEs256);
        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal("expired", strict.Verify(pass.Text).Code);
        Assert.True(IssuerVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).IsValid);
    }

    [Fact]
    public void PassClaimingTooLongALifeIsRefused()
    {
        var longLived = new PassIssuer(TestKeys.ShanghaiEs256, _clock, new PassIssuerOptions { Lifetime = TimeSpan.FromMinutes(30) });
        var pass = longLived.Issue(TestKeys.Citizen());
        Assert.Equal("lifetime_too_long", IssuerVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
        Assert.Equal("lifetime_too_long", OfflineVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
    }

    [Fact]
    public void PassOfAnUntrustedCityIsRefusedWithUnknownIssuer()
    {
        var pass = Issuer(TestKeys.HangzhouSm2).Issue(TestKeys.Citizen());
        Assert.Equal("unknown_issuer", OfflineVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
        Assert.Equal("unknown_issuer", IssuerVerifier(TestKeys.ShanghaiEs256).VerifyMac(pass.Text).Code);
    }

    [Fact]
    public void PassSignedByAKeyTheVerifierDoesNotKnowIsRefusedWithUnknownKey()
    {
        var rotated = TestKeys.ShanghaiEs256.Rotate(SignatureSuite.Es256, _clock.GetUtcNow());
        var pass = Issuer(rotated).Issue(TestKeys.Citizen());
        Assert.Equal("unknown_key", OfflineVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
        Assert.Equal("unknown_key", IssuerVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
    }

    [Fact]
    public void PassOfAnotherKeyOfTheSameIssuerFailsTheSignatureAndTheTag()
    {
        // Same issuer code and key ids, other key material: what a forger with its own keys makes.
        var impostor = IssuerKeySet.Generate(TestKeys.Shanghai, SignatureSuite.Es256, TestKeys.Activation);
        var pass = Issuer(impostor).Issue(TestKeys.Citizen());
        Assert.Equal("signature_invalid", OfflineVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
        Assert.Equal("mac_invalid", IssuerVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
    }

    [Fact]
    public void PassWhoseSuiteByteDisagreesWithItsKeyIsRefused()
    {
        // An SM2 key set with ES256's issuer code: the key id resolves, the suite does not match.
        var sm2 = IssuerKeySet.Generate(TestKeys.Shanghai, SignatureSuite.Sm2Sm3, TestKeys.Activation);
        var pass = Issuer(sm2).Issue(TestKeys.Citizen());
        Assert.Equal("signature_invalid", OfflineVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text).Code);
    }

    [Theory]
    [InlineData("", "malformed")]
    [InlineData("hello", "malformed")]
    [InlineData("CP1:", "malformed")]
    [InlineData("CP2:", "malformed")]
    [InlineData("CP2:ABC", "malformed")]
    [InlineData("CP3:ABC", "unsupported_version")]
    [InlineData("CP10:ABC", "unsupported_version")]
    [InlineData("CPX:ABC", "malformed")]
    [InlineData("https://example.org/?q=CP1:ABC", "malformed")]
    public void TextThatIsNoPassGetsACode(string text, string code)
    {
        Assert.Equal(code, IssuerVerifier(TestKeys.ShanghaiEs256).Verify(text).Code);
        Assert.Equal(code, OfflineVerifier(TestKeys.ShanghaiEs256).Verify(text).Code);
    }

    [Fact]
    public void OverlongTextIsRefusedUnreadWithTooLarge()
    {
        var pass = Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen()).Text;
        Assert.Equal("too_large", IssuerVerifier(TestKeys.ShanghaiEs256).Verify(pass + new string('0', 400)).Code);
        Assert.Equal("too_large", IssuerVerifier(TestKeys.ShanghaiEs256).Verify(new string('x', 1_000_000)).Code);
        Assert.Equal("malformed", IssuerVerifier(TestKeys.ShanghaiEs256).Verify(pass + "00").Code);
    }

    [Theory]
    [InlineData(PassTokenFormat.SuiteOffset, 9, "unsupported_suite")]
    [InlineData(PassTokenFormat.ColourOffset, 3, "malformed")]
    public void BodyFieldsOutsideTheirRangeGetACode(int offset, byte value, string code)
    {
        var text = Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen()).Text;
        var tampered = TokenBytes.Rewrite(text, payload => payload[offset] = value);
        Assert.Equal(code, IssuerVerifier(TestKeys.ShanghaiEs256).Verify(tampered).Code);
    }

    [Fact]
    public void ZeroLifetimeIsMalformed()
    {
        var text = Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen()).Text;
        var tampered = TokenBytes.Rewrite(text, payload => payload[PassTokenFormat.LifetimeOffset] = payload[PassTokenFormat.LifetimeOffset + 1] = 0);
        Assert.Equal("malformed", OfflineVerifier(TestKeys.ShanghaiEs256).Verify(tampered).Code);
    }

    [Fact]
    public void IssuingWithoutAnActiveKeyIsAConfigurationError()
    {
        var future = IssuerKeySet.Generate(TestKeys.Shanghai, SignatureSuite.Es256, _clock.GetUtcNow().AddDays(1));
        Assert.Throws<InvalidOperationException>(() => Issuer(future).Issue(TestKeys.Citizen()));
    }

    [Fact]
    public void VerifyingByTagWithoutTheIssuersSecretsAnswersUnknownIssuer()
    {
        var pass = Issuer(TestKeys.ShanghaiEs256).Issue(TestKeys.Citizen());
        Assert.Equal("unknown_issuer", OfflineVerifier(TestKeys.ShanghaiEs256).VerifyMac(pass.Text).Code);
    }

    private static PassFields Decode(string text)
    {
        Assert.Equal(TokenFailure.None, PassVerifier.DecodeUnverified(text, out var fields));
        return fields;
    }
}
