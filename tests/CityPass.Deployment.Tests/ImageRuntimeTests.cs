using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace CityPass.Deployment.Tests;

/// <summary>The server as the image runs it (<see cref="ImageRuntime"/>): its user, its probes, its pages and their assets.</summary>
public sealed partial class ImageRuntimeTests(ImageRuntime image) : IClassFixture<ImageRuntime>
{
    [Fact]
    public async Task RunsAsTheImageUserAndAnswersItsProbes()
    {
        var uid = File.ReadAllLines($"/proc/{image.Server.ProcessId}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.Equal(image.User.ToString(CultureInfo.InvariantCulture), uid.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
        using var http = new HttpClient { BaseAddress = image.Server.BaseAddress };
        foreach (var probe in new[] { "/health/live", "/health/ready" })
        {
            using var response = await http.GetAsync(new Uri(probe, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{probe}: {(int)response.StatusCode}\n{image.Server.Output}");
        }
        Assert.Contains("Hosting environment: Production", image.Server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServesThePagesAndEveryScriptAndStylesheetTheyLink()
    {
        using var http = new HttpClient { BaseAddress = image.Server.BaseAddress };
        var linked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var page in new[] { "/citizen/", "/gate/", "/public/", "/admin/signin" })
        {
            using var response = await http.GetAsync(new Uri(page, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page}: {(int)response.StatusCode}");
            foreach (Match m in LocalAsset().Matches(await response.Content.ReadAsStringAsync())) linked.Add(m.Groups[1].Value);
        }
        // The console's libraries come from the final stage's own COPY lines, not from the publish output.
        Assert.Contains(linked, l => l.StartsWith("/lib/htmx/", StringComparison.Ordinal));
        foreach (var asset in linked)
        {
            using var response = await http.GetAsync(new Uri(asset, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
        }
    }

    [GeneratedRegex("(?:src|href)=\"(/[^\"/][^\"]*\\.(?:js|css))\"")]
    private static partial Regex LocalAsset();
}
