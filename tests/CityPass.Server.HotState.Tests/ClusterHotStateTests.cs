using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

/// <summary>
/// The contract against a three-primary Redis Cluster, where a scan is two steps: the citizen's
/// hash on its node, then the venue-side script on the venue shard's node.
/// </summary>
public sealed class ClusterHotStateTests(RedisClusterFixture cluster) : HotStateContract, IClassFixture<RedisClusterFixture>
{
    private ConnectionMultiplexer _client = null!;
    private IDatabase _db = null!;

    protected override async Task<IHotState> CreateAsync()
    {
        _client = await RedisConnection.ConnectAsync(cluster.ConnectionString);
        _db = _client.GetDatabase();
        var hot = new RedisHotState(_client);
        Assert.True(hot.IsCluster);
        return hot;
    }

    protected override Task LetOtpExpireAsync(string phone) =>
        Eventually.TrueAsync(async () => !await _db.KeyExistsAsync(RedisKeys.Otp(phone)), TimeSpan.FromSeconds(5), "the code's key expires");

    // Redis counts the hour by the key's TTL: check it is the hour, then run it short and wait for the key to go.
    protected override async Task LetGuessHourEndAsync(string phone)
    {
        var key = RedisKeys.OtpWrongGuesses(phone);
        Assert.InRange((await _db.KeyTimeToLiveAsync(key))!.Value.TotalMilliseconds, 3_500_000, 3_600_000);
        await _db.KeyExpireAsync(key, TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(async () => !await _db.KeyExistsAsync(key), TimeSpan.FromSeconds(5), "the guess count's key expires");
    }

    public override async Task DisposeAsync() => await _client.DisposeAsync();
}
