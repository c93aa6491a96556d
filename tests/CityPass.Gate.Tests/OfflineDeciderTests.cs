using CityPass.Core.Citizens;
using CityPass.Core.Federation;
using CityPass.Core.Gates;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Gate.Tests;

/// <summary>The gate's offline decision, with bundles signed and verified as the server and the gate do.</summary>
public sealed class OfflineDeciderTests
{
    private static readonly IssuerId City = new(310100);
    private static readonly IssuerId OtherCity = new(440100);
    private static readonly Guid GateId = Guid.NewGuid();
    private static readonly TimeSpan MaxDrift = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly IssuerKeySet _keys;
    private readonly IssuerKeySet _otherKeys;
    private readonly FederationKey _federation = FederationKey.Generate(SignatureSuite.Es256);
    private readonly HashSet<TokenId> _seen = [];

    public OfflineDeciderTests()
    {
        _keys = IssuerKeySet.Generate(City, SignatureSuite.Es256, TestClock.Start.AddDays(-1));
        _otherKeys = IssuerKeySet.Generate(OtherCity, SignatureSuite.Es256, TestClock.Start.AddDays(-1));
    }

    private OfflineDecider Decider(VenuePolicy? policy = null, IssuerKeySet? keys = null, TimeSpan? maxAge = null, DateTimeOffset? acceptV1Until = null)
    {
        var bundle = new GateBundle(City, GateId, Guid.NewGuid(), _clock.GetUtcNow(), maxAge ?? TimeSpan.FromHours(24),
            [(keys ?? _keys).PublicKeys, _otherKeys.PublicKeys], policy ?? VenuePolicy.Default, acceptV1Until ?? _clock.GetUtcNow().AddDays(90));
        // Through the wire form, as the gate gets it.
        var text = GateBundle.Sign(bundle, _federation.Key);
        Assert.Equal(GateBundleFailure.None, GateBundle.TryVerify(text, _federation.PublicKey, City, GateId, out var opened));
        return new OfflineDecider(opened!, _clock);
    }

