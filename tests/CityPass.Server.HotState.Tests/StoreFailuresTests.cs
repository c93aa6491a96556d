using CityPass.Server.Problems;
using CityPass.Server.Stores.Redis;
using CityPass.Testing;
using StackExchange.Redis;

namespace CityPass.Server.HotState.Tests;

/// <summary>
/// What the Redis client throws when a call fails, and whether <see cref="StoreFailures"/> takes it for a call that may
/// have run (a refused scan is then taken back) or one that never reached Redis (nothing to take back): against a
/// real redis-server, with the server's own connection settings.
/// </summary>
public sealed class StoreFailuresTests
{
    private static readonly RedisScript Echo = new("return ARGV[1]");

    private static async Task<Exception> FailureOfAsync(IDatabase db) =>
        await Assert.ThrowsAnyAsync<Exception>(() => Echo.EvaluateAsync(db, [], ["x"]));

    [Fact]
    public async Task ACallWithNoServerToGoToNeverRan()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await RedisConnection.ConnectAsync(server.ConnectionString);
        server.Kill();
        await Eventually.TrueAsync(() => Task.FromResult(!client.IsConnected), TimeSpan.FromSeconds(10), "the client sees the server gone");

        var failure = await FailureOfAsync(client.GetDatabase());

        Assert.Equal(Store.HotState, StoreFailures.Classify(failure));
        Assert.False(StoreFailures.MayHaveTakenEffect(failure), failure.ToString());
    }

    [Fact]
    public async Task ACallWhoseConnectionClosedAfterItWasWrittenMayHaveRun()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = DelayingProxy.To(server.EndPoint);
        await using var client = await RedisConnection.ConnectAsync(proxy.EndPoint + "," + RedisServer.RelaxedTimeout);
        var db = client.GetDatabase();
        Assert.Equal("x", (string?)await Echo.EvaluateAsync(db, [], ["x"]));

        proxy.ReplyDelay = TimeSpan.FromSeconds(30);
        var calling = FailureOfAsync(db);
        await Task.Delay(50);
        proxy.CutAll();
        var failure = await calling;

        Assert.IsType<RedisConnectionException>(failure);
        Assert.Equal(Store.HotState, StoreFailures.Classify(failure));
        Assert.True(StoreFailures.MayHaveTakenEffect(failure), failure.ToString());
    }

    [Fact]
    public void AnErrorAnswerOrOurOwnRefusalDidNothing()
    {
        Assert.False(StoreFailures.MayHaveTakenEffect(new RedisServerException(RedisErrorKind.ReadOnly, CommandFlags.None, "READONLY You can't write against a read only replica.")));
        Assert.False(StoreFailures.MayHaveTakenEffect(new StoreUnavailableException(Store.HotState, "the scan reached Redis after its deadline")));
    }
}
