using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Core.Tokens;
using CityPass.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>A verifier reads its trust at each verification, and a federated key set stops at its trust's end.</summary>
public sealed class TrustSourceTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private sealed class SwappableTrust(TrustStore initial) : ITrustSource
    {
        public TrustStore Current { get; set; } = initial;
    }

    [Fact]
    public void AKeySetAddedToTheSourceCountsFromTheNextVerification()
    {
        var trust = new SwappableTrust(new TrustStore([]));
        var verifier = new PassVerifier(trust, _clock, ownKeys: TestKeys.ShanghaiEs256);
        var foreign = new PassIssuer(TestKeys.HangzhouSm2, _clock).Issue(TestKeys.Citizen());

        Assert.Equal("unknown_issuer", verifier.Verify(foreign.Text).Code);
        trust.Current = new TrustStore([TestKeys.HangzhouSm2.PublicKeys]);
        Assert.True(verifier.Verify(foreign.Text).IsValid);
        trust.Current = new TrustStore([]);
        Assert.Equal("unknown_issuer", verifier.Verify(foreign.Text).Code);
    }

    [Fact]
    public void OwnPassesVerifyWhateverTheSourceHolds()
    {
        var verifier = new PassVerifier(new SwappableTrust(new TrustStore([])), _clock, ownKeys: TestKeys.ShanghaiEs256);
        var own = new PassIssuer(TestKeys.ShanghaiEs256, _clock).Issue(TestKeys.Citizen());

        Assert.True(verifier.Verify(own.Text).IsValid);
        Assert.True(verifier.VerifySignature(own.Text).IsValid);
    }

    [Fact]
    public void AForeignKeySetPastItsTrustedUntilIsRefusedWithItsOwnCode()
    {
        var until = TestClock.Start.AddMinutes(1);
        var verifier = new PassVerifier(new TrustStore([TestKeys.HangzhouSm2.PublicKeys.TrustedUntilAt(until)]), _clock);

        Assert.True(verifier.Verify(new PassIssuer(TestKeys.HangzhouSm2, _clock).Issue(TestKeys.Citizen()).Text).IsValid);
        _clock.SetUtcNow(until);
        var pass = new PassIssuer(TestKeys.HangzhouSm2, _clock).Issue(TestKeys.Citizen());
        Assert.Equal("issuer_trust_expired", verifier.Verify(pass.Text).Code);
    }

    [Fact]
    public void AForgedPassOfAnExpiredTrustIsStillJustNotAuthentic()
    {
        // The signature is judged first: a forger learns nothing about the trust from the answer.
        var verifier = new PassVerifier(new TrustStore([TestKeys.HangzhouSm2.PublicKeys.TrustedUntilAt(TestClock.Start.AddMinutes(-1))]), _clock);
        var text = new PassIssuer(TestKeys.HangzhouSm2, _clock).Issue(TestKeys.Citizen()).Text;
        var forged = text[..40] + (text[40] == '0' ? '1' : '0') + text[41..];

        Assert.Equal("signature_invalid", verifier.Verify(forged).Code);
    }
}
