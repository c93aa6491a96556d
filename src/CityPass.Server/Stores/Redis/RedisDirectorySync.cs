using CityPass.Redis;
using CityPass.Server.Venues;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Keeps every replica's gate directory fresh: a change made here is published on a Redis channel,
/// and a change published by another replica drops this replica's copy at once. So a revoked gate
/// credential stops working everywhere within a message's delay, not after the directory's max age.
/// </summary>
public sealed class RedisDirectorySync(Func<RedisClient> client, GateDirectory directory, ILogger<RedisDirectorySync> logger) : BackgroundService
{
    public const string Channel = "cp:directory-changed";
    private readonly string _self = Guid.NewGuid().ToString("N");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var redis = client();
        await using var subscriber = await redis.CreateSubscriberAsync(stoppingToken);
        await subscriber.SubscribeAsync(Channel, message =>
        {
            // Our own announcements come back too; our copy was dropped already.
            if (message.Text != _self) directory.InvalidateLocal();
        }, stoppingToken);
        directory.Changed += Publish;
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            directory.Changed -= Publish;
        }

        void Publish() => _ = PublishAsync(redis);
    }

    private async Task PublishAsync(RedisClient redis)
    {
        try
        {
            await redis.PublishAsync(Channel, _self);
        }
        catch (Exception e) when (e is RedisException or OperationCanceledException)
        {
            // The other replicas still reload within their max age.
            logger.LogWarning(e, "Could not announce a directory change; other replicas will reload within their max age");
        }
    }
}
