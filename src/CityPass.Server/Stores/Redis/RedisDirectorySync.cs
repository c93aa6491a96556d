using CityPass.Server.Venues;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Keeps every replica's gate directory fresh: a change made here is announced on a Redis channel,
/// and a change announced by another replica drops this replica's copy at once. So a revoked gate
/// credential stops working everywhere within a message's delay, not after the directory's max age.
/// </summary>
public sealed class RedisDirectorySync(Func<IConnectionMultiplexer> redis, GateDirectory directory, ILogger<RedisDirectorySync> logger) : BackgroundService
{
    public const string Channel = "cp:directory-changed";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = new RedisInvalidations(redis(), Channel, logger);
        void Announce() => channel.Announce();
        directory.Changed += Announce;
        try
        {
            await channel.SubscribeAsync(_ => directory.InvalidateLocal(), stoppingToken);
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            directory.Changed -= Announce;
        }
    }
}
