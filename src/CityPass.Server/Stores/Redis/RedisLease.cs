using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// A lease in Redis that one replica at a time holds, for periodic work over the whole city (pushing every
/// citizen's hot copy again, reconciling the bookings): done by one replica, not once per replica, and not by
/// every replica that starts (a rolling restart would run it N times in a row). Its holder renews it each period;
/// when the holder stops (stopped, killed, cut off) another replica takes it once it has expired.
/// </summary>
public sealed class RedisLease(Func<IConnectionMultiplexer> redis, string name, TimeSpan ttl)
{
    // KEYS: 1 the lease. ARGV: 1 this replica's holder id, 2 ttl (ms). Renews the caller's own lease or takes a free one.
    private static readonly RedisScript HoldScript = new("""
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        if holder then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """);

    private readonly RedisKey _key = "cp:lease:" + name;

    /// <summary>This process's id as a holder: a restarted replica is another holder, and waits for its old lease to lapse.</summary>
    public string Holder { get; } = NewHolder();

    /// <summary>A holder id unique to one lease object of one process: the machine, the process, and a random part.</summary>
    internal static string NewHolder() => Environment.MachineName + "/" + Environment.ProcessId + "/" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Whether this replica holds the lease now (taken or renewed for <c>ttl</c>).</summary>
    public async Task<bool> TryHoldAsync() =>
        (int)await HoldScript.EvaluateAsync(redis().GetDatabase(), [_key], [Holder, (long)ttl.TotalMilliseconds]) == 1;
}
