using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using QRCoder;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

public class QrSizeTests
{
    [Theory]
    [InlineData(Tokens.SignatureSuite.Es256)]
    [InlineData(Tokens.SignatureSuite.Sm2Sm3)]
    public void APassFitsQrVersion8AtErrorCorrectionM(SignatureSuite suite)
    {
        var text = new PassIssuer(TestKeys.For(suite), new FakeTimeProvider(TestClock.Start)).Issue(TestKeys.Citizen()).Text;
        using var generator = new QRCodeGenerator();
        using var qr = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        Assert.Equal(8, qr.Version);
        Assert.True(qr.Version <= 10);
    }
}
