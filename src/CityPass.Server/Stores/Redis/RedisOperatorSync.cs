using CityPass.Server.Operators;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Keeps every replica's <see cref="OperatorCache"/> fresh, as <see cref="RedisDirectorySync"/> does
/// for the gate directory: a staff account changed or deleted here is announced with its id, and
/// the other replicas drop their copy at once. So a deleted operator's token is refused everywhere
/// within a message's delay, not after the cache's lifetime.
/// </summary>
public sealed class RedisOperatorSync(Func<IConnectionMultiplexer> redis, OperatorCache cache, ILogger<RedisOperatorSync> logger) : BackgroundService
{
    public const string Channel = "cp:operator-changed";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = new RedisInvalidations(redis(), Channel, logger);
        void Announce(Guid id) => channel.Announce(id.ToString("N"));
        cache.Changed += Announce;
        try
        {
            await channel.SubscribeAsync(detail =>
            {
                if (Guid.TryParse(detail, out var id)) cache.InvalidateLocal(id);
                else cache.InvalidateAllLocal();
            }, stoppingToken);
            // Anything changed before we listened is not cached from before either.
            cache.InvalidateAllLocal();
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            cache.Changed -= Announce;
        }
    }
}
