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

    /// <summary>
    /// Decodes the page's QR and checks it is the API's pass. The pass rotates (every 45 s); when it
    /// rotated during the check, the API's text before and after differ, and the check is redone.
    /// </summary>
    public static async Task<string> ReadPassAsync(IPage citizen)
    {
        for (var attempt = 1; ; attempt++)
        {
            var shown = await citizen.Locator("#qr").GetAttributeAsync("src");
            var before = await PassTextFromApiAsync(citizen);
            var decoded = await ReadAsync(citizen.Locator("#qr"));
            var after = await PassTextFromApiAsync(citizen);
            if (before == after || attempt == 3)
            {
                Assert.Equal(after, decoded);
                return decoded;
            }
            // Rotated mid-check: wait for the page to show the new pass (it polls every few seconds).
            await citizen.WaitForFunctionAsync("s => { const i = document.getElementById('qr'); return i.src !== s && i.complete && i.naturalWidth > 0; }", shown);
        }
    }

    private static Task<string> PassTextFromApiAsync(IPage citizen) => citizen.EvaluateAsync<string>(
        """
        async () => {
          const s = JSON.parse(localStorage.getItem('citypass.citizen.session'));
          const r = await fetch('/v1/me/pass', { headers: { Authorization: 'Bearer ' + s.accessToken } });
          return (await r.json()).text;
        }
        """);

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
