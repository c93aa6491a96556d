using CityPass.Redis;
using CityPass.Server.Operators;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Keeps every replica's <see cref="OperatorCache"/> fresh, as <see cref="RedisDirectorySync"/> does
/// for the gate directory: a staff account changed or deleted here is published with its id, and
/// the other replicas drop their copy at once. So a deleted operator's token is refused everywhere
/// within a message's delay, not after the cache's lifetime.
/// </summary>
public sealed class RedisOperatorSync(Func<RedisClient> client, OperatorCache cache, ILogger<RedisOperatorSync> logger) : BackgroundService
{
    public const string Channel = "cp:operator-changed";
    private readonly string _self = Guid.NewGuid().ToString("N");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var redis = client();
        await using var subscriber = await redis.CreateSubscriberAsync(stoppingToken);
        await subscriber.SubscribeAsync(Channel, message =>
        {
            // "<sender>:<operator id>"; our own announcements come back too, and our copy was dropped already.
            var text = message.Text;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || text.AsSpan(0, colon).SequenceEqual(_self)) return;
            if (Guid.TryParse(text.AsSpan(colon + 1), out var id)) cache.InvalidateLocal(id);
            else cache.InvalidateAllLocal();
        }, stoppingToken);
        // Anything changed before we listened is not cached from before either.
        cache.InvalidateAllLocal();
        cache.Changed += Publish;
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            cache.Changed -= Publish;
        }

        void Publish(Guid id) => _ = PublishAsync(redis, id);
    }

    private async Task PublishAsync(RedisClient redis, Guid id)
    {
        try
        {
            await redis.PublishAsync(Channel, $"{_self}:{id:N}");
        }
        catch (Exception e) when (e is RedisException or OperationCanceledException)
        {
            // The other replicas still reload within the cache's lifetime.
            logger.LogWarning(e, "Could not announce a staff account change; other replicas will reload it within the cache's lifetime");
        }
    }
}
