using System.Diagnostics;
using System.Globalization;

namespace CityPass.Redis.Tests.Infrastructure;

/// <summary>Admin commands through redis-cli, independent of the client under test.</summary>
public static class RedisCli
{
    public static async Task<string> RunAsync(int port, params string[] arguments)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-h");
        start.ArgumentList.Add("127.0.0.1");
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return ((await output) + (await error)).Trim();
    }
}
