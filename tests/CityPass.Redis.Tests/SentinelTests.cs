using System.Collections.Concurrent;
using CityPass.Redis.Tests.Infrastructure;

namespace CityPass.Redis.Tests;

/// <summary>A primary, its replica and one sentinel (quorum 1), owned by the test since it fails them over.</summary>
public sealed class SentinelTests : IAsyncLifetime
{
    private const string ServiceName = "citymaster";
    private RedisServer _primary = null!;
    private RedisServer _replica = null!;
    private RedisServer _sentinel = null!;

    public async Task InitializeAsync()
    {
        _primary = await RedisServer.StartAsync();
        _replica = await RedisServer.StartAsync("--replicaof", "127.0.0.1", _primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _sentinel = await RedisServer.StartSentinelAsync((port, directory) => $"""
            port {port}
            bind 127.0.0.1
            dir {directory}
            sentinel monitor {ServiceName} 127.0.0.1 {_primary.Port} 1
            sentinel down-after-milliseconds {ServiceName} 1000
            sentinel failover-timeout {ServiceName} 10000
            sentinel parallel-syncs {ServiceName} 1
            """);
        await Eventually.TrueAsync(async () => (await _replica.CliAsync("INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "replica in sync");
        await Eventually.TrueAsync(async () => (await _sentinel.CliAsync("SENTINEL", "REPLICAS", ServiceName)).Contains(_replica.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "sentinel knows the replica");
    }

    public async Task DisposeAsync()
    {
        await _sentinel.DisposeAsync();
        await _replica.DisposeAsync();
        await _primary.DisposeAsync();
    }

    [Fact]
    public async Task ClientFollowsAFailoverDuringUse()
    {
        await using var client = await RedisClient.ConnectAsync($"{_sentinel.EndPoint},serviceName={ServiceName},commandTimeout=120000,reconnectBaseDelay=50,reconnectMaxDelay=500");
        Assert.Equal(_primary.Port, client.EndPoint?.Port);

        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentBag<Exception>();
        var successes = 0;
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await client.IncrementAsync("failover:counter");
                    Interlocked.Increment(ref successes);
                }
                catch (RedisException ex)
                {
                    failures.Add(ex);
                    await Task.Delay(20);
                }
            }
        })).ToArray();
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref successes) > 100), TimeSpan.FromSeconds(20), "writes flow to the first primary");

        // The sentinel may need a moment to judge the replica fit for promotion (else it answers NOGOODSLAVE).
        await Eventually.TrueAsync(async () => await _sentinel.CliAsync("SENTINEL", "FAILOVER", ServiceName) == "OK",
            TimeSpan.FromSeconds(30), "sentinel accepts the failover");

        await Eventually.TrueAsync(() => Task.FromResult(client.EndPoint?.Port == _replica.Port), TimeSpan.FromSeconds(60), "client moved to the promoted replica");
        var afterSwitch = Volatile.Read(ref successes);
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref successes) > afterSwitch + 100), TimeSpan.FromSeconds(30), "writes flow to the new primary");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.Equal("master", (await client.ExecuteAsync("ROLE"))[0].AsString());
        Assert.Contains("role:master", await _replica.CliAsync("INFO", "replication"), StringComparison.Ordinal);
        // Calls caught in the switch fail fast with a connection error or the old primary's READONLY, never by timing out.
        Assert.All(failures, failure => Assert.True(
            failure is RedisConnectionException || failure is RedisServerException { Prefix: "READONLY" },
            $"unexpected {failure.GetType().Name}: {failure.Message}"));
    }
}
