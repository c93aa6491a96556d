using CityPass.Core.Citizens;
using CityPass.Core.Federation;
using CityPass.Core.Gates;
using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>The gate bundle: what an offline gate decides by, signed by its city's federation key for that gate alone.</summary>
public sealed class GateBundleTests
{
    private static readonly DateTimeOffset Now = TestClock.Start;
    private readonly FederationKey _city = FederationKey.Generate(SignatureSuite.Es256);
    private readonly Guid _gate = Guid.NewGuid();

    private GateBundle Bundle(params PublicKeySet[] keySets) => new(TestKeys.Shanghai, _gate, Guid.NewGuid(), Now, TimeSpan.FromHours(24),
        keySets.Length > 0 ? keySets : [TestKeys.ShanghaiEs256.PublicKeys],
        new VenuePolicy
        {
            AllowedColours = StatusColours.Green | StatusColours.Yellow,
            RequiredCredentials = Credentials.SocialSecurityCard,
            ForeignCredentials = Credentials.SocialSecurityCard,
            Capacity = 40,
            Hours = new OpeningHours("Asia/Shanghai", [new OpeningPeriod(DayOfWeek.Monday, new TimeOnly(9, 0), new TimeOnly(17, 0))]),
        },
        Now.AddDays(30));

    [Fact]
    public void ABundleVerifiesForItsGateWithItsKeySetsTheirTrustAndThePolicy()
    {
        var until = Now.AddDays(1);
        var sent = Bundle(TestKeys.ShanghaiEs256.PublicKeys, TestKeys.HangzhouSm2.PublicKeys.TrustedUntilAt(until));

        var failure = GateBundle.TryVerify(GateBundle.Sign(sent, _city.Key), _city.PublicKey, TestKeys.Shanghai, _gate, out var bundle);

        Assert.Equal(GateBundleFailure.None, failure);
        Assert.Equal((sent.Issuer, sent.GateId, sent.VenueId, sent.IssuedAt, sent.MaxAge, sent.AcceptV1Until),
            (bundle!.Issuer, bundle.GateId, bundle.VenueId, bundle.IssuedAt, bundle.MaxAge, bundle.AcceptV1Until));
        // The periods are a list, which a record compares by reference: compare the policies as the API writes them.
        Assert.Equal(VenuePolicyDocument.From(sent.Policy).ToJson(), VenuePolicyDocument.From(bundle.Policy).ToJson());
        Assert.Equal(Credentials.SocialSecurityCard, bundle.Policy.ForeignCredentials);
        Assert.Equal([TestKeys.Shanghai, TestKeys.Hangzhou], bundle.KeySets.Select(k => k.Issuer));
        Assert.Null(bundle.KeySets[0].TrustedUntil);
        Assert.Equal(until, bundle.KeySets[1].TrustedUntil);
    }

    [Fact]
    public void OfflineThePassesOfEveryCityInTheBundleVerifyBySignatureUntilTheirTrustEnds()
    {
        var clock = new FakeTimeProvider(Now);
        GateBundle.TryVerify(GateBundle.Sign(Bundle(TestKeys.ShanghaiEs256.PublicKeys, TestKeys.HangzhouSm2.PublicKeys.TrustedUntilAt(Now.AddMinutes(10))), _city.Key),
            _city.PublicKey, TestKeys.Shanghai, _gate, out var bundle);
        var offline = new PassVerifier(bundle!.Trust(), clock);
        var citizen = new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 1, Credentials.HealthRecord);

        Assert.True(offline.Verify(new PassIssuer(TestKeys.ShanghaiEs256, clock).Issue(citizen).Text).IsValid);
        Assert.True(offline.Verify(new PassIssuer(TestKeys.HangzhouSm2, clock).Issue(citizen).Text).IsValid);
        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal("issuer_trust_expired", offline.Verify(new PassIssuer(TestKeys.HangzhouSm2, clock).Issue(citizen).Text).Code);
        Assert.Equal("unknown_issuer", offline.Verify(new PassIssuer(IssuerKeySet.Generate(new IssuerId(440100), SignatureSuite.Es256, Now.AddDays(-1)), clock).Issue(citizen).Text).Code);
    }

    [Fact]
    public void ABundleIsUsableFromItsIssueUntilItsMaximumAge()
    {
        var bundle = Bundle();
        Assert.True(bundle.IsUsableAt(Now));
        Assert.True(bundle.IsUsableAt(Now.AddHours(24)));
        Assert.False(bundle.IsUsableAt(Now.AddHours(24).AddSeconds(1)));
        Assert.False(bundle.IsUsableAt(Now.AddMinutes(-6))); // a gate clock far behind the bundle's own time
    }

    [Fact]
    public void ABundleForAnotherGateOrCityOrUnderAnotherKeyIsRefused()
    {
        var text = GateBundle.Sign(Bundle(), _city.Key);

        Assert.Equal(GateBundleFailure.NotForThisGate, GateBundle.TryVerify(text, _city.PublicKey, TestKeys.Shanghai, Guid.NewGuid(), out _));
        Assert.Equal(GateBundleFailure.NotForThisGate, GateBundle.TryVerify(text, _city.PublicKey, TestKeys.Hangzhou, _gate, out _));
        Assert.Equal(GateBundleFailure.SignatureInvalid, GateBundle.TryVerify(text, FederationKey.Generate(SignatureSuite.Es256).PublicKey, TestKeys.Shanghai, _gate, out _));
        Assert.Equal(GateBundleFailure.AlgorithmMismatch, GateBundle.TryVerify(text, FederationKey.Generate(SignatureSuite.Sm2Sm3).PublicKey, TestKeys.Shanghai, _gate, out var bundle));
        Assert.Null(bundle);
    }

    [Fact]
    public void AKeySetDocumentSignedByTheSameKeyIsNotABundleNorTheOtherWayRound()
    {
        var document = SignedKeySet.Sign(TestKeys.ShanghaiEs256.PublicKeys, Now, Now.AddDays(1), _city.Key);
        Assert.Equal(GateBundleFailure.Malformed, GateBundle.TryVerify(document, _city.PublicKey, TestKeys.Shanghai, _gate, out _));

        var bundle = GateBundle.Sign(Bundle(), _city.Key);
        Assert.Equal(KeySetDocumentFailure.Malformed, SignedKeySet.TryVerify(bundle, _city.PublicKey, TestKeys.Shanghai, out _));
    }

    [Fact]
    public void ABundleOverTheLimitIsRefusedUnread() =>
        Assert.Equal(GateBundleFailure.TooLarge, GateBundle.TryVerify(new string(' ', GateBundle.MaxBundleBytes + 1), _city.PublicKey, TestKeys.Shanghai, _gate, out _));
}
