using System.Diagnostics;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Redis's own clock as seen from this process: a scan's deadline is sent in it, and the script compares it
/// with <c>TIME</c> where it runs, so neither this host's wall clock nor a clock step matters, only how far
/// Redis's clock has moved. Sampled with <c>TIME</c> (a round trip over 20 ms is discarded as too
/// uncertain) and again every 30 s; tied to the monotonic <see cref="Stopwatch"/> in between. Until the first
/// sample no deadline is sent (scans behave as without one). On a Redis Cluster the sample comes from one
/// node: the nodes' clocks must agree (NTP) to well within the scan budget's margin.
/// </summary>
internal sealed class RedisClock(IConnectionMultiplexer redis)
{
    public static readonly TimeSpan ResampleEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRoundTrip = TimeSpan.FromMilliseconds(20);

    /// <summary>Redis's time (Unix milliseconds) at a <see cref="Stopwatch"/> timestamp.</summary>
    private sealed record Sample(long RedisUnixMs, long Timestamp);

    private volatile Sample? _sample;
    private int _sampling;

    /// <summary>Redis's time (Unix milliseconds) at the <see cref="Stopwatch"/> timestamp <paramref name="timestamp"/>; null until known.</summary>
    public long? UnixMsAt(long timestamp)
    {
        var s = _sample;
        if (s is null || Stopwatch.GetElapsedTime(s.Timestamp) > ResampleEvery) StartSampling();
        return s is null ? null : s.RedisUnixMs + (long)Stopwatch.GetElapsedTime(s.Timestamp, timestamp).TotalMilliseconds;
    }

    private void StartSampling()
    {
        if (Interlocked.Exchange(ref _sampling, 1) == 0) _ = SampleAsync();
    }

    private async Task SampleAsync()
    {
        try
        {
            if (redis.GetServers().FirstOrDefault(s => s.IsConnected && !s.IsReplica) is not { } server) return;
            var before = Stopwatch.GetTimestamp();
            var time = await server.TimeAsync();
            var after = Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(before, after) > MaxRoundTrip) return;
            _sample = new Sample(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds(), before + (after - before) / 2);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Tried again at the next scan; the last sample (if any) stays in use meanwhile.
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }
}
