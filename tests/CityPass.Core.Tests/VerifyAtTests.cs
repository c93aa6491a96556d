using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Core.Tokens;
using CityPass.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>
/// Verifying a pass as of the moment it was scanned (a gate's offline journal, uploaded later): only the pass's own
/// validity window moves to that moment; keys, revocations and trust are judged now.
/// </summary>
public class VerifyAtTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private PassVerifier OwnVerifier(IssuerKeySet keys) => new(new TrustStore([]), _clock, ownKeys: keys);

    private PassVerifier ForeignVerifier(PublicKeySet keys) => new(new TrustStore([keys]), _clock);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APassExpiredNowVerifiesAsOfAMomentInsideItsLife(bool byMac)
    {
        var citizen = TestKeys.Citizen(StatusColour.Yellow, 7);
        var pass = new PassIssuer(TestKeys.ShanghaiEs256, _clock).Issue(citizen);
        var scannedAt = _clock.GetUtcNow().AddSeconds(30);
        _clock.Advance(TimeSpan.FromHours(3));
        var verifier = byMac ? OwnVerifier(TestKeys.ShanghaiEs256) : ForeignVerifier(TestKeys.ShanghaiEs256.PublicKeys);

        Assert.Equal(TokenFailure.Expired, verifier.Verify(pass.Text).Failure);
        var then = verifier.Verify(pass.Text, scannedAt);

        Assert.True(then.IsValid, then.Code);
        // The version is sealed with the pseudonym: only the issuer's check reads it.
        Assert.Equal((pass.TokenId, StatusColour.Yellow, byMac ? 7u : null), (then.Claims.TokenId, then.Claims.Colour, then.Claims.StatusVersion));
        Assert.Equal(byMac ? citizen.Pseudonym : null, then.Claims.Pseudonym);
    }

    [Fact]
    public void TheWindowIsJudgedAtTheGivenMomentWithTheUsualSkew()
    {
        var pass = new PassIssuer(TestKeys.ShanghaiEs256, _clock).Issue(TestKeys.Citizen());
        var verifier = OwnVerifier(TestKeys.ShanghaiEs256);
        var issuedAt = _clock.GetUtcNow();

        Assert.Equal(TokenFailure.NotYetValid, verifier.Verify(pass.Text, issuedAt.AddSeconds(-6)).Failure);
        Assert.True(verifier.Verify(pass.Text, issuedAt.AddSeconds(-4)).IsValid);
        Assert.True(verifier.Verify(pass.Text, pass.ExpiresAt.AddSeconds(4)).IsValid);
        Assert.Equal(TokenFailure.Expired, verifier.Verify(pass.Text, pass.ExpiresAt.AddSeconds(5)).Failure);
        // Now, the same answer as the live check.
        Assert.Equal(verifier.Verify(pass.Text), verifier.Verify(pass.Text, _clock.GetUtcNow()));
    }

    [Fact]
    public void AKeyRevokedSinceRefusesThePassWheneverItWasScanned()
    {
        var keys = IssuerKeySet.Generate(TestKeys.Shanghai, SignatureSuite.Es256, TestKeys.Activation);
        var pass = new PassIssuer(keys, _clock).Issue(TestKeys.Citizen());
        var scannedAt = _clock.GetUtcNow();

        var revoked = keys.RevokeSigningKey(keys.SigningKeys[0].Id);
        Assert.Equal(TokenFailure.KeyRevoked, OwnVerifier(revoked).Verify(pass.Text, scannedAt).Failure);
        Assert.Equal(TokenFailure.KeyRevoked, ForeignVerifier(revoked.PublicKeys).Verify(pass.Text, scannedAt).Failure);
        Assert.Equal(TokenFailure.KeyRevoked, OwnVerifier(keys.RevokeSecret(keys.Secrets[0].Id)).Verify(pass.Text, scannedAt).Failure);
    }

    [Fact]
    public void ATrustedCitysTrustIsJudgedNowNotAtTheScan()
    {
        var pass = new PassIssuer(TestKeys.HangzhouSm2, _clock).Issue(TestKeys.Citizen());
        var scannedAt = _clock.GetUtcNow();
        // Trusted at the scan, no longer now: its keys may have been revoked since, unseen.
        var verifier = ForeignVerifier(TestKeys.HangzhouSm2.PublicKeys.TrustedUntilAt(scannedAt.AddMinutes(1)));
        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(TokenFailure.IssuerTrustExpired, verifier.Verify(pass.Text, scannedAt).Failure);
    }

    [Fact]
    public void AnUnknownIssuerAndAForgeryAreRefusedAsOfAnyMoment()
    {
        var pass = new PassIssuer(TestKeys.HangzhouSm2, _clock).Issue(TestKeys.Citizen());
        var at = _clock.GetUtcNow();

        Assert.Equal(TokenFailure.UnknownIssuer, OwnVerifier(TestKeys.ShanghaiEs256).Verify(pass.Text, at).Failure);
        var own = new PassIssuer(TestKeys.ShanghaiEs256, _clock).Issue(TestKeys.Citizen()).Text;
        var forged = own[..^3] + (own[^3] == '0' ? '1' : '0') + own[^2..];
        Assert.NotEqual(TokenFailure.None, OwnVerifier(TestKeys.ShanghaiEs256).Verify(forged, at).Failure);
    }

    [Fact]
    public void TheClearFieldsOfAPassAreReadWithoutVerifyingAndMalformedTextIsNot()
    {
        var pass = new PassIssuer(TestKeys.HangzhouSm2, _clock).Issue(TestKeys.Citizen(StatusColour.Red));

        Assert.Equal(TokenFailure.None, PassVerifier.ReadUnverified(pass.Text, out var clear));
        Assert.Equal(new UnverifiedPass(TestKeys.Hangzhou, pass.TokenId, StatusColour.Red, pass.IssuedAt, pass.ExpiresAt), clear);
        Assert.Equal(TokenFailure.Malformed, PassVerifier.ReadUnverified("CP1:not a pass", out var none));
        Assert.Equal(default, none);
        Assert.Equal(TokenFailure.TooLarge, PassVerifier.ReadUnverified("CP1:" + new string('0', PassTokenFormat.MaxTextLength), out _));
    }
}
