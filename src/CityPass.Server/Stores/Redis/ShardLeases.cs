using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// The scan streams' shards shared out among the replicas that archive: each shard is held by one replica at a time, and
/// each replica holds at most its fair share (the shards over the replicas alive, rounded up). So one replica archives the
/// whole city, two take half each, and a replica that stops gives its shards up for the others to take at their next try
/// (one that dies, once its leases lapse).
/// <para>
/// One script a call does it all: it registers the caller as alive, renews the leases it holds, gives up those beyond its
/// share (a replica has joined), and takes free ones up to it (a replica has left). Every key carries the hash tag
/// <c>{name}</c>, so on Redis Cluster they are in one slot and the script can touch them all.
/// </para>
/// </summary>
public sealed class ShardLeases(Func<IConnectionMultiplexer> redis, string name, int shards, TimeSpan ttl)
{
    // KEYS: 1 the replicas alive (a sorted set: holder -> last call, ms), 2.. the shards' leases.
    // ARGV: 1 this replica's holder id, 2 ttl (ms). Returns the shards this replica holds now, ascending.
    private static readonly RedisScript HoldScript = new("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local ttl = tonumber(ARGV[2])
        redis.call('ZADD', KEYS[1], now, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
        redis.call('PEXPIRE', KEYS[1], ttl)
        local shards = #KEYS - 1
        local share = math.ceil(shards / redis.call('ZCARD', KEYS[1]))
        local held = {}
        for i = 2, #KEYS do
          if redis.call('GET', KEYS[i]) == ARGV[1] then
            if #held < share then
              redis.call('PEXPIRE', KEYS[i], ttl)
              held[#held + 1] = i - 2
            else
              redis.call('DEL', KEYS[i])
            end
          end
        end
        for i = 2, #KEYS do
          if #held >= share then break end
          if redis.call('SET', KEYS[i], ARGV[1], 'NX', 'PX', ttl) then held[#held + 1] = i - 2 end
        end
        table.sort(held)
        return held
        """);

    // KEYS as above. ARGV: 1 this replica's holder id. Gives up this replica's leases, never another's.
    private static readonly RedisScript ReleaseScript = new("""
        redis.call('ZREM', KEYS[1], ARGV[1])
        for i = 2, #KEYS do
          if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
        end
        return 0
        """);

    private readonly RedisKey[] _keys = [AliveKey(name), .. Enumerable.Range(0, shards).Select(shard => LeaseKey(name, shard))];

    /// <summary>The replicas that called lately: how many there are sets each one's share.</summary>
    public static RedisKey AliveKey(string name) => $"cp:{{{name}}}:alive";

    /// <summary>One shard's lease: its value is the holder's id.</summary>
    public static RedisKey LeaseKey(string name, int shard) => $"cp:{{{name}}}:lease:{shard}";

    /// <summary>This process's id as a holder: a restarted replica is another holder, and its old leases lapse.</summary>
    public string Holder { get; } = RedisLease.NewHolder();

    /// <summary>Renews, gives up and takes leases as above; the shards this replica holds for <c>ttl</c> from now.</summary>
    public async Task<int[]> HoldAsync() =>
        (int[])(await HoldScript.EvaluateAsync(redis().GetDatabase(), _keys, [Holder, (long)ttl.TotalMilliseconds]))!;

    /// <summary>Gives up every lease this replica holds and leaves the replicas alive: for a graceful stop.</summary>
    public async Task ReleaseAsync() => await ReleaseScript.EvaluateAsync(redis().GetDatabase(), _keys, [Holder]);
}
