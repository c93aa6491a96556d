using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CityPass.Testing;

namespace CityPass.Server.Tests;

/// <summary>The server listens where the deployment says (ASPNETCORE_URLS), not where appsettings.json would pin it.</summary>
public sealed class UrlsTests
{
    [Fact]
    public async Task TheServerListensWhereAspNetCoreUrlsSaysAndItsBannerPrintsThatAddress()
    {
        var dll = BuiltServer.Dll();
        var port = FreePort();
        var data = Directory.CreateTempSubdirectory("citypass-urls-").FullName;
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Keys__KeyFile"] = Path.Combine(data, "issuer-keys.json");
        start.Environment["Keys__ServerSecretFile"] = Path.Combine(data, "server-secret.key");
        start.Environment["Demo__Seed"] = "false";
        // Its own silo port: the default (11111) may be taken by a server running beside the tests.
        start.Environment["Orleans__SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture);
        using var server = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        server.OutputDataReceived += (_, e) => { if (e.Data is { } line) output.Enqueue(line); };
        server.ErrorDataReceived += (_, e) => { if (e.Data is { } line) output.Enqueue(line); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var expected = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/health/ready";
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!output.Any(l => l.Contains(expected, StringComparison.Ordinal)) && !server.HasExited && DateTime.UtcNow < deadline) await Task.Delay(100);

            Assert.True(output.Any(l => l.Contains(expected, StringComparison.Ordinal)), "the banner did not print " + expected + ":\n" + string.Join("\n", output));
            using var http = new HttpClient();
            Assert.Equal("pong", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/v1/ping")));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
