using CityPass.Redis;
using CityPass.Server.Scans;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;

namespace CityPass.Server.HotState.Tests;

/// <summary>The contract against a real redis-server: one script per scan.</summary>
public sealed class RedisHotStateTests(RedisServerFixture redis) : HotStateContract, IClassFixture<RedisServerFixture>
{
    private RedisClient _client = null!;

    protected override async Task<IHotState> CreateAsync()
    {
        _client = await RedisClient.ConnectAsync(redis.Server.EndPoint);
        return new RedisHotState(_client);
    }

    // Redis expires keys by its own clock: wait (bounded) until the code's key is gone.
    protected override Task LetOtpExpireAsync(string phone) =>
        Eventually.TrueAsync(async () => !await _client.ExistsAsync(RedisKeys.Otp(phone)), TimeSpan.FromSeconds(5), "the code's key expires");

    public override async Task DisposeAsync() => await _client.DisposeAsync();
}
