using System.Text.RegularExpressions;

namespace CityPass.Deployment.Tests;

/// <summary>
/// The Dockerfile, read statically (no Docker engine where the tests run): pinned base images, a
/// non-root numeric user, the ports the Deployment opens.
/// </summary>
public sealed partial class DockerfileTests
{
    private static string[] Lines => Dockerfile.Lines;

    private static IEnumerable<string> Args(string instruction) => Dockerfile.Args(instruction);

    private static string[] FinalStage() => Dockerfile.FinalStage();

    [Fact]
    public void BuildsWithTheSdkAndRunsOnTheAspNetRuntimeEachPinnedByTag()
    {
        var images = Args("FROM").Select(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]).ToList();
        Assert.Contains("mcr.microsoft.com/dotnet/sdk:10.0", images);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", images[^1]);
        Assert.All(images, i => Assert.True(PodTests.IsPinned(i), $"{i} is pinned"));
        Assert.Contains(Args("RUN"), run => run.Contains("dotnet publish src/CityPass.Server -c Release", StringComparison.Ordinal));
    }

    [Fact]
    public void TheServerRunsAsTheNumericNonRootUserThePodsExpect()
    {
        var user = Assert.Single(FinalStage(), l => l.StartsWith("USER ", StringComparison.OrdinalIgnoreCase))[5..].Trim();
        Assert.Matches(NumericUser(), user);
        Assert.NotEqual(0, int.Parse(user.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("runAsUser: " + user.Split(':')[0], File.ReadAllText(Path.Combine(Manifests.RepoRoot, "k8s", "base", "server-deployment.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ItListensOnTheHttpAndSiloPortsTheDeploymentOpens()
    {
        Assert.Contains(FinalStage(), l => l.StartsWith("ENV ", StringComparison.OrdinalIgnoreCase) && l.Contains("ASPNETCORE_HTTP_PORTS=8080", StringComparison.Ordinal));
        var exposed = Args("EXPOSE").SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => int.Parse(p.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        var r = await Manifests.RenderAsync("prod");
        var server = PodSource.In(r).Single(p => p.Name == "citypass-server");
        Assert.Equal(server.Ports.Select(p => p.Port).Order().ToList(), exposed);
        // Kubernetes ignores HEALTHCHECK: the pod's probes are the health checks.
        Assert.Empty(Args("HEALTHCHECK"));
        Assert.Single(Args("ENTRYPOINT"), e => e.Contains("CityPass.Server.dll", StringComparison.Ordinal));
    }

    [Fact]
    public void TheBuildContextLeavesOutBuildOutputAndNodeModules()
    {
        var ignored = File.ReadAllLines(Path.Combine(Manifests.RepoRoot, ".dockerignore")).Select(l => l.Trim()).ToHashSet();
        Assert.Superset(new HashSet<string> { "**/bin/", "**/obj/", "**/node_modules/", ".git/" }, ignored);
    }

    [GeneratedRegex(@"^[0-9]+(:[0-9]+)?$")]
    private static partial Regex NumericUser();
}
