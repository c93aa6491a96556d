using CityPass.Server.Cluster;
using CityPass.Server.Tests.Support;
using CityPass.Testing;
using Orleans.Runtime;

namespace CityPass.Server.Tests;

/// <summary>
/// The silo's membership table is reached over its own connection (<see cref="MembershipRedis"/>), which waits out a
/// slow Redis: the scans' connection gives up after the gate's budget, and a membership write that gave up failed a
/// replica's start (a CI run on a busy machine, 2026-12-04). The Redis here is behind a proxy that delays every reply
/// past that budget, as a stall of the server or of the machine does.
/// </summary>
public sealed class MembershipConnectionTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private DelayingProxy _proxy = null!;
    private CityPassApp App { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _proxy = DelayingProxy.To(_redis.EndPoint);
        App = new CityPassApp(StoreMode.RedisAndPostgres, new Dictionary<string, string?>
        {
            // The gate's budget as in production, and no ConnectionStrings:Orleans: the membership is in the scan Redis.
            ["ConnectionStrings:Redis"] = _proxy.EndPoint,
            ["ConnectionStrings:Postgres"] = await RealServers.NewPostgresDatabaseAsync(),
        });
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)App).DisposeAsync();
        await _proxy.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task AReplicaStartedWhileRedisAnswersPastTheGatesBudgetJoinsItsCluster()
    {
        _proxy.ReplyDelay = TimeSpan.FromMilliseconds(600);

        _ = App.Server; // starts the host: the silo's start writes and reads its membership table
        _proxy.ReplyDelay = TimeSpan.Zero;

        var silo = App.Get<SiloOptions>();
        var table = Orleans.Clustering.Redis.RedisClusteringOptions.DefaultCreateRedisKey(new Orleans.Configuration.ClusterOptions { ClusterId = silo.ClusterId, ServiceId = silo.ServiceId });
        var row = App.Get<ILocalSiloDetails>().SiloAddress.ToString();
        Assert.Equal("1", await _redis.CliAsync("HEXISTS", table.ToString(), row));
        // The scans keep the gate's budget (RedisConnectionOptions.Defaults); only the membership waits longer.
        Assert.Equal(250, App.Get<StackExchange.Redis.IConnectionMultiplexer>().TimeoutMilliseconds);
        Assert.Equal(Stores.Redis.RedisConnectionOptions.OffThePathTimeoutMilliseconds, (await App.Get<MembershipRedis>().ConnectedAsync()).TimeoutMilliseconds);
    }
}
