using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

/// <summary>How the archiving replicas share the 16 streams out: on one redis-server, and on a Cluster, where the leases' keys must share a slot.</summary>
public sealed class ShardLeasesTests(RedisServerFixture redis, RedisClusterFixture cluster)
    : IClassFixture<RedisServerFixture>, IClassFixture<RedisClusterFixture>, IAsyncLifetime
{
    private const int Shards = 16;
    private ConnectionMultiplexer _server = null!;
    private ConnectionMultiplexer _cluster = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisConnection.ConnectAsync(redis.Server.ConnectionString);
        _cluster = await RedisConnection.ConnectAsync(cluster.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    private static string NewName() => "test-" + Guid.NewGuid().ToString("N");

    private ShardLeases Leases(string name, TimeSpan? ttl = null, bool onCluster = false) =>
        new(() => onCluster ? _cluster : _server, name, Shards, ttl ?? TimeSpan.FromMinutes(1));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OneReplicaHoldsEveryShardAndASecondTakesHalfOnceTheFirstHasGivenItUp(bool onCluster)
    {
        var name = NewName();
        var first = Leases(name, onCluster: onCluster);
        var second = Leases(name, onCluster: onCluster);

        Assert.Equal(Enumerable.Range(0, Shards), await first.HoldAsync());
        // The second is counted at once, but every shard is held: it waits for the first to give up what is beyond its share.
        Assert.Empty(await second.HoldAsync());
        Assert.Equal(Enumerable.Range(0, 8), await first.HoldAsync());
        Assert.Equal(Enumerable.Range(8, 8), await second.HoldAsync());
        // Renewing changes nothing.
        Assert.Equal(Enumerable.Range(0, 8), await first.HoldAsync());
        Assert.Equal(Enumerable.Range(8, 8), await second.HoldAsync());
    }

    [Fact]
    public async Task ThreeReplicasHoldEveryShardOnceAndNoneMoreThanItsShare()
    {
        var name = NewName();
        var replicas = new[] { Leases(name), Leases(name), Leases(name) };

        // A few calls each, as their rounds come, until the shares have settled.
        int[][] held = [];
        for (var call = 0; call < 3; call++)
        {
            held = [.. await Task.WhenAll(replicas.Select(r => r.HoldAsync()))];
        }

        Assert.Equal(Enumerable.Range(0, Shards), held.SelectMany(h => h).Order());
        Assert.All(held, h => Assert.InRange(h.Length, 4, 6));   // 16 over 3: at most 6 each
    }

    [Fact]
    public async Task AReplicaThatStopsLeavesItsShardsToTheOthersAtTheirNextCall()
    {
        var name = NewName();
        var first = Leases(name);
        var second = Leases(name);
        await first.HoldAsync();
        await second.HoldAsync();
        await first.HoldAsync();
        Assert.Equal(8, (await second.HoldAsync()).Length);

        await first.ReleaseAsync();

        Assert.Equal(Enumerable.Range(0, Shards), await second.HoldAsync());
        var keys = Enumerable.Range(0, Shards).Select(shard => ShardLeases.LeaseKey(name, shard));
        Assert.All(await Task.WhenAll(keys.Select(k => _server.GetDatabase().StringGetAsync(k))), holder => Assert.Equal(second.Holder, holder));
    }

    [Fact]
    public async Task TheShardsOfAReplicaThatDiedAreTakenOnceItsLeasesLapse()
    {
        var name = NewName();
        // Two seconds: long enough that a busy machine does not let the leases lapse between the test's first calls.
        var dead = Leases(name, TimeSpan.FromSeconds(2));
        var alive = Leases(name, TimeSpan.FromSeconds(2));
        Assert.Equal(Shards, (await dead.HoldAsync()).Length);
        Assert.Empty(await alive.HoldAsync());

        // The first stops calling (killed): once its leases and its place among the replicas lapse, the other has them all.
        await Eventually.TrueAsync(async () => (await alive.HoldAsync()).Length == Shards, TimeSpan.FromSeconds(10), "the survivor holds every shard");
    }
}
