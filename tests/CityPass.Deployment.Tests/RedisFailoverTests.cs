using System.Diagnostics;

namespace CityPass.Deployment.Tests;

/// <summary>
/// The Redis and sentinel start scripts from k8s/, run for real on loopback: three redis-servers and
/// three sentinels, each in its own mount and UTS namespace (unshare) so that its hostname and the
/// cluster DNS names (a hosts file) are what they would be in the StatefulSets. Only the scripts'
/// folders and the listening address differ from the pods.
/// </summary>
public sealed class RedisFailoverTests : IAsyncLifetime
{
    private const string Namespace = "citypass-dev";
    private const string Password = "test-only";
    private static readonly Dictionary<string, string> Auth = new() { ["REDISCLI_AUTH"] = Password };

    private readonly string _dir = Directory.CreateTempSubdirectory("citypass-sentinel-").FullName;
    private readonly Dictionary<string, Process> _nodes = [];

    private static string RedisHost(int n) => $"citypass-redis-{n}.citypass-redis-headless.{Namespace}.svc.cluster.local";
    private static string RedisIp(int n) => $"127.0.1.{n + 1}";
    private static string SentinelIp(int n) => $"127.0.2.{n + 1}";

    public async Task InitializeAsync()
    {
        var scripts = (await Manifests.RenderAsync("dev")).Get("ConfigMap", "citypass-redis-scripts")["data"]!.AsObject();
        var scriptDir = Directory.CreateDirectory(Path.Combine(_dir, "scripts")).FullName;
        foreach (var (name, node) in scripts)
        {
            var text = node!.GetValue<string>();
            // Each rewrite must find its text: a script that changed shape fails here, not silently.
            if (name.EndsWith("-start.sh", StringComparison.Ordinal)) text = Rewrite(text, "/scripts/", scriptDir + "/");
            text = name switch
            {
                "redis.conf" => Rewrite(text, "dir /data", "dir /tmp"),
                "redis-start.sh" => Rewrite(Rewrite(text, "/run/redis/", "$RUN_DIR/"), "exec redis-server \"$conf\"\n", "exec redis-server \"$conf\" --bind $BIND_IP --dir $DATA_DIR\n"),
                "sentinel-start.sh" => Rewrite(Rewrite(Rewrite(text, "/run/sentinel/", "$RUN_DIR/"), "dir /run/sentinel", "dir $RUN_DIR"),
                    "exec redis-server \"$conf\" --sentinel", "exec redis-server \"$conf\" --sentinel --bind $BIND_IP"),
                _ => text,
            };
            await File.WriteAllTextAsync(Path.Combine(scriptDir, name), text);
        }
        var hosts = new List<string> { "127.0.0.1 localhost" };
        for (var n = 0; n < 3; n++)
        {
            hosts.Add($"{RedisIp(n)} {RedisHost(n)}");
            hosts.Add($"{SentinelIp(n)} citypass-redis-sentinel-{n}.citypass-redis-sentinel-headless.{Namespace}.svc.cluster.local");
        }
        await File.WriteAllLinesAsync(Path.Combine(_dir, "hosts"), hosts);
    }

    public Task DisposeAsync()
    {
        foreach (var name in _nodes.Keys.ToList()) Kill(name);
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private static string Rewrite(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>SIGKILL, as a node lost or an OOM kill would.</summary>
    private void Kill(string name)
    {
        var p = _nodes[name];
        _nodes.Remove(name);
        if (!p.HasExited) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        p.Dispose();
    }

    /// <summary>Runs a start script as pod <paramref name="name"/> would: its hostname, the cluster's names.</summary>
    private void Start(string kind, int n)
    {
        var name = kind == "redis" ? $"citypass-redis-{n}" : $"citypass-redis-sentinel-{n}";
        var ip = kind == "redis" ? RedisIp(n) : SentinelIp(n);
        var run = Directory.CreateDirectory(Path.Combine(_dir, name, "run")).FullName;
        var data = Directory.CreateDirectory(Path.Combine(_dir, name, "data")).FullName; // kept across restarts, like the PVC
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--mount", "--uts", "sh", "-c", $"mount --bind {_dir}/hosts /etc/hosts && hostname {name} && exec sh {_dir}/scripts/{kind}-start.sh" })
            start.ArgumentList.Add(a);
        start.Environment["POD_NAMESPACE"] = Namespace;
        start.Environment["REDISCLI_AUTH"] = Password;
        start.Environment["RUN_DIR"] = run;
        start.Environment["DATA_DIR"] = data;
        start.Environment["BIND_IP"] = ip;
        start.Environment["REDIS_MEMORY_LIMIT"] = "268435456";
        var process = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _nodes[name] = process;
    }

    private static async Task<string> CliAsync(string ip, int port, params string[] command)
    {
        try
        {
            return (await Manifests.RunAsync("redis-cli", ["-h", ip, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--raw", .. command], Path.GetTempPath(), env: Auth)).Trim();
        }
        catch (InvalidOperationException e)
        {
            return "unreachable: " + e.Message;
        }
    }

    private static Task<string[]> PrimariesAsync() =>
        Task.WhenAll(Enumerable.Range(0, 3).Select(async n => (await CliAsync(SentinelIp(n), 26379, "sentinel", "get-master-addr-by-name", "citypass")).Split('\n')[0]));

    private static async Task<string> RoleAsync(int n) =>
        (await CliAsync(RedisIp(n), 6379, "info", "replication")).Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("role:", StringComparison.Ordinal) || l.StartsWith("master_host:", StringComparison.Ordinal) || l.StartsWith("master_link_status:", StringComparison.Ordinal))
            .Aggregate("", (a, l) => a + l + " ").Trim();

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 40)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(seconds), $"not within {seconds} s: {what}");
            await Task.Delay(250);
        }
    }

