using Microsoft.Extensions.Logging;

namespace CityPass.Redis;

/// <summary>
/// Finds the current primary of <see cref="RedisOptions.ServiceName"/> by asking the sentinels in turn
/// (SENTINEL get-master-addr-by-name), and listens for +switch-master so a failover moves the client at once
/// instead of waiting for the old primary's socket to die.
/// </summary>
internal sealed class SentinelMonitor : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<RedisEndPoint> _sentinels;
    private RedisSubscriber? _watcher;

    public SentinelMonitor(RedisOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _sentinels = options.ParsedEndPoints();
    }

    public async ValueTask<RedisEndPoint> ResolvePrimaryAsync(CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        foreach (var sentinel in _sentinels)
        {
            try
            {
                var primary = await AskAsync(sentinel, cancellationToken);
                Log.SentinelPrimary(_logger, _options.ServiceName!, primary);
                return primary;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                lastError = ex;
            }
        }

        throw new RedisConnectionException($"No sentinel could name the primary of '{_options.ServiceName}'.", lastError);
    }

    private async Task<RedisEndPoint> AskAsync(RedisEndPoint sentinel, CancellationToken cancellationToken)
    {
        await using var connection = new RedisConnection(_options, _logger, ConnectionRole.Sentinel, sentinel);
        await connection.ConnectAsync(cancellationToken);
        var writer = new CommandWriter("SENTINEL"u8, 2);
        writer.Write("get-master-addr-by-name"u8);
        writer.Write(_options.ServiceName!);
        Task<RedisReply> pending;
        using (var command = writer.ToCommand()) pending = connection.SendAsync(command, asking: false, _options.ConnectTimeout);
        var reply = await pending.WaitAsync(cancellationToken);
        if (reply.IsError) throw reply.ToException();
        if (reply.IsNull || reply.Length < 2) throw new RedisConnectionException($"Sentinel {sentinel} does not know '{_options.ServiceName}'.");
        return new RedisEndPoint(reply[0].AsString()!, (int)reply[1].AsInt64());
    }

    /// <summary>Subscribes to +switch-master on the sentinels; <paramref name="onSwitch"/> runs when our primary moves.</summary>
    public async Task WatchAsync(Action onSwitch, CancellationToken cancellationToken)
    {
        var watcher = new RedisSubscriber(_options, _logger, ConnectionRole.Sentinel, RedisSubscriber.RoundRobin(_sentinels));
        await watcher.StartAsync(cancellationToken);
        _watcher = watcher;
        await watcher.SubscribeAsync("+switch-master", message =>
        {
            // Payload: "<name> <old-ip> <old-port> <new-ip> <new-port>".
            var text = message.Text;
            if (text.StartsWith(_options.ServiceName + " ", StringComparison.Ordinal))
            {
                Log.SentinelSwitch(_logger, _options.ServiceName!);
                onSwitch();
            }
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_watcher is not null) await _watcher.DisposeAsync();
    }
}
