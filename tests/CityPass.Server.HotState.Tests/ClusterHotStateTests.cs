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

    public override async Task DisposeAsync() => await _client.DisposeAsync();
}
