using CityPass.Redis.Tests.Infrastructure;

namespace CityPass.Redis.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(RedisClusterFixture cluster)
{
    private readonly string _tag = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task ClientDiscoversTheClusterAndRoutesByKeySlotWithoutRedirects()
    {
        await using var client = await RedisClient.ConnectAsync(cluster.ConnectionString);
        Assert.True(client.IsCluster);

        await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            await client.SetAsync($"{_tag}:k{i}", i);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), await client.GetAsync($"{_tag}:k{i}"));
        }));

        Assert.Equal(0, client.Redirects);
        foreach (var key in new[] { "foo", "{user1000}.following", $"{_tag}:k1", "a{}{b}" })
            Assert.Equal(HashSlot.Of(key), (await client.ExecuteAsync("CLUSTER", "KEYSLOT", key)).AsInt64());
    }

    [Fact]
    public async Task EveryNodeHoldsTheKeysOfItsOwnSlots()
    {
        await using var client = await RedisClient.ConnectAsync(cluster.ConnectionString);
        var keys = Enumerable.Range(0, 30).Select(i => $"{_tag}:owned{i}").ToArray();
        foreach (var key in keys) await client.SetAsync(key, "v");

        foreach (var key in keys)
        {
            var owner = await cluster.OwnerOfAsync(HashSlot.Of(key));
            Assert.Equal("1", await owner.CliAsync("EXISTS", key));
        }

        Assert.Equal(3, keys.Select(k => HashSlot.Of(k) * 3 / HashSlot.Count).Distinct().Count());
    }

    [Fact]
    public async Task CrossSlotCommandsAreRejectedBeforeSending()
    {
        await using var client = await RedisClient.ConnectAsync(cluster.ConnectionString);
        var script = new RedisScript("return redis.call('MSET', KEYS[1], ARGV[1], KEYS[2], ARGV[1])");
        string a = "alpha", b = "beta";
        Assert.NotEqual(HashSlot.Of(a), HashSlot.Of(b));

        await Assert.ThrowsAsync<RedisCrossSlotException>(() => client.EvaluateAsync(script, [a, b], ["x"]));

        var tagged = await client.EvaluateAsync(script, [$"{{{_tag}}}a", $"{{{_tag}}}b"], ["x"]);
        Assert.Equal("OK", tagged.AsString());
        Assert.Equal("x", await client.GetAsync($"{{{_tag}}}b"));
    }

    [Fact]
    public async Task MovedRedirectIsFollowedWhenASlotChangesOwner()
    {
        await using var client = await RedisClient.ConnectAsync(cluster.ConnectionString);
        var key = $"{{{_tag}}}moved";
        var slot = HashSlot.Of(key);
        await client.SetAsync(key, "before");
        var source = await cluster.OwnerOfAsync(slot);
        var target = cluster.Nodes.First(n => n != source);

        await RedisClusterFixture.BeginMigrationAsync(slot, source, target);
        await RedisClusterFixture.MigrateKeyAsync(key, source, target);
        await cluster.FinishMigrationAsync(slot, target);

        Assert.Equal("before", await client.GetAsync(key));
        Assert.True(client.Redirects >= 1);
        // The map is refreshed in the background; once it is, the slot goes straight to its new owner.
        await Eventually.TrueAsync(async () =>
        {
            var before = client.Redirects;
            await client.SetAsync(key, "after");
            return client.Redirects == before;
        }, TimeSpan.FromSeconds(10), "no more redirects for the moved slot");
        Assert.Equal("after", await target.CliAsync("GET", key));
    }

    [Fact]
    public async Task AskRedirectIsFollowedWhileASlotMigrates()
    {
        await using var client = await RedisClient.ConnectAsync(cluster.ConnectionString);
        var moved = $"{{{_tag}}}ask-moved";
        var stayed = $"{{{_tag}}}ask-stayed";
        var slot = HashSlot.Of(moved);
        await client.SetAsync(moved, "on target");
        await client.SetAsync(stayed, "on source");
        var source = await cluster.OwnerOfAsync(slot);
        var target = cluster.Nodes.First(n => n != source);

        await RedisClusterFixture.BeginMigrationAsync(slot, source, target);
        await RedisClusterFixture.MigrateKeyAsync(moved, source, target);
        try
        {
            var redirectsBefore = client.Redirects;
            Assert.Equal("on target", await client.GetAsync(moved));
            Assert.Equal(redirectsBefore + 1, client.Redirects);
            Assert.Equal("on source", await client.GetAsync(stayed));
            Assert.Equal(redirectsBefore + 1, client.Redirects);
            // ASK is one-shot: the slot still belongs to the source, so the next call asks again.
            Assert.Equal("on target", await client.GetAsync(moved));
            Assert.Equal(redirectsBefore + 2, client.Redirects);
        }
        finally
        {
            await RedisClusterFixture.MigrateKeyAsync(stayed, source, target);
            await cluster.FinishMigrationAsync(slot, target);
        }
    }

    [Fact]
    public async Task ScriptsAreLoadedOnTheNodeThatNeedsThem()
    {
        await using var client = await RedisClient.ConnectAsync(cluster.ConnectionString);
        var script = new RedisScript($"return '{_tag}' .. redis.call('INCR', KEYS[1])");
        foreach (var node in cluster.Nodes) await node.CliAsync("SCRIPT", "FLUSH");

        var replies = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => client.EvaluateAsync(script, [$"{_tag}:script{i}"])));

        Assert.All(replies, reply => Assert.Equal(_tag + "1", reply.AsString()));
    }
}
