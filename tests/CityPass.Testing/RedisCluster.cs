using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace CityPass.Testing;

/// <summary>
/// Three primaries on loopback joined by <c>redis-cli --cluster create</c>, no replicas, plus
/// slot-migration helpers that make a client meet MOVED and ASK; killed on dispose.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    public RedisServer[] Nodes { get; private set; } = [];

    /// <summary>One node is enough: the client discovers the rest.</summary>
    public string ConnectionString => Nodes[0].ConnectionString;

    public async Task InitializeAsync()
    {
        Nodes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RedisServer.StartAsync(
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")));

        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--cluster", "create" }.Concat(Nodes.Select(n => n.EndPoint)).Concat(["--cluster-replicas", "0", "--cluster-yes"]))
            create.ArgumentList.Add(argument);
        using (var process = Process.Start(create)!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (process.ExitCode != 0) throw new InvalidOperationException("redis-cli --cluster create failed: " + await output);
        }

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var node in Nodes)
        {
            while (!(await node.CliAsync("CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > until) throw new InvalidOperationException($"Node {node.Port} never reported cluster_state:ok.");
                await Task.Delay(50);
            }
        }
    }

    /// <summary>The primary that serves a slot now.</summary>
    public async Task<RedisServer> OwnerOfAsync(int slot)
    {
        var lines = (await Nodes[0].CliAsync("CLUSTER", "NODES")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var fields in lines.Select(l => l.Split(' ')).Where(f => f[2].Contains("master", StringComparison.Ordinal)))
        {
            foreach (var range in fields.Skip(8).Where(r => !r.StartsWith('[')))
            {
                var bounds = range.Split('-');
                var start = int.Parse(bounds[0], CultureInfo.InvariantCulture);
                var end = bounds.Length > 1 ? int.Parse(bounds[1], CultureInfo.InvariantCulture) : start;
                if (slot < start || slot > end) continue;
                var port = int.Parse(fields[1].Split('@')[0].Split(':')[1], CultureInfo.InvariantCulture);
                return Nodes.Single(n => n.Port == port);
            }
        }
        throw new InvalidOperationException($"No owner for slot {slot}");
    }

    public static async Task<string> NodeIdAsync(RedisServer node) => await node.CliAsync("CLUSTER", "MYID");

    /// <summary>Starts moving a slot: IMPORTING on the target, MIGRATING on the source.</summary>
    public static async Task BeginMigrationAsync(int slot, RedisServer source, RedisServer target)
    {
        var slotText = slot.ToString(CultureInfo.InvariantCulture);
        Assert.Equal("OK", await target.CliAsync("CLUSTER", "SETSLOT", slotText, "IMPORTING", await NodeIdAsync(source)));
        Assert.Equal("OK", await source.CliAsync("CLUSTER", "SETSLOT", slotText, "MIGRATING", await NodeIdAsync(target)));
    }

    public static async Task MigrateKeyAsync(string key, RedisServer source, RedisServer target) =>
        Assert.Equal("OK", await source.CliAsync("MIGRATE", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), key, "0", "5000"));

    /// <summary>Hands the slot to the target on every node (the end of a migration), so MOVED follows.</summary>
    public async Task FinishMigrationAsync(int slot, RedisServer target)
    {
        var targetId = await NodeIdAsync(target);
        var slotText = slot.ToString(CultureInfo.InvariantCulture);
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
