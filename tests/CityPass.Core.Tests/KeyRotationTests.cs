using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

public class KeyRotationTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    [Fact]
    public void AfterRotationNewPassesUseTheNewKeyAndOldPassesVerifyUntilTheyExpire()
    {
        var before = IssuerKeySet.Generate(TestKeys.Shanghai, SignatureSuite.Es256, TestKeys.Activation);
        var oldPass = new PassIssuer(before, _clock).Issue(TestKeys.Citizen());
        var rotatedAt = _clock.GetUtcNow().AddSeconds(30);
        var after = before.Rotate(SignatureSuite.Es256, rotatedAt);

        // Published ahead: until it activates, the old key still signs.
        Assert.Equal(1, new PassIssuer(after, _clock).Issue(TestKeys.Citizen()).Text is var t ? Claims(after, t).KeyId : 0);
        _clock.SetUtcNow(rotatedAt);
        var newPass = new PassIssuer(after, _clock).Issue(TestKeys.Citizen());
        Assert.Equal((ushort)2, Claims(after, newPass.Text).KeyId);
        Assert.Equal((byte)2, Claims(after, newPass.Text).SecretId);

        // The old pass, issued before retirement, is still good by signature and by tag until it expires.
        Assert.True(Offline(after).Verify(oldPass.Text).IsValid);
        Assert.True(Own(after).Verify(oldPass.Text).IsValid);
        _clock.SetUtcNow(oldPass.ExpiresAt.AddSeconds(5));
        Assert.Equal("expired", Own(after).Verify(oldPass.Text).Code);
    }

    [Fact]
    public void APassClaimingAnIssueTimeAfterItsKeyRetiredIsRefused()
    {
        var retired = new IssuerKeySet(TestKeys.Shanghai,
            [new SigningKeyEntry(1, new KeyValidity(TestKeys.Activation, RetiresAt: _clock.GetUtcNow().AddSeconds(10)), SigningKey.Generate(SignatureSuite.Es256))],
            [IssuerSecret.Generate(1, new KeyValidity(TestKeys.Activation))]);
        // Make a pass while the key is active, then move the key's retirement before the issue time.
        var pass = new PassIssuer(retired, _clock).Issue(TestKeys.Citizen());
        var moved = new IssuerKeySet(TestKeys.Shanghai,
            [retired.SigningKeys[0] with { Validity = new KeyValidity(TestKeys.Activation, RetiresAt: _clock.GetUtcNow().AddSeconds(-1)) }],
            retired.Secrets);
        Assert.Equal("key_not_valid_at_issue", Offline(moved).Verify(pass.Text).Code);
        Assert.Equal("key_not_valid_at_issue", Own(moved).Verify(pass.Text).Code);
    }

    [Fact]
    public void ARevokedSigningKeyFailsAtOnceEverywhere()
    {
        var keys = IssuerKeySet.Generate(TestKeys.Shanghai, SignatureSuite.Es256, TestKeys.Activation);
        var pass = new PassIssuer(keys, _clock).Issue(TestKeys.Citizen());
        var revoked = keys.RevokeSigningKey(1);
        Assert.Equal("key_revoked", Offline(revoked).Verify(pass.Text).Code);
        Assert.Equal("key_revoked", Own(revoked).Verify(pass.Text).Code);
        Assert.Null(revoked.ActiveSigningKey(_clock.GetUtcNow()));
    }

    [Fact]
    public void ARevokedSecretFailsAtOnceInTheIssuersApiButNotOffline()
    {
        var keys = IssuerKeySet.Generate(TestKeys.Shanghai, SignatureSuite.Es256, TestKeys.Activation);
        var pass = new PassIssuer(keys, _clock).Issue(TestKeys.Citizen());
        var revoked = keys.RevokeSecret(1);
        Assert.Equal("key_revoked", Own(revoked).Verify(pass.Text).Code);
        Assert.True(Offline(revoked).Verify(pass.Text).IsValid);
    }

    [Fact]
    public void AKeyIsActiveOnlyInsideItsWindow()
    {
        var now = _clock.GetUtcNow();
        var v = new KeyValidity(now, now.AddHours(1));
        Assert.False(v.IsActiveAt(now.AddTicks(-1)));
        Assert.True(v.IsActiveAt(now));
        Assert.False(v.IsActiveAt(now.AddHours(1)));
        Assert.False((v with { Revoked = true }).IsActiveAt(now));
    }

    [Fact]
    public void SigningUsesTheMostRecentlyActivatedActiveKey()
    {
        var now = _clock.GetUtcNow();
        var keys = new IssuerKeySet(TestKeys.Shanghai,
            [
                new SigningKeyEntry(1, new KeyValidity(now.AddDays(-2)), SigningKey.Generate(SignatureSuite.Es256)),
                new SigningKeyEntry(2, new KeyValidity(now.AddDays(-1)), SigningKey.Generate(SignatureSuite.Es256)),
                new SigningKeyEntry(3, new KeyValidity(now.AddDays(1)), SigningKey.Generate(SignatureSuite.Es256)),
            ],
            [IssuerSecret.Generate(1, new KeyValidity(now.AddDays(-2)))]);
        Assert.Equal((ushort)2, keys.ActiveSigningKey(now)!.Id);
    }

    [Fact]
    public void DuplicateKeyIdsAreRejected() =>
        Assert.Throws<ArgumentException>(() => new IssuerKeySet(TestKeys.Shanghai,
            [TestKeys.ShanghaiEs256.SigningKeys[0], TestKeys.ShanghaiEs256.SigningKeys[0]], []));

    private PassVerifier Own(IssuerKeySet keys) => new(new TrustStore([]), _clock, ownKeys: keys);

    private PassVerifier Offline(IssuerKeySet keys) => new(new TrustStore([keys.PublicKeys]), _clock);

    private PassClaims Claims(IssuerKeySet keys, string text)
    {
        var result = Own(keys).Verify(text);
        Assert.True(result.IsValid, result.Code);
        return result.Claims;
    }
}
