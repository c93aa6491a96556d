using CityPass.Core.Keys;
using CityPass.Core.Tests.Support;
using CityPass.Testing;
using CityPass.Core.Tokens;
using QRCoder;
using Microsoft.Extensions.Time.Testing;

namespace CityPass.Core.Tests;

public class QrSizeTests
{
    [Theory]
    [InlineData(SignatureSuite.Es256, PassFormat.V2)]
    [InlineData(SignatureSuite.Sm2Sm3, PassFormat.V2)]
    [InlineData(SignatureSuite.Es256, PassFormat.V1)]
    [InlineData(SignatureSuite.Sm2Sm3, PassFormat.V1)]
    public void APassFitsQrVersion8AtErrorCorrectionM(SignatureSuite suite, PassFormat format)
    {
        var text = new PassIssuer(TestKeys.For(suite), new FakeTimeProvider(TestClock.Start))
            .Issue(TestKeys.Citizen(), TokenId.NewRandom(), TestClock.Start, format).Text;
        using var generator = new QRCodeGenerator();
        using var qr = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        Assert.Equal(204, text.Length);
        Assert.Equal(8, qr.Version);
        Assert.True(qr.Version <= 10);
    }
}
