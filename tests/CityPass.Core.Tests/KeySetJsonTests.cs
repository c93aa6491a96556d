using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

public class KeySetJsonTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    [Theory]
    [InlineData(SignatureSuite.Es256)]
    [InlineData(SignatureSuite.Sm2Sm3)]
    public void APublishedKeySetVerifiesPassesAfterARoundTripThroughJson(SignatureSuite suite)
    {
        var keys = TestKeys.For(suite).Rotate(suite, _clock.GetUtcNow().AddDays(-1)).RevokeSigningKey(1);
        var json = keys.PublicKeys.ToJson();
        var imported = PublicKeySet.FromJson(json);

        Assert.Equal(keys.Issuer, imported.Issuer);
        Assert.Equal(keys.PublicKeys.Keys.Select(k => (k.Id, k.Validity)), imported.Keys.Select(k => (k.Id, k.Validity)));
        var pass = new PassIssuer(keys, _clock).Issue(TestKeys.Citizen());
        Assert.True(new PassVerifier(new TrustStore([imported]), _clock).Verify(pass.Text).IsValid);
    }

    [Fact]
    public void ThePublicKeySetCarriesNoPrivateMaterial()
    {
        var keys = TestKeys.ShanghaiEs256;
        var json = keys.PublicKeys.ToJson();
        Assert.DoesNotContain("privateKey", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(keys.SigningKeys[0].Key.ExportPkcs8()), json, StringComparison.Ordinal);
        Assert.Contains("\"issuer\": \"310000\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void APrivateKeyFileRoundTripsAndKeepsIssuing()
    {
        var keys = TestKeys.HangzhouSm2.Rotate(SignatureSuite.Es256, _clock.GetUtcNow().AddHours(-1));
        var reloaded = IssuerKeySet.FromPrivateJson(keys.ToPrivateJson());
        var pass = new PassIssuer(reloaded, _clock).Issue(TestKeys.Citizen());

        Assert.True(new PassVerifier(new TrustStore([]), _clock, ownKeys: keys).Verify(pass.Text).IsValid);
        Assert.Equal(keys.ToPrivateJson(), reloaded.ToPrivateJson());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("""{"issuer":"abc","keys":[]}""")]
    [InlineData("""{"issuer":"310000","keys":[{"kid":1,"suite":"RS256","publicKey":"AA==","activatesAt":"2026-01-01T00:00:00Z"}]}""")]
    [InlineData("""{"issuer":"310000","keys":[{"kid":1,"suite":"ES256","publicKey":"%%%","activatesAt":"2026-01-01T00:00:00Z"}]}""")]
    [InlineData("""{"issuer":"310000","keys":[{"kid":1,"suite":"ES256","publicKey":"AAAA","activatesAt":"2026-01-01T00:00:00Z"}]}""")]
    [InlineData("""{"issuer":"310000","keys":[{"kid":1,"suite":"SM2-SM3","publicKey":"AAAA","activatesAt":"2026-01-01T00:00:00Z"}]}""")]
    [InlineData("""{"issuer":"310000","keys":[{"kid":1,"suite":"SM2-SM3","publicKey":"MAA=","activatesAt":"2026-01-01T00:00:00Z"}]}""")]
    [InlineData("""{"issuer":"310000","keys":[{"kid":1,"suite":"ES256","publicKey":"AA=="}]}""")]
    public void ABadKeySetFailsWithAFormatException(string json) => Assert.Throws<FormatException>(() => PublicKeySet.FromJson(json));

    [Fact]
    public void AnSm2KeyIsNotAcceptedAsEs256() =>
        Assert.Throws<FormatException>(() => PublicKeySet.FromJson(TestKeys.HangzhouSm2.PublicKeys.ToJson().Replace("SM2-SM3", "ES256", StringComparison.Ordinal)));
}
