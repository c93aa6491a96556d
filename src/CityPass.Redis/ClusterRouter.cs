using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CityPass.Redis;

/// <summary>
/// Maps each of the 16384 hash slots straight to the connection of the primary serving it, keeps one
/// multiplexed connection per node, and rebuilds the map from CLUSTER SHARDS (or CLUSTER SLOTS on older
/// servers) when a redirect or a lost node says the topology changed. MOVED updates the one slot at once so
/// the retry goes to the right node before the full refresh lands.
/// </summary>
internal sealed class ClusterRouter : IAsyncDisposable
{
    private readonly Func<RedisEndPoint, RedisConnection> _createConnection;
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<RedisEndPoint, Lazy<Task<RedisConnection>>> _nodes = new();
    private RedisConnection?[] _slots = new RedisConnection?[HashSlot.Count];
    private int _refreshing;
    private bool _disposed;

    public ClusterRouter(RedisOptions options, ILogger logger, Func<RedisEndPoint, RedisConnection> createConnection)
    {
        _options = options;
        _logger = logger;
        _createConnection = createConnection;
    }

    /// <summary>Every primary currently serving slots (for loading scripts everywhere).</summary>
    public IReadOnlyCollection<RedisConnection> Primaries => Volatile.Read(ref _slots).OfType<RedisConnection>().Distinct().ToArray();

    /// <summary>Takes over the connection used to discover that this is a cluster.</summary>
    public void AddSeed(RedisEndPoint endPoint, RedisConnection connection)
    {
        connection.ConnectionLost += _ => TriggerRefresh();
        _nodes[endPoint] = new Lazy<Task<RedisConnection>>(Task.FromResult(connection));
    }

    public ValueTask<RedisConnection> ForSlotAsync(int slot)
    {
        if (slot >= 0 && Volatile.Read(ref _slots)[slot] is { } owner) return ValueTask.FromResult(owner);
        return AnyAsync();
    }

