using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CityPass.Deployment.Tests;

/// <summary>What every pod of every overlay must be: non-root, unprivileged, sized, pinned, no secret inline.</summary>
public sealed partial class PodTests
{
    private static async Task<List<PodSource>> WorkloadsAsync(string overlay) =>
        PodSource.In(await Manifests.RenderAsync(overlay)).Where(p => p.Template is not null).ToList();

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EveryPodRunsNonRootReadOnlyWithNoPrivilegesAndNoServiceAccountToken(string overlay)
    {
        foreach (var w in await WorkloadsAsync(overlay))
        {
            var spec = w.Template!["spec"]!;
            Assert.True(spec["automountServiceAccountToken"]?.GetValue<bool>() == false, $"{w.Name}: automountServiceAccountToken: false");
            foreach (var c in Pods.Containers(w.Template))
            {
                var name = $"{w.Name}/{Rendered.Str(c, "name")}";
                var sc = c["securityContext"];
                // Either level may say it; the container's word wins.
                bool? Flag(string key) => (sc?[key] ?? spec["securityContext"]?[key])?.GetValue<bool>();
                Assert.True(Flag("runAsNonRoot") == true, $"{name}: runAsNonRoot");
                var user = (sc?["runAsUser"] ?? spec["securityContext"]?["runAsUser"])?.GetValue<long>();
                Assert.True(user > 0, $"{name}: a numeric non-root runAsUser");
                Assert.True(sc?["readOnlyRootFilesystem"]?.GetValue<bool>() == true, $"{name}: readOnlyRootFilesystem");
                Assert.True(sc?["allowPrivilegeEscalation"]?.GetValue<bool>() == false, $"{name}: allowPrivilegeEscalation: false");
                Assert.Contains("ALL", sc?["capabilities"]?["drop"]?.AsArray().Select(d => d!.GetValue<string>()) ?? []);
                Assert.Null(sc?["capabilities"]?["add"]);
                Assert.True(sc?["privileged"]?.GetValue<bool>() != true, $"{name}: not privileged");
                var seccomp = Rendered.Str(sc?["seccompProfile"] ?? spec["securityContext"]?["seccompProfile"], "type");
                Assert.Equal("RuntimeDefault", seccomp);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EveryContainerRequestsCpuWithNoCpuLimitAndHasAMemoryLimit(string overlay)
    {
        foreach (var w in await WorkloadsAsync(overlay))
        {
            foreach (var c in Pods.Containers(w.Template!))
            {
                var name = $"{w.Name}/{Rendered.Str(c, "name")}";
                var resources = c["resources"];
                Assert.True(resources?["requests"]?["cpu"] is not null, $"{name}: a CPU request");
                Assert.True(resources?["requests"]?["memory"] is not null, $"{name}: a memory request");
                Assert.True(resources?["limits"]?["memory"] is not null, $"{name}: a memory limit");
                // A CPU limit throttles a latency-critical process for the rest of each CFS period.
                Assert.True(resources?["limits"]?["cpu"] is null, $"{name}: no CPU limit");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EveryImageIsPinnedToAVersionTag(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        var images = PodSource.In(r).Where(p => p.Template is not null)
            .SelectMany(w => Pods.Containers(w.Template!)).Select(c => Rendered.Str(c, "image")!)
            .Concat(r.OfKind("Cluster").Select(c => Rendered.Str(c["spec"], "imageName")!)).ToList();
        Assert.NotEmpty(images);
        Assert.All(images, image => Assert.True(IsPinned(image), $"{image} is pinned to a version tag or a digest"));
        Assert.Contains(images, i => i.StartsWith("registry.example.com/citypass/server:", StringComparison.Ordinal));
    }

    /// <summary>A digest, or a tag that names a version (a digit first): never none, never latest.</summary>
    public static bool IsPinned(string image)
    {
        if (image.Contains("@sha256:", StringComparison.Ordinal)) return true;
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var colon = lastSegment.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < lastSegment.Length - 1 && char.IsAsciiDigit(lastSegment[colon + 1]);
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task NoSecretValueIsInTheManifests(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        Assert.Empty(r.OfKind("Secret"));
        foreach (var w in PodSource.In(r).Where(p => p.Template is not null))
        {
            foreach (var c in Pods.Containers(w.Template!))
            {
                foreach (var e in c["env"]?.AsArray() ?? [])
                {
                    var name = Rendered.Str(e, "name")!;
                    if (!SecretLike().IsMatch(name)) continue;
                    Assert.True(e!["value"] is null, $"{w.Name}: {name} is given inline");
                    Assert.True(e["valueFrom"]?["secretKeyRef"]?["name"] is not null, $"{w.Name}: {name} comes from a Secret by name");
                }
            }
        }
        // Nor in a ConfigMap: settings whose names say secret never sit in one.
        foreach (var map in r.OfKind("ConfigMap"))
        {
            Assert.All((map["data"]?.AsObject() ?? []).Select(kv => kv.Key), key => Assert.DoesNotMatch(SecretLike(), key));
            Assert.All((map["data"]?.AsObject() ?? []).Select(kv => kv.Value!.GetValue<string>()),
                v => Assert.DoesNotMatch(InlineCredential(), v));
        }
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task TheServersSecretsAreReferencedByName(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        var c = Assert.Single(Pods.Containers(r.Get("Deployment", "citypass-server")["spec"]!["template"]!.AsObject()));
        var fromSecrets = (c["env"]?.AsArray() ?? []).Where(e => e!["valueFrom"]?["secretKeyRef"] is not null)
            .ToDictionary(e => Rendered.Str(e, "name")!, e => (Rendered.Str(e!["valueFrom"]!["secretKeyRef"], "name"), Rendered.Str(e["valueFrom"]!["secretKeyRef"], "key")));
        Assert.Equal(("citypass-connections", "postgres"), fromSecrets["ConnectionStrings__Postgres"]);
        Assert.Equal(("citypass-connections", "redis"), fromSecrets["ConnectionStrings__Redis"]);
        Assert.Equal(("citypass-connections", "orleans"), fromSecrets["ConnectionStrings__Orleans"]);
        Assert.Equal(("citypass-keys", "keyset.json"), fromSecrets["Keys__KeySetJson"]);
        Assert.Equal(("citypass-keys", "server-secret"), fromSecrets["Keys__ServerSecret"]);
        Assert.Equal(("citypass-keys", "federation-key.json"), fromSecrets["Federation__KeyJson"]);
        Assert.Equal(("citypass-sms-gateway", "auth-value"), fromSecrets["Sms__Gateway__AuthValue"]);
    }

    [Fact]
    public void NoFileUnderK8sHoldsASecretOrACredential()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Manifests.RepoRoot, "k8s"), "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotMatch(SecretKind(), text);
            Assert.DoesNotMatch(InlineCredential(), text);
            Assert.DoesNotMatch(PrivateKey(), text);
        }
    }

    [GeneratedRegex(@"(?i)password|secret|token|auth(value)?$|auth-value|connectionstrings|keyset|apikey|credential")]
    private static partial Regex SecretLike();

    // "Password=hunter2" in a connection string, "requirepass hunter2" in a Redis config (a ${VAR} is fine).
    [GeneratedRegex(@"(?i)(password|pwd)\s*=\s*[^$;\s""']|requirepass\s+[^$\s]|masterauth\s+[^$\s]|auth-pass\s+\S+\s+[^$\s]")]
    private static partial Regex InlineCredential();

    [GeneratedRegex(@"(?m)^\s*kind:\s*Secret\s*$")]
    private static partial Regex SecretKind();

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----|""d""\s*:\s*""[A-Za-z0-9_-]{20,}""")]
    private static partial Regex PrivateKey();
}