    private string Pass(StatusColour colour = StatusColour.Green, Credentials credentials = Credentials.HealthRecord, IssuerKeySet? keys = null) =>
        new PassIssuer(keys ?? _keys, _clock).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), colour, 3, credentials)).Text;

    private string V1Pass(Credentials credentials, IssuerKeySet? keys = null) =>
        new PassIssuer(keys ?? _keys, _clock).Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 3, credentials),
            TokenId.NewRandom(), _clock.GetUtcNow(), PassFormat.V1).Text;

    private OfflineVerdict Decide(OfflineDecider decider, string text, ScanDirection direction = ScanDirection.In, TimeSpan? drift = default)
    {
        var verdict = decider.Decide(text, direction, drift ?? TimeSpan.FromSeconds(1), MaxDrift, _seen.Contains);
        if (verdict.AllowedToken is { } token) _seen.Add(token);
        return verdict;
    }

    [Fact]
    public void AGreenPassOfTheCityIsAllowedAndRememberedSoItCannotEnterTwice()
    {
        var decider = Decider();
        var pass = Pass();
        var first = Decide(decider, pass);
        Assert.Equal((true, "allowed", "green", false), (first.Allowed, first.Code, first.Colour, first.Flagged));
        Assert.NotNull(first.AllowedToken);
        Assert.Equal(("token_replayed", false), (Decide(decider, pass).Code, Decide(decider, pass).Allowed));
        // Leaving is never refused for the pass having entered.
        Assert.True(Decide(decider, pass, ScanDirection.Out).Allowed);
    }

    [Fact]
    public void ARedPassIsRefusedAndAYellowOneWhereThePolicyAdmitsIt()
    {
        Assert.Equal("status_not_allowed", Decide(Decider(), Pass(StatusColour.Red)).Code);
        var yellowOk = Decider(VenuePolicy.Default with { AllowedColours = StatusColours.Green | StatusColours.Yellow });
        Assert.True(Decide(yellowOk, Pass(StatusColour.Yellow)).Allowed);
    }

    [Fact]
    public void AtAVenueThatRequiresACredentialAnOwnV2PassIsUndecidableOfflineForItsCredentialsAreSealed()
    {
        var clinic = VenuePolicy.Default with { RequiredCredentials = Credentials.SocialSecurityCard };
        Assert.Equal((false, OfflineCodes.Undecidable), Outcome(Decide(Decider(clinic), Pass(credentials: Credentials.SocialSecurityCard))));
        // Allowed and flagged where the venue says so: the server checks the city's record when the journal comes in.
        var flagged = Decide(Decider(clinic with { OfflineUndecidable = OfflineUndecidable.AllowAndFlag }), Pass(credentials: Credentials.HealthRecord));
        Assert.Equal((true, "allowed", true), (flagged.Allowed, flagged.Code, flagged.Flagged));
        // The colour still decides first, and a venue that requires no credential decides as before.
        Assert.Equal("status_not_allowed", Decide(Decider(clinic), Pass(StatusColour.Red)).Code);
        var open = Decide(Decider(), Pass(credentials: Credentials.None));
        Assert.Equal((true, false), (open.Allowed, open.Flagged));
    }

    [Fact]
    public void AnOwnV1PassInTheTransitionStillCountsItsClearCredentialsInFull()
    {
        var clinic = VenuePolicy.Default with { RequiredCredentials = Credentials.SocialSecurityCard };
        Assert.True(Decide(Decider(clinic), V1Pass(Credentials.SocialSecurityCard)).Allowed);
        Assert.Equal("credential_missing", Decide(Decider(clinic), V1Pass(Credentials.HealthRecord)).Code);
    }

    [Fact]
    public void OfflineAV1PassIsRefusedFromTheEndOfTheWindowTheBundleCarries()
    {
        var closesIn = TimeSpan.FromMinutes(10);
        var decider = Decider(acceptV1Until: _clock.GetUtcNow() + closesIn);
        Assert.True(Decide(decider, V1Pass(Credentials.HealthRecord)).Allowed);

        _clock.Advance(closesIn);
        var late = V1Pass(Credentials.HealthRecord);
        Assert.Equal((false, "unsupported_version"), (Decide(decider, late).Allowed, Decide(decider, late).Code));
        Assert.True(Decide(decider, Pass()).Allowed);
    }

    [Fact]
    public void AnotherCitysV2PassShowsNoCredentialsSoOnlyItsV1PassesCountWhereThePolicyTrustsThem()
    {
        var clinic = VenuePolicy.Default with { RequiredCredentials = Credentials.SocialSecurityCard };
        Assert.Equal("credential_missing", Decide(Decider(clinic), Pass(credentials: Credentials.SocialSecurityCard, keys: _otherKeys)).Code);
        var trusting = Decider(clinic with { ForeignCredentials = Credentials.SocialSecurityCard });
        Assert.Equal("credential_missing", Decide(trusting, Pass(credentials: Credentials.SocialSecurityCard, keys: _otherKeys)).Code);
        Assert.True(Decide(trusting, V1Pass(Credentials.SocialSecurityCard, _otherKeys)).Allowed);
    }

    [Fact]
    public void WhatOnlyTheServerKnowsFollowsTheVenuesSetting()
    {
        var theatre = VenuePolicy.Default with { RequiresBooking = true };
        Assert.Equal((false, OfflineCodes.Undecidable), Outcome(Decide(Decider(theatre), Pass())));
        var flagged = Decide(Decider(theatre with { OfflineUndecidable = OfflineUndecidable.AllowAndFlag }), Pass());
        Assert.Equal((true, "allowed", true), (flagged.Allowed, flagged.Code, flagged.Flagged));
        Assert.Equal((false, OfflineCodes.Undecidable), Outcome(Decide(Decider(VenuePolicy.Default with { Capacity = 100 }), Pass())));
        // A red pass is refused for being red, whatever the setting: the setting covers what the gate cannot know, nothing more.
        Assert.Equal("status_not_allowed", Decide(Decider(theatre with { OfflineUndecidable = OfflineUndecidable.AllowAndFlag }), Pass(StatusColour.Red)).Code);
    }

    [Fact]
    public void AKeyRevokedInANewerBundleRefusesItsPasses()
    {
        var pass = Pass();
        Assert.True(Decide(Decider(), pass).Allowed);
        var rotated = _keys.Rotate(SignatureSuite.Es256, _clock.GetUtcNow().AddMinutes(-1)).RevokeSigningKey(_keys.SigningKeys[0].Id);
        _seen.Clear();
        Assert.Equal("key_revoked", Decide(Decider(keys: rotated), pass).Code);
        Assert.True(Decide(Decider(keys: rotated), Pass(keys: rotated)).Allowed);
    }

    [Fact]
    public void ABundlePastItsMaximumAgeRefusesEveryScanWithItsOwnReason()
    {
        var decider = Decider(maxAge: TimeSpan.FromHours(1));
        _clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal((false, OfflineCodes.BundleExpired), Outcome(Decide(decider, Pass())));
    }

    [Fact]
    public void AClockTooFarFromTheServersOrNeverMeasuredRefusesWithItsOwnReason()
    {
        var decider = Decider();
        Assert.Equal((false, OfflineCodes.ClockDrift), Outcome(Decide(decider, Pass(), drift: TimeSpan.FromSeconds(31))));
        Assert.Equal((false, OfflineCodes.ClockDrift), Outcome(Decide(decider, Pass(), drift: TimeSpan.FromSeconds(-45))));
        Assert.Equal((false, OfflineCodes.ClockDrift), Outcome(decider.Decide(Pass(), ScanDirection.In, null, MaxDrift, _ => false)));
        Assert.True(Decide(decider, Pass(), drift: TimeSpan.FromSeconds(-29)).Allowed);
    }

    [Fact]
    public void ExpiredForgedAndUnknownPassesAreRefusedWithTheTokensCode()
    {
        var decider = Decider();
        var pass = Pass();
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("expired", Decide(decider, pass).Code);
        var stranger = IssuerKeySet.Generate(new IssuerId(110100), SignatureSuite.Es256, TestClock.Start.AddDays(-1));
        Assert.Equal("unknown_issuer", Decide(decider, Pass(keys: stranger)).Code);
        var text = Pass();
        // A character in the signed body (the tail is the MAC tag, which only the issuer checks).
        var middle = text.Length / 2;
        var forged = text[..middle] + (text[middle] == 'A' ? 'B' : 'A') + text[(middle + 1)..];
        Assert.Equal((false, "signature_invalid"), Outcome(Decide(decider, forged)));
        Assert.Equal("malformed", Decide(decider, "not a pass").Code);
    }

    private static (bool, string) Outcome(OfflineVerdict v) => (v.Allowed, v.Code);
}
