using System.Diagnostics;

namespace CityPass.Redis.Tests.Infrastructure;

/// <summary>Three primaries joined by <c>redis-cli --cluster create</c>, plus slot-migration helpers for MOVED/ASK.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public RedisServerProcess[] Nodes { get; private set; } = [];

    public string ConnectionString => Nodes[0].EndPoint;

    public async Task InitializeAsync()
    {
        Nodes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RedisServerProcess.StartAsync(
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")));

        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--cluster", "create" }.Concat(Nodes.Select(n => n.EndPoint)).Concat(["--cluster-replicas", "0", "--cluster-yes"]))
            create.ArgumentList.Add(argument);
        using (var process = Process.Start(create)!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (process.ExitCode != 0) throw new InvalidOperationException("redis-cli --cluster create failed: " + await output);
        }

        foreach (var node in Nodes)
            await Eventually.TrueAsync(async () => (await node.CliAsync("CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), $"node {node.Port} reports cluster_state:ok");
    }

    public Task<RedisClient> ConnectAsync() => RedisClient.ConnectAsync(ConnectionString);

    public async Task<RedisServerProcess> OwnerOfAsync(int slot)
    {
        var lines = (await Nodes[0].CliAsync("CLUSTER", "NODES")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines)
        {
            var fields = line.Split(' ');
            if (!fields[2].Contains("master", StringComparison.Ordinal)) continue;
            foreach (var range in fields.Skip(8).Where(r => !r.StartsWith('[')))
            {
                var bounds = range.Split('-');
                var start = int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture);
                var end = bounds.Length > 1 ? int.Parse(bounds[1], System.Globalization.CultureInfo.InvariantCulture) : start;
                if (slot >= start && slot <= end)
                {
                    var port = int.Parse(fields[1].Split('@')[0].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
                    return Nodes.Single(n => n.Port == port);
                }
            }
        }

        throw new InvalidOperationException($"No owner for slot {slot}");
    }

    public static async Task<string> NodeIdAsync(RedisServerProcess node) => await node.CliAsync("CLUSTER", "MYID");

    /// <summary>Starts moving a slot: IMPORTING on the target, MIGRATING on the source.</summary>
    public static async Task BeginMigrationAsync(int slot, RedisServerProcess source, RedisServerProcess target)
    {
        var slotText = slot.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("OK", await target.CliAsync("CLUSTER", "SETSLOT", slotText, "IMPORTING", await NodeIdAsync(source)));
        Assert.Equal("OK", await source.CliAsync("CLUSTER", "SETSLOT", slotText, "MIGRATING", await NodeIdAsync(target)));
    }

    public static async Task MigrateKeyAsync(string key, RedisServerProcess source, RedisServerProcess target) =>
        Assert.Equal("OK", await source.CliAsync("MIGRATE", "127.0.0.1", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), key, "0", "5000"));

    /// <summary>Hands the slot to the target on every node (the end of a migration), so MOVED follows.</summary>
    public async Task FinishMigrationAsync(int slot, RedisServerProcess target)
    {
        var targetId = await NodeIdAsync(target);
        var slotText = slot.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Target first, then the others, as redis-cli --cluster reshard does.
        Assert.Equal("OK", await target.CliAsync("CLUSTER", "SETSLOT", slotText, "NODE", targetId));
        foreach (var node in Nodes.Where(n => n != target))
            Assert.Equal("OK", await node.CliAsync("CLUSTER", "SETSLOT", slotText, "NODE", targetId));
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "redis cluster";
}
