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
        // noeviction only refuses writes below a maxmemory: the start script derives it from the limit.
        Assert.Contains("maxmemory $((REDIS_MEMORY_LIMIT * 7 / 10))", scripts["redis-start.sh"]!.GetValue<string>(), StringComparison.Ordinal);
        var container = Assert.Single(Pods.Containers(redis["spec"]!["template"]!.AsObject()));
        var limit = Assert.Single(container["env"]!.AsArray(), e => Rendered.Str(e, "name") == "REDIS_MEMORY_LIMIT")!["valueFrom"]!["resourceFieldRef"];
        Assert.Equal(("redis", "limits.memory"), (Rendered.Str(limit, "containerName"), Rendered.Str(limit, "resource")));
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

    [Fact]
    public async Task TheRedisStartScriptsAreValidShell()
    {
        var scripts = (await Manifests.RenderAsync("prod")).Get("ConfigMap", "citypass-redis-scripts")["data"]!.AsObject();
        var dir = Directory.CreateTempSubdirectory("citypass-redis-scripts-").FullName;
        try
        {
            foreach (var (name, text) in scripts.Where(kv => kv.Key.EndsWith(".sh", StringComparison.Ordinal)))
            {
                var path = Path.Combine(dir, name);
                await File.WriteAllTextAsync(path, text!.GetValue<string>());
                await Manifests.RunAsync("sh", ["-n", path], dir); // the redis image's sh is dash too
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task RedisAcceptsTheConfigAsTheStartScriptWritesIt()
    {
        var scripts = (await Manifests.RenderAsync("prod")).Get("ConfigMap", "citypass-redis-scripts")["data"]!;
        var dir = Directory.CreateTempSubdirectory("citypass-redis-conf-").FullName;
        try
        {
            // What redis-start.sh appends, on a data directory here and a socket instead of a TCP port.
            var conf = scripts["redis.conf"]!.GetValue<string>().Replace("dir /data", "dir " + dir, StringComparison.Ordinal)
                + $"requirepass test-only\nmasterauth test-only\nreplica-announce-ip localhost\nmaxmemory 187904819\nport 0\nunixsocket {dir}/redis.sock\n";
            var path = Path.Combine(dir, "redis.conf");
            await File.WriteAllTextAsync(path, conf);
            var log = await RedisStartsAsync(path);
            Assert.Contains("ready to accept connections", log, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // Starts redis-server on the file and stops it once it says it is ready (or has exited).
    private static async Task<string> RedisStartsAsync(string confPath)
    {
        var start = new System.Diagnostics.ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(confPath);
        using var process = System.Diagnostics.Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                log.AppendLine(line);
                if (line.Contains("ready to accept connections", StringComparison.OrdinalIgnoreCase)) break;
            }
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
        }
        return log.ToString() + await stderr;
    }
}
