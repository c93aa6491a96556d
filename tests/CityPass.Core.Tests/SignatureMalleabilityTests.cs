using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

/// <summary>ES256 twins (r, n − s) are accepted by signature as the same pass, and never by the issuer's tag check.</summary>
public class SignatureMalleabilityTests
{
    [Fact]
    public void EveryEs256PassAndItsTwinVerifyBySignatureToTheSameClaims()
    {
        var keys = IssuerKeySet.Generate(new IssuerId(320100), SignatureSuite.Es256, DateTimeOffset.UtcNow.AddDays(-1));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var issuer = new PassIssuer(keys, clock);
        var bySignature = new PassVerifier(new TrustStore([keys.PublicKeys]), clock);
        var byMac = new PassVerifier(new TrustStore([]), clock, ownKeys: keys);
        var highS = 0;

        for (var i = 0; i < 64; i++)
        {
            var pass = issuer.Issue(new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, (uint)i, Credentials.HealthRecord));
            var twin = SignatureTwin.Of(pass.Text);
            if (SignatureTwin.S(pass.Text) > SignatureTwin.P256Order / 2) highS++;

            var original = bySignature.VerifySignature(pass.Text);
            var twinResult = bySignature.VerifySignature(twin);
            Assert.True(twinResult.IsValid, twinResult.Code);
            Assert.Equal(original.Claims, twinResult.Claims);
            Assert.Equal("mac_invalid", byMac.VerifyMac(twin).Code);
        }
        // The platform signs with either half of s: a verifier that refused high-S would refuse about half of all passes.
        Assert.InRange(highS, 1, 63);
    }
}
