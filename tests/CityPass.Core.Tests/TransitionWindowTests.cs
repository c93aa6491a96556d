using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Core.Tokens;
using CityPass.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>Issuers emit v2; verifiers read v1 beside it until <see cref="PassVerifierOptions.AcceptV1Until"/> (docs/pass-token.md).</summary>
public class TransitionWindowTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private string V1Pass(CitizenPassState citizen) =>
        new PassIssuer(TestKeys.ShanghaiEs256, _clock).Issue(citizen, TokenId.NewRandom(), _clock.GetUtcNow(), PassFormat.V1).Text;

    private PassVerifier ByMac(DateTimeOffset? acceptV1Until = null) =>
        new(new TrustStore([]), _clock, Options(acceptV1Until), TestKeys.ShanghaiEs256);

    private PassVerifier BySignature(DateTimeOffset? acceptV1Until = null) =>
        new(new TrustStore([TestKeys.ShanghaiEs256.PublicKeys]), _clock, Options(acceptV1Until));

    private static PassVerifierOptions Options(DateTimeOffset? acceptV1Until) =>
        new() { AcceptV1Until = acceptV1Until ?? PassVerifierOptions.DefaultAcceptV1Until };

    [Fact]
    public void IssuersEmitV2()
    {
        Assert.StartsWith("CP2:", new PassIssuer(TestKeys.ShanghaiEs256, _clock).Issue(TestKeys.Citizen()).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AV1PassIsReadInBothModesInsideTheWindowWithItsClearFactsVisibleBySignature()
    {
        var citizen = TestKeys.Citizen(StatusColour.Yellow, 37, Credentials.SocialSecurityCard);
        var text = V1Pass(citizen);

        var byMac = ByMac().Verify(text);
        var bySignature = BySignature().Verify(text);

        Assert.True(byMac.IsValid, byMac.Code);
        Assert.Equal((citizen.Pseudonym, (uint?)37u, (Credentials?)Credentials.SocialSecurityCard), (byMac.Claims.Pseudonym, byMac.Claims.StatusVersion, byMac.Claims.Credentials));
        Assert.True(bySignature.IsValid, bySignature.Code);
        Assert.Equal(byMac.Claims with { Pseudonym = null }, bySignature.Claims);
    }

    [Fact]
    public void AV1PassIsRefusedAsUnsupportedVersionOnceTheWindowClosesAndAV2PassIsNot()
    {
        var closesAt = _clock.GetUtcNow().AddSeconds(20);
        var v1 = V1Pass(TestKeys.Citizen());
        var v2 = new PassIssuer(TestKeys.ShanghaiEs256, _clock).Issue(TestKeys.Citizen()).Text;

        _clock.Advance(TimeSpan.FromSeconds(19));
        Assert.True(ByMac(closesAt).Verify(v1).IsValid);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("unsupported_version", ByMac(closesAt).Verify(v1).Code);
        Assert.Equal("unsupported_version", BySignature(closesAt).Verify(v1).Code);
        Assert.Equal("unsupported_version", ByMac(closesAt).VerifyMac(v1).Code);
        Assert.Equal("unsupported_version", BySignature(closesAt).VerifySignature(v1).Code);
        Assert.True(ByMac(closesAt).Verify(v2).IsValid);
        Assert.True(BySignature(closesAt).Verify(v2).IsValid);
    }

    [Fact]
    public void TheDefaultWindowClosesOnTheDocumentedDate()
    {
        Assert.Equal(new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero), new PassVerifierOptions().AcceptV1Until);
    }

    [Fact]
    public void AJournalledScanOfAV1PassIsJudgedAtItsScanTime()
    {
        var closesAt = _clock.GetUtcNow().AddSeconds(30);
        var scannedAt = _clock.GetUtcNow().AddSeconds(10);
        var v1 = V1Pass(TestKeys.Citizen());
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.True(ByMac(closesAt).Verify(v1, scannedAt).IsValid);
        Assert.Equal("unsupported_version", ByMac(closesAt).Verify(v1, closesAt).Code);
    }

    [Fact]
    public void AV1PassStillReadsUnverifiedAfterTheWindowSoARefusalCanBeRecorded()
    {
        var v1 = V1Pass(TestKeys.Citizen());
        Assert.Equal(TokenFailure.None, PassVerifier.ReadUnverified(v1, out var pass));
        Assert.Equal(TestKeys.Shanghai, pass.Issuer);
    }
}
