namespace CityPass.Redis;

public sealed partial class RedisClient
{
    /// <summary>PUBLISH; returns how many subscribers received the message (on a cluster: on the node that took it).</summary>
    public Task<long> PublishAsync(string channel, RedisValue message, CancellationToken cancellationToken = default)
    {
        var writer = new CommandWriter("PUBLISH"u8, 2);
        writer.Write(channel);
        writer.Write(message);
        return SendAsync(writer.ToCommand(), static reply => reply.AsInt64(), cancellationToken);
    }

    /// <summary>A subscriber on its own connection with the same options (and Sentinel resolution).</summary>
    public Task<RedisSubscriber> CreateSubscriberAsync(CancellationToken cancellationToken = default) =>
        RedisSubscriber.ConnectAsync(_options, _loggerFactory, cancellationToken);
}
