using System.Diagnostics;
using Microsoft.Playwright;

namespace CityPass.Pages.Tests.Support;

/// <summary>Reads a QR code off the screen the way a camera would: a screenshot, decoded by zbarimg (zbar-tools).</summary>
public static class QrDecoder
{
    public static async Task<string> ReadAsync(ILocator element)
    {
        var file = Path.Combine(Path.GetTempPath(), $"citypass-qr-{Guid.NewGuid():N}.png");
        try
        {
            await element.ScreenshotAsync(new LocatorScreenshotOptions { Path = file });
            return await DecodeAsync(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static async Task<string> DecodeAsync(string pngFile)
    {
        var start = new ProcessStartInfo("zbarimg", ["--raw", "-q", pngFile]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("zbarimg did not start");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"zbarimg found no QR code in the screenshot (exit {process.ExitCode}).");
        // zbarimg ends each symbol with a newline; the pass text itself has none.
        return output.TrimEnd('\n');
    }
}
