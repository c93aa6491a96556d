using CityPass.Core.Gates;

namespace CityPass.Core.Tests;

public sealed class EnrolmentLinkTests
{
    private const string Credential = "cpg_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private static readonly string Fingerprint = new('a', 64);

    [Fact]
    public void ALinkRoundTripsAndNamesItsGate()
    {
        var link = new EnrolmentLink(new Uri("https://pass.example.cn:8443"), Credential, Fingerprint);
        var text = link.ToString();
        Assert.Equal($"https://pass.example.cn:8443/gate/#credential={Credential}&federation={Fingerprint}", text);
        Assert.True(EnrolmentLink.TryParse(text, out var back));
        Assert.Equal((new Uri("https://pass.example.cn:8443"), Credential, Fingerprint), (back.Server, back.Credential, back.FederationFingerprint));
        Assert.Equal(Guid.Parse("0123456789abcdef0123456789abcdef"), back.GateId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("cpg_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("ftp://x/gate/#credential=cpg_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("https://x/gate/#credential=cpg_nothex_AAAA")]
    [InlineData("https://x/gate/#credential=cpg_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!!")]
    [InlineData("https://x/gate/#credential=cpg_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&federation=short")]
    public void AnythingElseIsRefused(string text) => Assert.False(EnrolmentLink.TryParse(text, out _));

    [Fact]
    public void ALinkWithoutAFingerprintStillReadsButPinsNothing()
    {
        Assert.True(EnrolmentLink.TryParse($"http://127.0.0.1:5000/gate/#credential={Credential}", out var link));
        Assert.Null(link.FederationFingerprint);
    }
}
