using System.Globalization;
using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>
/// What Redis's persistence did during a step, from INFO persistence and stats. A rewrite of the append-only file forks
/// redis-server and writes the whole data set from the child, which competes for the cores; a delayed fsync is Redis
/// finding its once-a-second fsync still running (the disk busy, usually with a rewrite), after which it stops writing
/// to the file, and so stops answering writes, for up to two seconds. Either shows in the tail of the step it lands in.
/// </summary>
public sealed record RedisPersistence(long Rewrites, long DelayedFsyncs, long Forks, double LatestForkMs, long AofBytes)
{
    public static async Task<RedisPersistence> TakeAsync(IServer server)
    {
        var info = (await server.InfoAsync()).SelectMany(group => group).ToDictionary(kv => kv.Key, kv => kv.Value);
        long Long(string key) => info.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new RedisPersistence(Long("aof_rewrites"), Long("aof_delayed_fsync"), Long("total_forks"), Long("latest_fork_usec") / 1000.0, Long("aof_current_size"));
    }

    /// <summary>The counts between <paramref name="before"/> and this; the fork time and file size are this snapshot's.</summary>
    public RedisPersistence Since(RedisPersistence before) =>
        this with { Rewrites = Rewrites - before.Rewrites, DelayedFsyncs = DelayedFsyncs - before.DelayedFsyncs, Forks = Forks - before.Forks };
}
