using CityPass.Redis;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;

namespace CityPass.Server.HotState.Tests;

/// <summary>
/// The contract against a three-primary Redis Cluster, where a scan is two steps: the citizen's
/// hash on its node, then the venue-side script on the venue shard's node.
/// </summary>
public sealed class ClusterHotStateTests(RedisClusterFixture cluster) : HotStateContract, IClassFixture<RedisClusterFixture>
{
    private RedisClient _client = null!;

    protected override async Task<IHotState> CreateAsync()
    {
        _client = await RedisClient.ConnectAsync(cluster.ConnectionString);
        Assert.True(_client.IsCluster);
        return new RedisHotState(_client);
    }

    protected override Task LetOtpExpireAsync(string phone) =>
        Eventually.TrueAsync(async () => !await _client.ExistsAsync(RedisKeys.Otp(phone)), TimeSpan.FromSeconds(5), "the code's key expires");

    // Redis counts the hour by the key's TTL: check it is the hour, then run it short and wait for the key to go.
    protected override async Task LetGuessHourEndAsync(string phone)
    {
        var key = RedisKeys.OtpWrongGuesses(phone);
        Assert.InRange((await _client.ExecuteAsync("PTTL", key)).AsInt64(), 3_500_000, 3_600_000);
        await _client.ExecuteAsync("PEXPIRE", key, 1);
        await Eventually.TrueAsync(async () => !await _client.ExistsAsync(key), TimeSpan.FromSeconds(5), "the guess count's key expires");
    }

    public override async Task DisposeAsync() => await _client.DisposeAsync();
}
