using QRCoder;

namespace CityPass.Server.Citizens;

/// <summary>Renders pass text as a QR code (error correction M, as docs/pass-token.md sizes it).</summary>
public static class QrRenderer
{
    public static string Svg(string text, int pixelsPerModule = 8)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(pixelsPerModule, "#000000", "#ffffff", drawQuietZones: true);
    }

    public static byte[] Png(string text, int pixelsPerModule = 8)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule);
    }
}
