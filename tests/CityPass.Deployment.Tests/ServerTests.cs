using System.Globalization;
using System.Text.Json.Nodes;

namespace CityPass.Deployment.Tests;

/// <summary>The server's Deployment: silos of one cluster, probed on the health endpoints, stopped gracefully.</summary>
public sealed class ServerTests
{
    private static async Task<(Rendered R, JsonObject Deployment, JsonObject Pod, JsonObject Container)> ServerAsync(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        var deployment = r.Get("Deployment", "citypass-server");
        var pod = deployment["spec"]!["template"]!.AsObject();
        var container = Assert.Single(Pods.Containers(pod));
        return (r, deployment, pod, container);
    }

    private static string? Env(JsonObject container, string name) =>
        container["env"]?.AsArray().Where(e => Rendered.Str(e, "name") == name).Select(e => Rendered.Str(e, "value")).FirstOrDefault();

    /// <summary>A setting as the container sees it: its own env, else the ConfigMaps it takes envFrom.</summary>
    private static string? Setting(Rendered r, JsonObject container, string name) =>
        Env(container, name) ?? (container["envFrom"]?.AsArray() ?? [])
            .Select(f => Rendered.Str(f!["configMapRef"], "name")).Where(n => n is not null)
            .Select(n => Rendered.Str(r.Get("ConfigMap", n!)["data"], name)).FirstOrDefault(v => v is not null);

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task ThreeReplicasListenOnHttp8080AndTheSiloPort(string overlay)
    {
        var (r, deployment, _, c) = await ServerAsync(overlay);
        Assert.Equal(3, deployment["spec"]!["replicas"]!.GetValue<int>());
        var ports = c["ports"]!.AsArray().Select(p => (Rendered.Str(p, "name"), p!["containerPort"]!.GetValue<int>())).ToList();
        Assert.Equal([("http", 8080), ("silo", 11111)], ports);
        // What the process is told must be what the pod opens.
        Assert.Equal("8080", Setting(r, c, "ASPNETCORE_HTTP_PORTS"));
        Assert.Equal("11111", Setting(r, c, "Orleans__SiloPort"));
        Assert.Equal("Production", Setting(r, c, "ASPNETCORE_ENVIRONMENT"));
        Assert.Equal("true", Setting(r, c, "Orleans__ListenOnAnyAddress"));
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task TheDownwardApiNamesTheSilo(string overlay)
    {
        var (_, _, _, c) = await ServerAsync(overlay);
        var fields = c["env"]!.AsArray().Where(e => e!["valueFrom"]?["fieldRef"] is not null)
            .ToDictionary(e => Rendered.Str(e, "name")!, e => Rendered.Str(e!["valueFrom"]!["fieldRef"], "fieldPath"));
        Assert.Equal("metadata.name", fields["POD_NAME"]);
        Assert.Equal("status.podIP", fields["POD_IP"]);
        Assert.Equal("metadata.namespace", fields["POD_NAMESPACE"]);
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task ProbesCallTheHealthEndpointsOnTheHttpPort(string overlay)
    {
        var (r, _, _, c) = await ServerAsync(overlay);
        var pods = PodSource.In(r).Single(p => p.Name == "citypass-server");
        foreach (var (probe, path) in new[] { ("startupProbe", "/health/live"), ("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live") })
        {
            var get = c[probe]?["httpGet"];
            Assert.True(get is not null, $"{probe} is an httpGet");
            Assert.Equal(path, Rendered.Str(get, "path"));
            Assert.Equal(8080, pods.Resolve(get!["port"]));
        }
        // Readiness may flap off on a Redis outage; liveness must not restart pods for it.
        Assert.True(c["livenessProbe"]!["failureThreshold"]!.GetValue<int>() * c["livenessProbe"]!["periodSeconds"]!.GetValue<int>() >= 30);
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task RollingUpdatesAddAPodBeforeRemovingOne(string overlay)
    {
        var (_, deployment, _, _) = await ServerAsync(overlay);
        var strategy = deployment["spec"]!["strategy"]!;
        Assert.Equal("RollingUpdate", Rendered.Str(strategy, "type"));
        Assert.Equal(0, strategy["rollingUpdate"]!["maxUnavailable"]!.GetValue<int>());
        Assert.Equal(1, strategy["rollingUpdate"]!["maxSurge"]!.GetValue<int>());
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task ADisruptionBudgetKeepsTwoOfThreeServersUp(string overlay)
    {
        var (r, deployment, pod, _) = await ServerAsync(overlay);
        var labels = Pods.Labels(pod["metadata"]);
        var budget = Assert.Single(r.OfKind("PodDisruptionBudget"), b => Pods.Selects(b["spec"]!["selector"]!["matchLabels"], labels));
        var replicas = deployment["spec"]!["replicas"]!.GetValue<int>();
        var spec = budget["spec"]!;
        var mayBeDown = spec["maxUnavailable"] is { } max ? max.GetValue<int>() : replicas - spec["minAvailable"]!.GetValue<int>();
        Assert.Equal(1, mayBeDown);
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task TheAutoscalerScalesTheServerOnCpuAndNeverBelowThree(string overlay)
    {
        var r = await Manifests.RenderAsync(overlay);
        var hpa = r.Get("HorizontalPodAutoscaler", "citypass-server");
        Assert.Equal("autoscaling/v2", Rendered.Str(hpa, "apiVersion"));
        Assert.Equal(("Deployment", "citypass-server"), (Rendered.Str(hpa["spec"]!["scaleTargetRef"], "kind"), Rendered.Str(hpa["spec"]!["scaleTargetRef"], "name")));
        Assert.Equal(3, hpa["spec"]!["minReplicas"]!.GetValue<int>());
        Assert.True(hpa["spec"]!["maxReplicas"]!.GetValue<int>() > 3);
        var metric = Assert.Single(hpa["spec"]!["metrics"]!.AsArray());
        Assert.Equal(("Resource", "cpu"), (Rendered.Str(metric, "type"), Rendered.Str(metric!["resource"], "name")));
    }

    /// <summary>Connections the database keeps beside the servers' pools: its reserved ones, the operator's, replication, a migration or an audit by hand.</summary>
    private const int ConnectionsBesideTheServers = 20;

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task EveryReplicasPostgresPoolFitsInTheDatabasesConnections(string overlay)
    {
        var (r, deployment, _, c) = await ServerAsync(overlay);
        var pool = int.Parse(Setting(r, c, "Postgres__MaxPoolSize")!, CultureInfo.InvariantCulture);
        var pods = r.Get("HorizontalPodAutoscaler", "citypass-server")["spec"]!["maxReplicas"]!.GetValue<int>()
            + deployment["spec"]!["strategy"]!["rollingUpdate"]!["maxSurge"]!.GetValue<int>();
        var maxConnections = MaxConnections(r);
        Assert.True(pods * pool + ConnectionsBesideTheServers <= maxConnections,
            $"{overlay}: {pods} pods x {pool} connections + {ConnectionsBesideTheServers} > max_connections {maxConnections}");
    }

    /// <summary>The database's max_connections: the CloudNativePG cluster's parameter, else a StatefulSet's <c>-c max_connections=</c>, else PostgreSQL's default.</summary>
    private static int MaxConnections(Rendered r)
    {
        if (r.OfKind("Cluster").SingleOrDefault() is { } cluster)
            return int.Parse(Rendered.Str(cluster["spec"]!["postgresql"]!["parameters"], "max_connections")!, CultureInfo.InvariantCulture);
        var postgres = Pods.Containers(r.Get("StatefulSet", "citypass-postgres")["spec"]!["template"]!.AsObject()).Single(c => Rendered.Str(c, "name") == "postgres");
        var set = (postgres["args"]?.AsArray() ?? []).Select(a => a!.GetValue<string>()).FirstOrDefault(a => a.StartsWith("max_connections=", StringComparison.Ordinal));
        return set is null ? 100 : int.Parse(set["max_connections=".Length..], CultureInfo.InvariantCulture);
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task TheGracePeriodOutlastsThePreStopSleepAndTheHostsShutdown(string overlay)
    {
        var (r, _, pod, c) = await ServerAsync(overlay);
        var shutdown = int.Parse(Setting(r, c, "Orleans__ShutdownSeconds")!, CultureInfo.InvariantCulture);
        var preStop = c["lifecycle"]!["preStop"]!["sleep"]!["seconds"]!.GetValue<int>();
        Assert.InRange(preStop, 1, 10);
        Assert.True(pod["spec"]!["terminationGracePeriodSeconds"]!.GetValue<int>() > shutdown + preStop);
    }

    [Theory]
    [MemberData(nameof(Manifests.Overlays), MemberType = typeof(Manifests))]
    public async Task TheServerHasAWritableTmpOnAReadOnlyRoot(string overlay)
    {
        var (_, _, pod, c) = await ServerAsync(overlay);
        var mount = Assert.Single(c["volumeMounts"]!.AsArray(), m => Rendered.Str(m, "mountPath") == "/tmp");
        var volume = Assert.Single(pod["spec"]!["volumes"]!.AsArray(), v => Rendered.Str(v, "name") == Rendered.Str(mount, "name"));
        Assert.NotNull(volume!["emptyDir"]);
        Assert.True(c["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
    }
}