    private static async Task SentinelsAgreeOnAsync(int primary)
    {
        await EventuallyAsync(async () => (await PrimariesAsync()).All(p => p == RedisHost(primary)), $"every sentinel names {RedisHost(primary)}");
        await EventuallyAsync(async () =>
        {
            var masters = await Task.WhenAll(Enumerable.Range(0, 3).Select(n => CliAsync(SentinelIp(n), 26379, "sentinel", "master", "citypass")));
            return masters.All(m => m.Contains("num-other-sentinels\n2", StringComparison.Ordinal) && m.Contains("num-slaves\n2", StringComparison.Ordinal));
        }, "every sentinel sees two replicas and two other sentinels");
    }

    [Fact]
    public async Task PodZeroStartsAsPrimaryAFailoverPromotesAReplicaAndTheOldPrimaryRejoinsAsAReplica()
    {
        for (var n = 0; n < 3; n++)
        {
            Start("redis", n);
            var ip = RedisIp(n);
            await EventuallyAsync(async () => await CliAsync(ip, 6379, "ping") == "PONG", $"redis {n} answers");
        }
        for (var n = 0; n < 3; n++) Start("sentinel", n);
        await SentinelsAgreeOnAsync(0);
        Assert.Equal("role:master", await RoleAsync(0));

        // min-replicas-to-write 1: the primary takes writes once a replica is in sync.
        await EventuallyAsync(async () => (await CliAsync(RedisIp(0), 6379, "info", "replication")).Split("state=online").Length == 3, "both replicas online");
        Assert.Equal("OK", await CliAsync(RedisIp(0), 6379, "set", "citypass:probe", "before"));
        Assert.Equal("2", await CliAsync(RedisIp(0), 6379, "wait", "2", "2000"));

        // The primary dies: the sentinels promote a replica and agree on it.
        Kill("citypass-redis-0");
        await EventuallyAsync(async () => (await PrimariesAsync()).Distinct().ToList() is [var p] && (p == RedisHost(1) || p == RedisHost(2)),
            "the sentinels fail over to a replica");
        var primaries = await PrimariesAsync();
        var promoted = Enumerable.Range(1, 2).Single(n => RedisHost(n) == primaries[0]);

        // Pod 0 comes back with its AOF: it asks the sentinels first and rejoins as a replica of the new primary.
        Start("redis", 0);
        await EventuallyAsync(async () => await RoleAsync(0) == $"role:slave master_host:{RedisHost(promoted)} master_link_status:up",
            "the old primary rejoins as a replica");
        Assert.Equal("before", await CliAsync(RedisIp(0), 6379, "get", "citypass:probe"));
        await SentinelsAgreeOnAsync(promoted);

        // Sentinels restarted all at once (their state is on emptyDirs) find the primary from the nodes.
        foreach (var n in Enumerable.Range(0, 3)) Kill($"citypass-redis-sentinel-{n}");
        foreach (var n in Enumerable.Range(0, 3)) Directory.Delete(Path.Combine(_dir, $"citypass-redis-sentinel-{n}"), recursive: true);
        for (var n = 0; n < 3; n++) Start("sentinel", n);
        await SentinelsAgreeOnAsync(promoted);
    }
}
