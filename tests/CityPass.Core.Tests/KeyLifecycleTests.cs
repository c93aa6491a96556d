using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Core.Tokens;
using CityPass.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>
/// The steps staff take on a live key set (create, activate now, retire, revoke): what each does to which key signs
/// and to passes already issued, and the rule that a change never leaves a moment without a signing key and a secret.
/// </summary>
public class KeyLifecycleTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    private DateTimeOffset Now => _clock.GetUtcNow();

    private IssuerKeySet Keys => IssuerKeySet.Generate(TestKeys.ShanghaiEs256.Issuer, SignatureSuite.Es256, Now.AddDays(-1));

    [Fact]
    public void ACreatedPairIsPendingUntilItsTimeThenSignsAndTheKeysBeforeItStayActiveUntilRetired()
    {
        var takeover = Now.AddHours(24);

        Assert.Equal(KeyChangeFailure.None, Keys.TryCreate(SignatureSuite.Es256, takeover, Now, out var keys));

        Assert.Equal(KeyState.Pending, KeyLifecycle.StateOf(keys.FindSigningKey(2)!.Validity, Now));
        Assert.Equal(KeyState.Pending, KeyLifecycle.StateOf(keys.FindSecret(2)!.Validity, Now));
        Assert.Equal((1, 1), ((int)keys.ActiveSigningKey(Now)!.Id, (int)keys.ActiveSecret(Now)!.Id));
        Assert.Equal((2, 2), ((int)keys.ActiveSigningKey(takeover)!.Id, (int)keys.ActiveSecret(takeover)!.Id));
        Assert.Equal(KeyState.Active, KeyLifecycle.StateOf(keys.FindSigningKey(1)!.Validity, takeover));
        // Published ahead: the public set carries the pending key, so verifiers know it before its first pass.
        Assert.NotNull(keys.PublicKeys.Find(2));
    }

    [Fact]
    public void ActivatingNowMovesThePairCreatedTogetherAndRetiringTheOldKeysThenKeepsTheirPassesValid()
    {
        Keys.TryCreate(SignatureSuite.Es256, Now.AddHours(24), Now, out var created);
        var before = new PassIssuer(created, _clock).Issue(TestKeys.Citizen());

        Assert.Equal(KeyChangeFailure.None, created.TryActivateNow(KeyKind.Signing, 2, Now, out var activated));
        Assert.Equal((2, 2), ((int)activated.ActiveSigningKey(Now)!.Id, (int)activated.ActiveSecret(Now)!.Id));
        Assert.Equal(KeyChangeFailure.None, activated.TryRetire(KeyKind.Signing, 1, Now, out var retiredOne));
        Assert.Equal(KeyChangeFailure.None, retiredOne.TryRetire(KeyKind.Secret, 1, Now, out var keys));

        Assert.Equal(KeyState.Retired, KeyLifecycle.StateOf(keys.FindSigningKey(1)!.Validity, Now));
        Assert.Equal(KeyState.Retired, KeyLifecycle.StateOf(keys.FindSecret(1)!.Validity, Now));
        var verifier = new PassVerifier(new TrustStore([]), _clock, ownKeys: keys);
        Assert.True(verifier.Verify(before.Text).IsValid, "a pass of the retired keys stays valid until it expires");
        Assert.True(verifier.Verify(new PassIssuer(keys, _clock).Issue(TestKeys.Citizen()).Text).IsValid);
        Assert.Equal(KeyChangeFailure.NotPending, keys.TryActivateNow(KeyKind.Signing, 2, Now, out _));
    }

    [Fact]
    public void RetiringOrRevokingTheOnlyKeyThatSignsIsRefusedBecauseNoPassCouldBeIssued()
    {
        var keys = Keys;

        Assert.Equal(KeyChangeFailure.WouldLeaveGap, keys.TryRetire(KeyKind.Signing, 1, Now, out _));
        Assert.Equal(KeyChangeFailure.WouldLeaveGap, keys.TryRevoke(KeyKind.Secret, 1, Now, out _));
        Assert.Null(keys.FirstGap(Now));
    }

    [Fact]
    public void RevokingAKeyRefusesItsPassesAtOnceAndTheReplacementKeepsSigning()
    {
        Keys.TryCreate(SignatureSuite.Es256, Now, Now, out var rotated);
        var old = new PassIssuer(Keys, _clock).Issue(TestKeys.Citizen());

        Assert.Equal(KeyChangeFailure.None, rotated.TryRevoke(KeyKind.Signing, 1, Now, out var keys));

        Assert.Equal(KeyState.Revoked, KeyLifecycle.StateOf(keys.FindSigningKey(1)!.Validity, Now));
        Assert.Equal(TokenFailure.KeyRevoked, new PassVerifier(new TrustStore([keys.PublicKeys]), _clock).Verify(old.Text).Failure);
        Assert.Equal(2, keys.ActiveSigningKey(Now)!.Id);
        Assert.Equal(KeyChangeFailure.AlreadyRevoked, keys.TryRevoke(KeyKind.Signing, 1, Now, out _));
    }

    [Fact]
    public void RevokingAPendingKeyWithdrawsItAndTheKeyBeforeItKeepsSigning()
    {
        var takeover = Now.AddHours(24);
        Keys.TryCreate(SignatureSuite.Es256, takeover, Now, out var created);

        Assert.Equal(KeyChangeFailure.None, created.TryRevoke(KeyKind.Signing, 2, Now, out var keys));

        Assert.Null(keys.FindSigningKey(1)!.Validity.RetiresAt);
        Assert.Equal(1, keys.ActiveSigningKey(takeover.AddDays(1))!.Id);
        // The secret created with it still takes over: withdrawing one key leaves the other kind's plan alone.
        Assert.Equal(2, keys.ActiveSecret(takeover)!.Id);
        Assert.Null(keys.FirstGap(Now));
    }

    [Fact]
    public void RetireAsksForAnActiveKeyAndActivateForAPendingOne()
    {
        Keys.TryCreate(SignatureSuite.Es256, Now.AddHours(1), Now, out var keys);

        Assert.Equal(KeyChangeFailure.NotActive, keys.TryRetire(KeyKind.Signing, 2, Now, out _));
        Assert.Equal(KeyChangeFailure.NotPending, keys.TryActivateNow(KeyKind.Signing, 1, Now, out _));
        Assert.Equal(KeyChangeFailure.UnknownKey, keys.TryRevoke(KeyKind.Secret, 9, Now, out _));
        Assert.Equal(KeyChangeFailure.UnknownKey, keys.TryRetire(KeyKind.Signing, -1, Now, out _));
    }

    [Fact]
    public void ASecondActiveKeyMayBeRetiredAndTheOtherSignsFromThen()
    {
        // Two generations active at once, as a configured set may have them: the newer one signs.
        var keys = new IssuerKeySet(Keys.Issuer,
            [new SigningKeyEntry(1, new KeyValidity(Now.AddDays(-2)), SigningKey.Generate(SignatureSuite.Es256)),
             new SigningKeyEntry(2, new KeyValidity(Now.AddDays(-1)), SigningKey.Generate(SignatureSuite.Es256))],
            [IssuerSecret.Generate(1, new KeyValidity(Now.AddDays(-2)))]);

        Assert.Equal(KeyChangeFailure.None, keys.TryRetire(KeyKind.Signing, 2, Now, out var retired));

        Assert.Equal(1, retired.ActiveSigningKey(Now)!.Id);
    }

    [Fact]
    public void AGapLaterOnIsFoundAtTheMomentItOpens()
    {
        var retires = Now.AddHours(3);
        var keys = new IssuerKeySet(Keys.Issuer,
            [new SigningKeyEntry(1, new KeyValidity(Now.AddDays(-1), retires), SigningKey.Generate(SignatureSuite.Es256))],
            [IssuerSecret.Generate(1, new KeyValidity(Now.AddDays(-1)))]);

        Assert.Equal(retires, keys.FirstGap(Now));
    }
}
