using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Venues;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Notices within a second that Redis lost the hot state (restarted empty, failed over to a replica that
/// had not received it, flushed) and puts back what scans need from the system of record: every citizen's
/// hot copy and every venue's bookings. Without it a booked citizen was refused <c>booking_required</c> until
/// someone booked them again. The sign is a marker key per venue shard (<see cref="RedisKeys.Filled"/>),
/// written after a complete refill, so on a Redis Cluster a node that lost its slots is noticed too. Every
/// replica checks; a refill is idempotent (a citizen's copy only moves forward, a booking is a set member).
/// Occupancy and presence are not rebuilt: venues count again from zero (docs/hot-path.md).
/// </summary>
public sealed class HotStateRefill(
    Func<IConnectionMultiplexer> redis, CitizenReconciler citizens, IVenueStore venues, ILogger<HotStateRefill> logger) : BackgroundService
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    private static readonly RedisKey[] Markers = [.. Enumerable.Range(0, RedisKeys.Shards).Select(shard => (RedisKey)RedisKeys.Filled(shard))];

    private bool _failing;

    /// <summary>True when some shard's marker is gone: the hot state there was lost since the last refill.</summary>
    public async Task<bool> LostAsync()
    {
        var db = redis().GetDatabase();
        // One EXISTS per shard (they may live on different cluster nodes), sent together.
        var exists = await Task.WhenAll(Markers.Select(m => db.KeyExistsAsync(m)));
        return exists.Any(e => !e);
    }

    /// <summary>Pushes every citizen and every booking again, then marks every shard filled.</summary>
    public async Task RefillAsync(CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var db = redis().GetDatabase();
        var pushed = await citizens.ReconcileOnceAsync(cancellationToken);
        long bookings = 0;
        foreach (var venue in await venues.ListVenuesAsync(null, cancellationToken))
        {
            var booked = await venues.ListBookingsAsync(venue.Id, cancellationToken);
            if (booked.Count == 0) continue;
            await db.SetAddAsync(new RedisKeys.Venue(venue.Id).Bookings, [.. booked.Select(b => (RedisValue)b.CitizenId.ToString())]);
            bookings += booked.Count;
        }
        await Task.WhenAll(Markers.Select(m => db.StringSetAsync(m, "1")));
        logger.LogWarning("The hot state in Redis was missing (a first start, or Redis lost its data); put back {Citizens} citizens and {Bookings} bookings in {Seconds:0.0} s.",
            pushed, bookings, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery);
        do
        {
            try
            {
                if (await LostAsync()) await RefillAsync(stoppingToken);
                if (_failing) logger.LogInformation("The hot state refill check works again.");
                _failing = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A store away: tried again every second, said once.
                if (!_failing) logger.LogWarning("Checking or refilling the hot state failed ({Error}); trying again every second.", e.GetType().Name);
                _failing = true;
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
