using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// "Drop your copy": one Redis channel on which every replica announces its changes to a cache and
/// hears the others'. A message is <c>&lt;sender&gt;</c> or <c>&lt;sender&gt;:&lt;detail&gt;</c>; our own
/// announcements come back too and are ignored (our copy was dropped when we made the change).
/// Announcing never fails the change: the other replicas still reload within their cache's lifetime.
/// </summary>
public sealed class RedisInvalidations(IConnectionMultiplexer redis, string channel, ILogger logger)
{
    private readonly RedisChannel _channel = RedisChannel.Literal(channel);
    private readonly string _self = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Calls <paramref name="onOthers"/> with the detail (null when none) of every other replica's
    /// announcement. The library subscribes again by itself after a reconnect.
    /// </summary>
    public async Task SubscribeAsync(Action<string?> onOthers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onOthers);
        for (var delay = TimeSpan.FromMilliseconds(100); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            try
            {
                await redis.GetSubscriber().SubscribeAsync(_channel, (_, message) =>
                {
                    var text = (string?)message;
                    if (text is null) return;
                    var colon = text.IndexOf(':', StringComparison.Ordinal);
                    var sender = colon < 0 ? text.AsSpan() : text.AsSpan(0, colon);
                    if (sender.SequenceEqual(_self)) return;
                    onOthers(colon < 0 ? null : text[(colon + 1)..]);
                });
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Redis away at start: keep trying; until then nothing is announced to us, and caches expire by age.
                logger.LogWarning("Could not subscribe to {Channel} ({Error}); retrying.", channel, e.GetType().Name);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    public void Announce(string? detail = null) => _ = AnnounceAsync(detail);

    private async Task AnnounceAsync(string? detail)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(_channel, detail is null ? _self : $"{_self}:{detail}");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning("Could not announce a change on {Channel} ({Error}); other replicas reload within their cache's lifetime.", channel, e.GetType().Name);
        }
    }
}
