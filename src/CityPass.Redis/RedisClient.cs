using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityPass.Redis;

/// <summary>
/// The Redis client: one multiplexed, pipelined connection per server shared by every caller; thread-safe;
/// create one per application and keep it. Standalone, Redis Cluster (detected at connect) and Sentinel
/// (when <see cref="RedisOptions.ServiceName"/> is set) behave the same to callers. Error replies throw
/// <see cref="RedisServerException"/>; a lost connection fails pending calls with
/// <see cref="RedisConnectionException"/> at once while the client reconnects by itself.
/// </summary>
public sealed partial class RedisClient : IAsyncDisposable
{
    private const int MaxRedirects = 5;

    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RedisScript> _scripts = new(StringComparer.Ordinal);
    private RedisConnection? _connection;
    private ClusterRouter? _cluster;
    private SentinelMonitor? _sentinel;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;
    private long _redirects;

    private RedisClient(RedisOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    public RedisOptions Options => _options;

    /// <summary>True when the servers turned out to be a Redis Cluster.</summary>
    public bool IsCluster => _cluster is not null;

    /// <summary>The server the shared connection is on now (standalone and Sentinel; null on a cluster).</summary>
    public RedisEndPoint? EndPoint => _connection?.EndPoint;

    /// <summary>MOVED and ASK redirects followed so far; a steady rise means the slot map is stale.</summary>
    public long Redirects => Interlocked.Read(ref _redirects);

    public static Task<RedisClient> ConnectAsync(string connectionString, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(RedisOptions.Parse(connectionString), loggerFactory, cancellationToken);

    /// <summary>Validates the options and connects; throws rather than retrying so a wrong setup fails at start-up.</summary>
    public static async Task<RedisClient> ConnectAsync(RedisOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        loggerFactory ??= NullLoggerFactory.Instance;
        var client = new RedisClient(options, loggerFactory.CreateLogger<RedisClient>()) { _loggerFactory = loggerFactory };
        try
        {
            if (options.IsSentinel) await client.ConnectThroughSentinelAsync(cancellationToken);
            else await client.ConnectDirectAsync(cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private async Task ConnectThroughSentinelAsync(CancellationToken cancellationToken)
    {
        _sentinel = new SentinelMonitor(_options, _logger);
        var connection = CreateDataConnection(_sentinel.ResolvePrimaryAsync, verifyPrimary: true);
        _connection = connection;
        await connection.ConnectAsync(cancellationToken);
        try
        {
            await _sentinel.WatchAsync(() => connection.ForceReconnect("Sentinel switched the primary."), cancellationToken);
        }
        catch (RedisException ex)
        {
            // Without the announcement the client still follows a failover, only later (on the old primary's READONLY or disconnect).
            Log.SentinelWatchFailed(_logger, ex);
        }
    }

    private async Task ConnectDirectAsync(CancellationToken cancellationToken)
    {
        RedisConnection? seed = null;
        RedisEndPoint seedEndPoint = default;
        RedisConnectionException? lastError = null;
        foreach (var endPoint in _options.ParsedEndPoints())
        {
            var candidate = CreateDataConnection(_ => ValueTask.FromResult(endPoint));
            try
            {
                await candidate.ConnectAsync(cancellationToken);
                seed = candidate;
                seedEndPoint = endPoint;
                break;
            }
            catch (RedisConnectionException ex)
            {
                lastError = ex;
                await candidate.DisposeAsync();
            }
        }

        if (seed is null) throw lastError ?? new RedisConnectionException("No Redis end point is reachable.");

        var router = new ClusterRouter(_options, _logger, endPoint => CreateDataConnection(_ => ValueTask.FromResult(endPoint)));
        List<(int Start, int End, RedisEndPoint Primary)> topology;
        try
        {
            topology = await router.QueryTopologyAsync(seed, cancellationToken);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("cluster support disabled", StringComparison.OrdinalIgnoreCase)
                                              || ex.Message.Contains("unknown", StringComparison.OrdinalIgnoreCase))
        {
            _connection = seed;
            return;
        }

        if (_options.Database != 0) throw new ArgumentException("A Redis Cluster has only database 0.");
        router.AddSeed(seedEndPoint, seed);
        _cluster = router;
        await router.ApplyAsync(topology);
    }

    private RedisConnection CreateDataConnection(Func<CancellationToken, ValueTask<RedisEndPoint>> resolve, bool verifyPrimary = false) =>
        new(_options, _logger, ConnectionRole.Data, resolve, verifyPrimary) { OnHandshake = ReloadScriptsAsync };

    /// <summary>Round trip to the server (a cluster: to any node); returns the measured latency.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await SendAsync(new CommandWriter("PING"u8, 0).ToCommand(), static reply => reply, cancellationToken);
        return System.Diagnostics.Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// Escape hatch for any command the typed helpers lack. On a cluster the first argument is taken as the
    /// key for routing (a wrong guess is corrected by MOVED). Commands that would block or change the state
    /// of the shared connection (BLPOP, XREAD BLOCK, SUBSCRIBE, SELECT, MULTI, ...) are refused.
    /// </summary>
    public Task<RedisReply> ExecuteAsync(string command, params ReadOnlySpan<RedisValue> arguments) =>
        ExecuteAsync(command, arguments, CancellationToken.None);

    public Task<RedisReply> ExecuteAsync(string command, ReadOnlySpan<RedisValue> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        RejectConnectionUnsafe(command, arguments);
        var writer = new CommandWriter(command, arguments.Length);
        for (var i = 0; i < arguments.Length; i++)
        {
            if (i == 0) writer.WriteKey(arguments[i]);
            else writer.Write(arguments[i]);
        }

        var built = writer.ToCommand();
        // Only the first argument is a key guess: never refuse a raw command as cross-slot.
        built = new RedisCommand(built, crossSlot: false);
        return SendAsync(built, static reply => reply, cancellationToken, timeout: timeout);
    }

    private static readonly HashSet<string> ConnectionUnsafe = new(StringComparer.OrdinalIgnoreCase)
    {
        "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF",
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
        "SELECT", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "QUIT", "RESET", "HELLO", "AUTH", "ASKING", "READONLY", "READWRITE",
    };

    private static void RejectConnectionUnsafe(string command, ReadOnlySpan<RedisValue> arguments)
    {
        if (ConnectionUnsafe.Contains(command))
            throw new ArgumentException($"{command.ToUpperInvariant()} would block or change the shared connection; use the typed API, a script or the subscriber instead.", nameof(command));
        if (!command.Equals("XREAD", StringComparison.OrdinalIgnoreCase) && !command.Equals("XREADGROUP", StringComparison.OrdinalIgnoreCase)) return;
        foreach (var argument in arguments)
            if (argument.ToString().Equals("BLOCK", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException("XREAD/XREADGROUP with BLOCK would stall every caller of the shared connection; poll without BLOCK.", nameof(arguments));
    }

    /// <summary>
    /// Sends a command (which it owns and releases), follows cluster redirects, reloads a script on
    /// NOSCRIPT, and turns error replies into <see cref="RedisServerException"/>.
    /// </summary>
    internal async Task<T> SendAsync<T>(RedisCommand command, Func<RedisReply, T> convert, CancellationToken cancellationToken,
        RedisScript? script = null, TimeSpan? timeout = null)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            RedisConnection connection;
            if (_cluster is null)
            {
                connection = _connection!;
            }
            else
            {
                if (command.CrossSlot) throw new RedisCrossSlotException();
                connection = await _cluster.ForSlotAsync(command.Slot);
            }

            var asking = false;
            var redirects = 0;
            var scriptReloaded = false;
            while (true)
            {
                RedisReply reply;
                try
                {
                    var pending = connection.SendAsync(command, asking, timeout ?? _options.CommandTimeout);
                    reply = cancellationToken.CanBeCanceled ? await pending.WaitAsync(cancellationToken) : await pending;
                }
                catch (RedisConnectionException) when (_cluster is not null)
                {
                    _cluster.TriggerRefresh(); // a dead node may have been failed over
                    throw;
                }

                if (!reply.IsError) return convert(reply);

                var error = reply.ErrorMessage!;
                if (_cluster is not null && redirects++ < MaxRedirects)
                {
                    if (error.StartsWith("MOVED ", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref _redirects);
                        var (slot, target) = ParseRedirect(error, connection);
                        connection = await _cluster.OnMovedAsync(slot, target);
                        asking = false;
                        continue;
                    }

                    if (error.StartsWith("ASK ", StringComparison.Ordinal))
                    {
                        // The slot is migrating: only this one command goes to the target, prefixed by ASKING.
                        Interlocked.Increment(ref _redirects);
                        connection = await _cluster.ForEndPointAsync(ParseRedirect(error, connection).Target);
                        asking = true;
                        continue;
                    }

                    if (error.StartsWith("TRYAGAIN", StringComparison.Ordinal))
                    {
                        await Task.Delay(10 * redirects, cancellationToken);
                        continue;
                    }
                }

                if (script is not null && !scriptReloaded && error.StartsWith("NOSCRIPT", StringComparison.Ordinal))
                {
                    scriptReloaded = true;
                    await LoadScriptOnAsync(connection, script, cancellationToken);
                    continue;
                }

                if (_sentinel is not null && error.StartsWith("READONLY", StringComparison.Ordinal))
                    connection.ForceReconnect("The primary became a replica (READONLY); asking Sentinel for the new one.");

                throw reply.ToException();
            }
        }
        finally
        {
            command.Dispose();
        }
    }

    private static (int Slot, RedisEndPoint Target) ParseRedirect(string error, RedisConnection from)
    {
        // "MOVED 3999 127.0.0.1:6381"; an empty host means "the host you are talking to".
        var parts = error.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var slot))
            throw new RedisProtocolException("Malformed redirect: " + error);
        var address = parts[2].StartsWith(':') ? (from.EndPoint?.Host ?? "127.0.0.1") + parts[2] : parts[2];
        return (slot, RedisEndPoint.Parse(address));
    }

    public async ValueTask DisposeAsync()
    {
        if (_sentinel is not null) await _sentinel.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
