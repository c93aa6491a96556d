namespace CityPass.Deployment.Tests;

/// <summary>Every overlay renders with Debian's kubectl and every object it renders is valid Kubernetes.</summary>
public sealed class SchemaTests
{
    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EveryRenderedObjectMatchesItsKubernetesSchema(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        Assert.NotEmpty(r.Results);
        var invalid = r.Results.Where(x => x.Status != "valid" && x.Status != "skipped")
            .Select(x => $"{x.Kind}/{x.Name}: {string.Join("; ", x.Errors)}").ToList();
        Assert.Empty(invalid);
        // Only the custom resources the validator knows it has no schema for are let through.
        Assert.All(r.Results.Where(x => x.Status == "skipped"), x => Assert.Equal(("postgresql.cnpg.io/v1", "Cluster"), (x.ApiVersion, x.Kind)));
    }

    [Fact]
    public void TheValidatorFindsEveryOverlay() =>
        Assert.Equal(["dev", "prod"], Manifests.OverlayNames());

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EachOverlayHasTheServerRedisUnderSentinelAndPostgres(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        r.Get("Deployment", "citypass-server");
        r.Get("Service", "citypass-server");
        r.Get("Ingress", "citypass-server");
        r.Get("HorizontalPodAutoscaler", "citypass-server");
        r.Get("PodDisruptionBudget", "citypass-server");
        r.Get("ConfigMap", "citypass-server-config");
        r.Get("StatefulSet", "citypass-redis");
        r.Get("StatefulSet", "citypass-redis-sentinel");
        Assert.Single(r.OfKind("Namespace"));
        var postgres = overlay == "prod" ? r.Get("Cluster", "citypass-postgres") : r.Get("StatefulSet", "citypass-postgres");
        Assert.NotNull(postgres);
        Assert.All(r.Objects.Where(o => Rendered.Str(o, "kind") != "Namespace"),
            o => Assert.Equal(Rendered.Str(r.OfKind("Namespace").Single()["metadata"], "name"), Rendered.Str(o["metadata"], "namespace")));
    }
}
