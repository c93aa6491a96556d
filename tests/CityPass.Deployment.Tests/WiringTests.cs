using System.Text.Json.Nodes;

namespace CityPass.Deployment.Tests;

/// <summary>Services, policies and labels point at pods and ports that exist.</summary>
public sealed class WiringTests
{
    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EveryServiceSelectsPodsThatOpenItsTargetPorts(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        var pods = PodSource.In(r).ToList();
        foreach (var service in r.OfKind("Service"))
        {
            var name = Rendered.Str(service["metadata"], "name");
            var selector = service["spec"]!["selector"];
            Assert.True(selector is JsonObject { Count: > 0 }, $"{name} has a selector");
            var selected = Assert.Single(pods, p => Pods.Selects(selector, p.Labels));
            foreach (var port in service["spec"]!["ports"]!.AsArray())
            {
                var target = selected.Resolve(port!["targetPort"] ?? port["port"]);
                Assert.True(target is not null && selected.Ports.Any(p => p.Port == target), $"{name}: port {port.ToJsonString()} is a container port of {selected.Name}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EveryNetworkPolicyPortIsAContainerPortOfThePodsItSelects(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        var pods = PodSource.In(r).ToList();
        foreach (var policy in r.OfKind("NetworkPolicy"))
        {
            var name = Rendered.Str(policy["metadata"], "name");
            var selector = policy["spec"]!["podSelector"]!["matchLabels"];
            if (selector is null) continue; // the namespace's default deny
            var selected = pods.Where(p => Pods.Selects(selector, p.Labels)).ToList();
            Assert.True(selected.Count > 0, $"{name} selects some pods");
            foreach (var rule in policy["spec"]!["ingress"]!.AsArray())
            {
                foreach (var port in rule!["ports"]!.AsArray())
                {
                    Assert.All(selected, p => Assert.Contains(p.Resolve(port!["port"]) ?? -1, p.Ports.Select(x => x.Port)));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EveryPortTheStoresAndServersOpenIsAllowedOnlyFromWhereItShouldBe(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        var pods = PodSource.In(r).ToList();
        var policies = r.OfKind("NetworkPolicy").ToList();

        // The namespace denies ingress by default.
        Assert.Contains(policies, p => p["spec"]!["podSelector"]!.AsObject().Count == 0
            && p["spec"]!["policyTypes"]!.AsArray().Any(t => t!.GetValue<string>() == "Ingress") && p["spec"]!["ingress"] is null);

        List<JsonNode> PeersTo(PodSource target, int port) => policies
            .Where(p => p["spec"]!["podSelector"]!["matchLabels"] is { } s && Pods.Selects(s, target.Labels))
            .SelectMany(p => p["spec"]!["ingress"]!.AsArray())
            .Where(rule => rule!["ports"]!.AsArray().Any(x => target.Resolve(x!["port"]) == port))
            .SelectMany(rule => rule!["from"]!.AsArray()).Select(x => x!).ToList();

        static string? PodName(JsonNode peer) => Rendered.Str(peer["podSelector"]?["matchLabels"], "app.kubernetes.io/name")
            ?? (Rendered.Str(peer["podSelector"]?["matchLabels"], "cnpg.io/cluster") is { } c ? "cnpg:" + c : null);

        var server = pods.Single(p => p.Name == "citypass-server");
        var http = PeersTo(server, 8080);
        Assert.NotEmpty(http);
        Assert.All(http, peer => Assert.Equal("ingress-nginx", Rendered.Str(peer["namespaceSelector"]?["matchLabels"], "kubernetes.io/metadata.name")));

        var silo = PeersTo(server, 11111);
        Assert.NotEmpty(silo);
        Assert.All(silo, peer => Assert.Equal(("citypass-server", null), (PodName(peer), peer["namespaceSelector"])));
        Assert.All(silo, peer => Assert.Null(peer["ipBlock"]));

        foreach (var (store, port, allowed) in new[]
        {
            ("citypass-redis", 6379, new[] { "citypass-server", "citypass-redis", "citypass-redis-sentinel" }),
            ("citypass-redis-sentinel", 26379, ["citypass-server", "citypass-redis", "citypass-redis-sentinel"]),
            ("citypass-postgres", 5432, ["citypass-server", "citypass-postgres", "cnpg:citypass-postgres"]),
        })
        {
            var peers = PeersTo(pods.Single(p => p.Name == store), port);
            Assert.Contains(peers, peer => PodName(peer) == "citypass-server");
            Assert.All(peers, peer =>
            {
                Assert.Null(peer["ipBlock"]);
                // Only the CloudNativePG operator's own namespace comes from outside (its status checks).
                if (peer["namespaceSelector"] is { } ns)
                    Assert.Equal("cnpg-system", Rendered.Str(ns["matchLabels"], "kubernetes.io/metadata.name"));
                else
                    Assert.Contains(PodName(peer), allowed);
            });
        }
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task LabelsAreConsistentOnEveryObjectAndItsPods(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        foreach (var o in r.Objects.Where(o => Rendered.Str(o, "kind") != "Namespace"))
        {
            var id = $"{Rendered.Str(o, "kind")}/{Rendered.Str(o["metadata"], "name")}";
            var labels = Pods.Labels(o["metadata"]);
            Assert.True(labels.GetValueOrDefault("app.kubernetes.io/part-of") == "citypass", $"{id}: part-of citypass");
            Assert.True(labels.ContainsKey("app.kubernetes.io/name"), $"{id}: a name label");
            Assert.True(labels.ContainsKey("app.kubernetes.io/component"), $"{id}: a component label");
        }
        foreach (var w in PodSource.In(r).Where(p => p.Template is not null))
        {
            var own = r.Objects.Single(o => Rendered.Str(o, "kind") == w.Kind && Rendered.Str(o["metadata"], "name") == w.Name);
            var labels = Pods.Labels(own["metadata"]);
            foreach (var key in new[] { "app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/component" })
                Assert.Equal(labels[key], w.Labels[key]);
            Assert.True(Pods.Selects(own["spec"]!["selector"]!["matchLabels"], w.Labels), $"{w.Name}: its selector matches its pods");
        }
    }
}
