using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityPass.Redis;

/// <summary>
/// Pub/sub on its own connection (a subscribed connection can run nothing else, so it never shares the
/// command connection). Handlers run one message at a time, in arrival order, off the socket's reader loop;
/// subscriptions are replayed after a reconnect. Messages published while disconnected are lost, as
/// with any Redis pub/sub: use streams for anything that must not be missed.
/// </summary>
public sealed class RedisSubscriber : IAsyncDisposable
{
    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Func<RedisMessage, Task>> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<RedisMessage, Task>> _patterns = new(StringComparer.Ordinal);
    private readonly Channel<RedisMessage> _inbox = Channel.CreateUnbounded<RedisMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TimeSpan _timeout;
    private readonly Task _dispatcher;

    internal RedisSubscriber(RedisOptions options, ILogger logger, ConnectionRole role, Func<CancellationToken, ValueTask<RedisEndPoint>> resolveEndPoint)
    {
        _logger = logger;
        _timeout = options.CommandTimeout;
        _connection = new RedisConnection(options, logger, role, resolveEndPoint)
        {
            OnPush = TryTakeMessage,
            OnHandshake = ResubscribeAsync,
        };
        _dispatcher = Task.Run(DispatchAsync);
    }

    /// <summary>Opens the subscriber connection (to the first end point, or the Sentinel-resolved primary).</summary>
    public static async Task<RedisSubscriber> ConnectAsync(RedisOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RedisSubscriber>();
        Func<CancellationToken, ValueTask<RedisEndPoint>> resolve = options.IsSentinel
            ? new SentinelMonitor(options, logger).ResolvePrimaryAsync
            : RoundRobin(options.ParsedEndPoints());
        var subscriber = new RedisSubscriber(options, logger, ConnectionRole.Subscriber, resolve);
        await subscriber.StartAsync(cancellationToken);
        return subscriber;
    }

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection.ConnectAsync(cancellationToken);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    internal RedisEndPoint? EndPoint => _connection.EndPoint;

    public Task SubscribeAsync(string channel, Action<RedisMessage> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return SubscribeAsync(channel, message => { handler(message); return Task.CompletedTask; }, cancellationToken);
    }

    /// <summary>Subscribes to one channel; the handler replaces any earlier handler for it. Completes when the server confirmed.</summary>
    public Task SubscribeAsync(string channel, Func<RedisMessage, Task> handler, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(handler);
        _channels[channel] = handler;
        return SendAsync("SUBSCRIBE"u8, channel, cancellationToken);
    }

    public Task PatternSubscribeAsync(string pattern, Func<RedisMessage, Task> handler, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        _patterns[pattern] = handler;
        return SendAsync("PSUBSCRIBE"u8, pattern, cancellationToken);
    }

    public Task UnsubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        _channels.TryRemove(channel, out _);
        return SendAsync("UNSUBSCRIBE"u8, channel, cancellationToken);
    }

    public Task PatternUnsubscribeAsync(string pattern, CancellationToken cancellationToken = default)
    {
        _patterns.TryRemove(pattern, out _);
        return SendAsync("PUNSUBSCRIBE"u8, pattern, cancellationToken);
    }

    private Task SendAsync(ReadOnlySpan<byte> verb, string target, CancellationToken cancellationToken)
    {
        var writer = new CommandWriter(verb, 1);
        writer.Write(target);
        using var command = writer.ToCommand();
        // The connection copies the bytes before returning, so the command can be released right away.
        return ConfirmAsync(_connection.SendAsync(command, asking: false, _timeout), cancellationToken);
    }

    private static async Task ConfirmAsync(Task<RedisReply> confirmation, CancellationToken cancellationToken)
    {
        var reply = await confirmation.WaitAsync(cancellationToken);
        if (reply.IsError) throw reply.ToException();
    }

    private async Task ResubscribeAsync(ConnectionSession session, CancellationToken cancellationToken)
    {
        var confirmations = new List<Task<RedisReply>>();
        foreach (var channel in _channels.Keys) confirmations.Add(Send(session, "SUBSCRIBE"u8, channel));
        foreach (var pattern in _patterns.Keys) confirmations.Add(Send(session, "PSUBSCRIBE"u8, pattern));
        await Task.WhenAll(confirmations);

        Task<RedisReply> Send(ConnectionSession target, ReadOnlySpan<byte> verb, string name)
        {
            var writer = new CommandWriter(verb, 1);
            writer.Write(name);
            using var command = writer.ToCommand();
            return RedisConnection.SendDuringHandshakeAsync(target, command, _timeout);
        }
    }

    /// <summary>Runs on the reader loop: only recognises and queues messages, never runs handlers.</summary>
    private bool TryTakeMessage(RedisReply frame)
    {
        if (frame.Kind is not (RedisReplyKind.Array or RedisReplyKind.Push) || frame.Length < 3) return false;
        var kind = frame[0];
        if (kind.Is("message"u8) && frame.Length == 3)
            _inbox.Writer.TryWrite(new RedisMessage(frame[1].AsString()!, null, frame[2].AsBytes() ?? []));
        else if (kind.Is("pmessage"u8) && frame.Length == 4)
            _inbox.Writer.TryWrite(new RedisMessage(frame[2].AsString()!, frame[1].AsString(), frame[3].AsBytes() ?? []));
        else
            return false;
        return true;
    }

    private async Task DispatchAsync()
    {
        await foreach (var message in _inbox.Reader.ReadAllAsync())
        {
            var handler = message.Pattern is null
                ? _channels.GetValueOrDefault(message.Channel)
                : _patterns.GetValueOrDefault(message.Pattern);
            if (handler is null) continue;
            try
            {
                await handler(message);
            }
#pragma warning disable CA1031 // a faulty handler must not stop delivery to the others
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(_logger, message.Channel, ex);
            }
        }
    }

    internal static Func<CancellationToken, ValueTask<RedisEndPoint>> RoundRobin(IReadOnlyList<RedisEndPoint> endPoints)
    {
        var next = -1;
        return _ => ValueTask.FromResult(endPoints[(int)((uint)Interlocked.Increment(ref next) % (uint)endPoints.Count)]);
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _inbox.Writer.TryComplete();
        await _dispatcher;
    }
}
