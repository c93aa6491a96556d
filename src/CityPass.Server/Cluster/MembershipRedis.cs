using System.Diagnostics;
using CityPass.Server.Stores.Redis;
using StackExchange.Redis;

namespace CityPass.Server.Cluster;

/// <summary>
/// The silo's own connection to its membership table (<c>ConnectionStrings:Orleans</c>, else the scan Redis), shared by
/// Orleans' table and <see cref="MembershipWatchdog"/>. Not the scans' connection: that one gives up on a call after the
/// gate's budget (250 ms), and a membership call that fails is a silo that cannot start (the table's first write timed
/// out on a busy CI machine, 2026-12-04) or an I-am-alive missed. This one waits the library's 5 s a call
/// (<see cref="RedisConnectionOptions.OffThePathTimeoutMilliseconds"/>), and its calls never queue behind the scans'.
/// </summary>
public sealed class MembershipRedis(RedisConnectionOptions options, ILogger<MembershipRedis> logger) : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() => ConnectAsync(options, logger));

    /// <summary>What Orleans' options are told; the connection itself is <see cref="ConnectedAsync"/>.</summary>
    public ConfigurationOptions Configuration { get; } = options.ToConfiguration(RedisConnectionOptions.OffThePathTimeoutMilliseconds);

    /// <summary>The connection, once it is connected: the first caller connects it.</summary>
    public Task<ConnectionMultiplexer> ConnectedAsync() => _connection.Value;

    /// <summary>
    /// A silo cannot join without its membership table, so a replica started while Redis is away waits here
    /// (its startup probe failing) and starts once Redis is back, instead of crash-looping.
    /// </summary>
    private static async Task<ConnectionMultiplexer> ConnectAsync(RedisConnectionOptions options, ILogger logger)
    {
        var redis = await RedisConnection.ConnectOffThePathAsync(options, logger);
        var waiting = Stopwatch.StartNew();
        var nextLog = TimeSpan.Zero;
        while (!redis.IsConnected)
        {
            if (waiting.Elapsed >= nextLog)
            {
                logger.LogWarning("Waiting for the membership Redis to join the cluster ({Seconds:F0} s so far).", waiting.Elapsed.TotalSeconds);
                nextLog += TimeSpan.FromSeconds(5);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
        return redis;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully) await _connection.Value.Result.DisposeAsync();
    }
}
