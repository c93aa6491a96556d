using StackExchange.Redis;

namespace CityPass.LoadTests;

/// <summary>
/// One kind of event Redis's latency monitor timed during a step (<c>LATENCY HISTORY</c> after <c>LATENCY RESET</c>;
/// redis-server runs with <c>latency-monitor-threshold</c> <see cref="LocalRedis.LatencyThresholdMs"/>): its main
/// thread blocked by a fork, a write to its append-only file, a slow command, an expiry cycle. None while a probe
/// stalled means Redis's thread kept running, and the stall was elsewhere.
/// </summary>
/// <param name="Samples">When (seconds from the step's start; Redis stamps whole seconds) and how long, at most one a second.</param>
public sealed record RedisLatencyEvent(string Event, int MaxMs, IReadOnlyList<RedisLatencySample> Samples)
{
    public static async Task<IReadOnlyList<RedisLatencyEvent>> TakeAsync(IServer redis, DateTime stepStartedUtc)
    {
        var events = new List<RedisLatencyEvent>();
        foreach (var latest in await redis.LatencyLatestAsync())
        {
            var history = await redis.LatencyHistoryAsync(latest.EventName);
            events.Add(new RedisLatencyEvent(latest.EventName, latest.MaxDurationMilliseconds,
                [.. history.Select(h => new RedisLatencySample(Math.Round((h.Timestamp - stepStartedUtc).TotalSeconds), h.DurationMilliseconds))]));
        }
        return [.. events.OrderByDescending(e => e.MaxMs)];
    }
}

public sealed record RedisLatencySample(double AtSeconds, int Ms);
