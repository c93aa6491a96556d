using QRCoder;

namespace CityPass.Cli;

/// <summary>Prints a QR code with half-block characters, two modules a character cell, scannable from the screen.</summary>
internal static class TerminalQr
{
    public static (string Art, int Version) Render(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        using var ascii = new AsciiQRCode(data);
        return (ascii.GetGraphicSmall(drawQuietZones: true, invert: true), data.Version);
    }
}