    public async ValueTask<RedisConnection> ForEndPointAsync(RedisEndPoint endPoint)
    {
        var lazy = _nodes.GetOrAdd(endPoint, e => new Lazy<Task<RedisConnection>>(() => ConnectNodeAsync(e)));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            // Forget the failed attempt so the next redirect to this node tries again.
            _nodes.TryRemove(new KeyValuePair<RedisEndPoint, Lazy<Task<RedisConnection>>>(endPoint, lazy));
            throw;
        }
    }

    public async ValueTask<RedisConnection> OnMovedAsync(int slot, RedisEndPoint endPoint)
    {
        var connection = await ForEndPointAsync(endPoint);
        Volatile.Read(ref _slots)[slot] = connection;
        TriggerRefresh();
        return connection;
    }

    /// <summary>Starts a background map refresh unless one is already running.</summary>
    public void TriggerRefresh()
    {
        if (_disposed || Interlocked.Exchange(ref _refreshing, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync(CancellationToken.None);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.ClusterMapRefreshFailed(_logger, ex);
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        Exception? lastError = null;
        foreach (var lazy in _nodes.Values.ToArray())
        {
            if (!lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully || !lazy.Value.Result.IsConnected) continue;
            try
            {
                var topology = await QueryTopologyAsync(lazy.Value.Result, cancellationToken);
                await ApplyAsync(topology);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                lastError = ex;
            }
        }

        throw new RedisConnectionException("No cluster node answered CLUSTER SHARDS/SLOTS.", lastError);
    }

    /// <summary>CLUSTER SHARDS (Redis 7+), else CLUSTER SLOTS; returns (start, end, primary) ranges.</summary>
    public async Task<List<(int Start, int End, RedisEndPoint Primary)>> QueryTopologyAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        var shards = await SendAsync(connection, "SHARDS"u8, cancellationToken);
        if (!shards.IsError) return ParseShards(shards, connection.EndPoint);
        var slots = await SendAsync(connection, "SLOTS"u8, cancellationToken);
        if (slots.IsError) throw slots.ToException();
        return ParseSlots(slots, connection.EndPoint);
    }

    private Task<RedisReply> SendAsync(RedisConnection connection, ReadOnlySpan<byte> subcommand, CancellationToken cancellationToken)
    {
        var writer = new CommandWriter("CLUSTER"u8, 1);
        writer.Write(subcommand);
        using var command = writer.ToCommand();
        // Topology queries run at connect and refresh time: give them the connect budget, not a tight command timeout.
        return connection.SendAsync(command, asking: false, _options.ConnectTimeout).WaitAsync(cancellationToken);
    }

    public async Task ApplyAsync(List<(int Start, int End, RedisEndPoint Primary)> topology)
    {
        var slots = new RedisConnection?[HashSlot.Count];
        var primaries = new HashSet<RedisEndPoint>();
        foreach (var (start, end, primary) in topology)
        {
            primaries.Add(primary);
            RedisConnection connection;
            try
            {
                connection = await ForEndPointAsync(primary);
            }
            catch (RedisConnectionException)
            {
                continue; // unreachable for now: its slots fall back to any node, which redirects
            }

            for (var slot = start; slot <= end && slot < HashSlot.Count; slot++) slots[slot] = connection;
        }

        Volatile.Write(ref _slots, slots);
        Log.ClusterMapRefreshed(_logger, primaries.Count);

        // Nodes that no longer serve slots (removed, or demoted to replica) would otherwise reconnect forever.
        if (primaries.Count == 0) return;
        foreach (var (endPoint, lazy) in _nodes)
        {
            if (primaries.Contains(endPoint) || !lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully) continue;
            if (slots.Contains(lazy.Value.Result)) continue;
            if (_nodes.TryRemove(new KeyValuePair<RedisEndPoint, Lazy<Task<RedisConnection>>>(endPoint, lazy)))
                await lazy.Value.Result.DisposeAsync();
        }
    }

    private async ValueTask<RedisConnection> AnyAsync()
    {
        foreach (var lazy in _nodes.Values)
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result.IsConnected) return lazy.Value.Result;
        foreach (var endPoint in _options.ParsedEndPoints())
        {
            try
            {
                return await ForEndPointAsync(endPoint);
            }
            catch (RedisConnectionException)
            {
            }
        }

        throw new RedisConnectionException("No Redis cluster node is reachable.");
    }

    private async Task<RedisConnection> ConnectNodeAsync(RedisEndPoint endPoint)
    {
        var connection = _createConnection(endPoint);
        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout * 2);
            await connection.ConnectAsync(timeout.Token);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        connection.ConnectionLost += _ => TriggerRefresh();
        return connection;
    }

    internal static List<(int, int, RedisEndPoint)> ParseShards(RedisReply shards, RedisEndPoint? asked)
    {
        var ranges = new List<(int, int, RedisEndPoint)>();
        foreach (var shard in shards.AsArray() ?? [])
        {
            RedisReply[]? slotList = null;
            RedisReply[]? nodes = null;
            var fields = shard.AsArray() ?? [];
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                if (fields[i].Is("slots"u8)) slotList = fields[i + 1].AsArray();
                else if (fields[i].Is("nodes"u8)) nodes = fields[i + 1].AsArray();
            }

            if (slotList is null || nodes is null) continue;
            RedisEndPoint? primary = null;
            foreach (var node in nodes)
            {
                string? ip = null, endpoint = null, role = null, health = null;
                long port = 0, tlsPort = 0;
                var nodeFields = node.AsArray() ?? [];
                for (var i = 0; i + 1 < nodeFields.Length; i += 2)
                {
                    var name = nodeFields[i];
                    var value = nodeFields[i + 1];
                    if (name.Is("ip"u8)) ip = value.AsString();
                    else if (name.Is("endpoint"u8)) endpoint = value.AsString();
                    else if (name.Is("port"u8)) port = value.AsInt64();
                    else if (name.Is("tls-port"u8)) tlsPort = value.AsInt64();
                    else if (name.Is("role"u8)) role = value.AsString();
                    else if (name.Is("health"u8)) health = value.AsString();
                }

                if (role != "master" || health == "fail") continue;
                var host = string.IsNullOrEmpty(endpoint) || endpoint == "?" ? ip : endpoint;
                if (string.IsNullOrEmpty(host)) host = asked?.Host;
                var usePort = tlsPort > 0 && port == 0 ? tlsPort : port;
                if (host is not null && usePort > 0) primary = new RedisEndPoint(host, (int)usePort);
            }

            if (primary is null) continue;
            for (var i = 0; i + 1 < slotList.Length; i += 2)
                ranges.Add(((int)slotList[i].AsInt64(), (int)slotList[i + 1].AsInt64(), primary.Value));
        }

        return ranges;
    }

    internal static List<(int, int, RedisEndPoint)> ParseSlots(RedisReply slots, RedisEndPoint? asked)
    {
        var ranges = new List<(int, int, RedisEndPoint)>();
        foreach (var range in slots.AsArray() ?? [])
        {
            var parts = range.AsArray() ?? [];
            if (parts.Length < 3) continue;
            var primary = parts[2].AsArray() ?? [];
            if (primary.Length < 2) continue;
            var host = primary[0].AsString();
            if (string.IsNullOrEmpty(host) || host == "?") host = asked?.Host ?? "127.0.0.1";
            ranges.Add(((int)parts[0].AsInt64(), (int)parts[1].AsInt64(), new RedisEndPoint(host, (int)primary[1].AsInt64())));
        }

        return ranges;
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var lazy in _nodes.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) await lazy.Value.Result.DisposeAsync();
        }
    }
}
