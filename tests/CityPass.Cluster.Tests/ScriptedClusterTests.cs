using System.Net;
using System.Text.RegularExpressions;
using CityPass.Testing;

namespace CityPass.Cluster.Tests;

/// <summary>
/// <c>scripts/cluster.sh</c> brings up a cluster that works through its balancer, and its drills do what the
/// load runner's scenarios rely on (loadtests/run.sh --cluster measures them under load).
/// </summary>
public sealed partial class ScriptedClusterTests(ScriptedCluster cluster) : IClassFixture<ScriptedCluster>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>How long a test waits for both servers to be ready and in rotation before it begins (one may be restarting).</summary>
    private static readonly TimeSpan Whole = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TheBalancerServesThePagesAndTheApiAndSendsToEveryServer()
    {
        await cluster.WholeAsync(Whole);
        using var http = NewClient();
        foreach (var path in new[] { "citizen/", "gate/", "public/", "admin/signin", "openapi/v1.json", "v1/public/venues" })
        {
            using var response = await http.GetAsync(new Uri(cluster.Balancer, path));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /{path} through the balancer: {(int)response.StatusCode}");
        }
        for (var i = 1; i <= ScriptedCluster.Servers; i++) Assert.Equal("UP", await cluster.InRotationAsync(i));
    }

    [Fact]
    public async Task AConsoleSessionWorksWhicheverServerAnswers()
    {
        await cluster.WholeAsync(Whole);
        using var http = NewClient();
        // The form and its antiforgery cookie from one server, the post through the balancer (round robin: the
        // next server), and the session cookie it sets then taken to each server directly: every one reads it,
        // because they share the data-protection key ring in Redis.
        using var form = await http.GetAsync(new Uri(cluster.Balancer, "admin/signin"));
        var html = await form.Content.ReadAsStringAsync();
        var antiforgery = AntiforgeryField().Match(html);
        Assert.True(antiforgery.Success, "the sign-in form carries an antiforgery token");
        var cookies = Cookies(form);

        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(cluster.Balancer, "admin/signin"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["username"] = "admin",
                ["password"] = "demo-admin-2026",
                ["returnUrl"] = "/admin",
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery.Groups[1].Value),
            }),
        };
        post.Headers.Add("Cookie", cookies);
        using var signedIn = await http.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = Cookies(signedIn);
        Assert.Contains("citypass.console=", session, StringComparison.Ordinal);

        for (var i = 1; i <= ScriptedCluster.Servers; i++)
        {
            using var console = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Server(i), "admin"));
            console.Headers.Add("Cookie", session);
            using var page = await http.SendAsync(console);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"server {i} answered the console with {(int)page.StatusCode} {page.Headers.Location}");
        }
    }

    [Fact]
    public async Task AKilledServerIsStartedAgainAndTheBalancerAnswersMeanwhile()
    {
        await cluster.WholeAsync(Whole);
        var before = await cluster.ServerPidAsync(2);
        Assert.NotNull(before);
        await cluster.RunAsync(Wait, "kill", "2");

        // Nothing was in flight: a request haproxy sends to the dead server fails to connect and is sent to the other.
        using var http = NewClient();
        for (var n = 0; n < 20; n++)
        {
            using var response = await http.GetAsync(new Uri(cluster.Balancer, "v1/public/venues"));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"request {n} after the kill: {(int)response.StatusCode}");
            await Task.Delay(50);
        }

        // Its supervisor starts it again, as a kubelet restarts a container, and haproxy takes it back.
        await Eventually.TrueAsync(async () => await cluster.ServerPidAsync(2) is { } pid && pid != before, TimeSpan.FromSeconds(60), "server 2 runs again");
        await Eventually.TrueAsync(async () => await cluster.InRotationAsync(2) == "UP", TimeSpan.FromSeconds(90), "haproxy has server 2 UP again");
        Assert.Contains("exited with 137", cluster.ServerLog(2), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerCutOffFromRedisReportsNotReadyAndLeavesTheBalancerUntilHealed()
    {
        await cluster.WholeAsync(Whole);
        using var http = NewClient();
        await cluster.RunAsync(Wait, "cut", "2");
        try
        {
            await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri(cluster.Server(2), "health/ready"))).StatusCode == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(10), "server 2 reports not ready");
            await Eventually.TrueAsync(async () => await cluster.InRotationAsync(2) == "DOWN", TimeSpan.FromSeconds(10), "haproxy has taken server 2 out");
            for (var n = 0; n < 10; n++)
            {
                using var response = await http.GetAsync(new Uri(cluster.Balancer, "health/ready"));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"readiness through the balancer while server 2 is cut off: {(int)response.StatusCode}");
            }
        }
        finally
        {
            await cluster.RunAsync(Wait, "heal", "2");
        }
        await Eventually.TrueAsync(async () => await cluster.InRotationAsync(2) == "UP", TimeSpan.FromSeconds(30), "server 2 back in rotation once healed");
    }

    private static HttpClient NewClient() =>
        new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static string Cookies(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
