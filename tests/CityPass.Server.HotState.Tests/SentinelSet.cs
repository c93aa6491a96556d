using System.Globalization;
using CityPass.Testing;

namespace CityPass.Server.HotState.Tests;

/// <summary>A primary, its replica (in sync) and one sentinel (quorum 1) watching them as <see cref="ServiceName"/>, owned by a test that breaks them.</summary>
public sealed class SentinelSet : IAsyncDisposable
{
    public const string ServiceName = "citymaster";

    private SentinelSet(RedisServer primary, RedisServer replica, RedisServer sentinel) => (Primary, Replica, Sentinel) = (primary, replica, sentinel);

    public RedisServer Primary { get; }

    public RedisServer Replica { get; }

    public RedisServer Sentinel { get; }

    /// <summary>The sentinel's configuration gets <paramref name="moreSentinelLines"/> (its timings) after the monitor line.</summary>
    public static async Task<SentinelSet> StartAsync(string moreSentinelLines = "")
    {
        var primary = await RedisServer.StartAsync();
        var replica = await RedisServer.StartAsync("--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture));
        var sentinel = await RedisServer.StartSentinelAsync((port, directory) => $"""
            port {port}
            bind 127.0.0.1
            dir {directory}
            sentinel monitor {ServiceName} 127.0.0.1 {primary.Port} 1
            {moreSentinelLines}
            """);
        await Eventually.TrueAsync(async () => (await replica.CliAsync("INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "replica in sync");
        // The sentinel learns of the replica from the primary's INFO, every 10 s; a client that asks it before then is told
        // of no replica, and does not ask again until the roles change (a test waiting to reach the replica timed out so in CI).
        // redis-cli prints each field and value on a line of its own: "port", then the replica's port.
        await Eventually.TrueAsync(async () => (await sentinel.CliAsync("SENTINEL", "REPLICAS", ServiceName)).Contains($"port\n{replica.Port.ToString(CultureInfo.InvariantCulture)}\n", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the sentinel knows the replica");
        return new SentinelSet(primary, replica, sentinel);
    }

    public async ValueTask DisposeAsync()
    {
        await Sentinel.DisposeAsync();
        await Replica.DisposeAsync();
        await Primary.DisposeAsync();
    }
}
