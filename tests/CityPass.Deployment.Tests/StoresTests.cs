namespace CityPass.Deployment.Tests;

/// <summary>Redis in its production shape (Sentinel, AOF) and PostgreSQL with a standby in prod.</summary>
public sealed class StoresTests
{
    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task RedisIsAPrimaryAndTwoReplicasOnVolumesUnderThreeSentinels(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        var redis = r.Get("StatefulSet", "citypass-redis");
        Assert.Equal(3, redis["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("data", Rendered.Str(Assert.Single(redis["spec"]!["volumeClaimTemplates"]!.AsArray())!["metadata"], "name"));
        var sentinels = r.Get("StatefulSet", "citypass-redis-sentinel");
        Assert.Equal(3, sentinels["spec"]!["replicas"]!.GetValue<int>());

        var scripts = r.Get("ConfigMap", "citypass-redis-scripts")["data"]!;
        var conf = scripts["redis.conf"]!.GetValue<string>();
        // Orleans' membership table is here: a restart must not come back empty.
        Assert.Contains("appendonly yes", conf, StringComparison.Ordinal);
        Assert.Contains("maxmemory-policy noeviction", conf, StringComparison.Ordinal);
        // Quorum 2 of 3, the service name the server's connection string gives (serviceName=citypass).
        Assert.Contains("sentinel monitor citypass ${primary} 6379 2", scripts["sentinel-start.sh"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProdRunsPostgresAsACloudNativePgClusterWithAStandby()
    {
        var r = await Manifests.RenderAsync("prod");
        var cluster = r.Get("Cluster", "citypass-postgres");
        Assert.True(cluster["spec"]!["instances"]!.GetValue<int>() >= 2);
        Assert.Equal("citypass-postgres", Rendered.Str(cluster["spec"]!["bootstrap"]!["initdb"]!["secret"], "name"));
        Assert.DoesNotContain(r.OfKind("StatefulSet"), s => Rendered.Str(s["metadata"], "name") == "citypass-postgres");
    }

    [Fact]
    public async Task DevRunsOnePostgresStatefulSetOnAVolume()
    {
        var r = await Manifests.RenderAsync("dev");
        var postgres = r.Get("StatefulSet", "citypass-postgres");
        Assert.Equal(1, postgres["spec"]!["replicas"]!.GetValue<int>());
        Assert.Single(postgres["spec"]!["volumeClaimTemplates"]!.AsArray());
        Assert.Empty(r.OfKind("Cluster"));
    }
}
