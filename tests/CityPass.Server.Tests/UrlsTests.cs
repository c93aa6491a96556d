using System.Globalization;
using CityPass.Testing;

namespace CityPass.Server.Tests;

/// <summary>The server listens where the deployment says (ASPNETCORE_URLS), not where appsettings.json would pin it.</summary>
public sealed class UrlsTests
{
    [Fact]
    public async Task TheServerListensWhereAspNetCoreUrlsSaysAndItsBannerPrintsThatAddress()
    {
        var data = Directory.CreateTempSubdirectory("citypass-urls-").FullName;
        try
        {
            // ServerProcess sets ASPNETCORE_URLS to a free loopback port and waits until the server answers there.
            await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Testing",
                ["Keys:KeyFile"] = Path.Combine(data, "issuer-keys.json"),
                ["Keys:ServerSecretFile"] = Path.Combine(data, "server-secret.key"),
                ["Demo:Seed"] = "false",
            });
            var expected = $"http://127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}/health/ready";
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!server.Output.Contains(expected, StringComparison.Ordinal) && !server.HasExited && DateTime.UtcNow < deadline) await Task.Delay(100);

            Assert.True(server.Output.Contains(expected, StringComparison.Ordinal), "the banner did not print " + expected + ":\n" + server.Output);
            using var http = new HttpClient { BaseAddress = server.BaseAddress };
            Assert.Equal("pong", await http.GetStringAsync(new Uri("/v1/ping", UriKind.Relative)));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
