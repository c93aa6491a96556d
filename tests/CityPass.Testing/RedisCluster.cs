using System.Diagnostics;
using Xunit;

namespace CityPass.Testing;

/// <summary>Three primaries on loopback joined by <c>redis-cli --cluster create</c>, no replicas; killed on dispose.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    public RedisServer[] Nodes { get; private set; } = [];

    /// <summary>One node is enough: the client discovers the rest.</summary>
    public string ConnectionString => Nodes[0].EndPoint;

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

    public async Task DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
    }
}
