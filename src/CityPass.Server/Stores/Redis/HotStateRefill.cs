using CityPass.Core.Citizens;
using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using CityPass.Server.Ticketing;
using CityPass.Server.Venues;
using StackExchange.Redis;

namespace CityPass.Server.Stores.Redis;

/// <summary>
/// Notices within a second that Redis lost the hot state (restarted empty, failed over to a replica that
/// had not received it, flushed) and puts back what scans need from the system of record: every citizen's
/// hot copy and every venue's bookings and tickets. Without it a booked citizen was refused <c>booking_required</c> until
/// someone booked them again. The sign is a marker key per venue shard (<see cref="RedisKeys.Filled"/>),
/// written after a complete refill, so on a Redis Cluster a node that lost its slots is noticed too. Every
/// replica checks; a refill is idempotent (a citizen's copy only moves forward, a booking is a set member).
/// Occupancy, and presence where anti-passback keeps it, are rebuilt from the day's archived entries and exits
/// (<see cref="VenueDayTally"/>); scans that were in Redis's stream and not yet archived when it lost them are lost with it (the
/// archiver drains within tens of milliseconds), so the rebuilt figures can be a few scans short.
/// </summary>
/// <remarks>
/// Between losses, the bookings are reconciled every <c>HotState:ReconcileSeconds</c> as the citizens are (by the
/// replica that holds the bookings' lease): a
/// booking committed in PostgreSQL whose push to Redis failed (Redis away at that moment) is added, and one
/// Redis still has after its removal failed to reach it is removed once a second read confirms it is gone.
/// </remarks>
public sealed class HotStateRefill(
    Func<IConnectionMultiplexer> redis, CitizenReconciler citizens, IVenueStore venues, IScanStore scans, ITicketStore tickets, Func<IHotState> hot, TimeProvider clock,
    TimeSpan reconcileEvery, ILogger<HotStateRefill> logger, RedisLease? bookingsLease = null) : BackgroundService
{
    // KEYS: 1 occupancy. ARGV: 1 the archive's count of people inside.
    // Scans decided since the loss have counted from zero already; the larger count is the better estimate.
    private static readonly RedisScript RebuildOccupancyScript = new("""
        local live = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tonumber(ARGV[1]) > live then redis.call('SET', KEYS[1], ARGV[1]) end
        return 1
        """);

    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    private static readonly RedisKey[] Markers = [.. Enumerable.Range(0, RedisKeys.Shards).Select(shard => (RedisKey)RedisKeys.Filled(shard))];

    private bool _failing;
    private long _nextBookingPass;

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
        long bookings = 0, inside = 0;
        foreach (var venue in await venues.ListVenuesAsync(null, cancellationToken))
        {
            var keys = new RedisKeys.Venue(venue.Id);
            var booked = await venues.ListBookingsAsync(venue.Id, cancellationToken);
            if (booked.Count > 0) await db.SetAddAsync(keys.Bookings, [.. booked.Select(b => (RedisValue)b.CitizenId.ToString())]);
            bookings += booked.Count;
            bookings += await CopyTicketsAsync(venue.Id, cancellationToken);
            var (count, present) = await VenueDayTally.TodayAsync(scans, venue, clock.GetUtcNow(), cancellationToken);
            if (count > 0) await RebuildOccupancyScript.EvaluateAsync(db, [keys.Occupancy], [count]);
            // Who is inside is kept only where anti-passback reads it; added to, as scans since the loss may have added too.
            if (venue.Policy.AntiPassback && present.Count > 0) await hot().PutPresenceAsync(venue.Id, present, replace: false, cancellationToken);
            inside += count;
        }
        await Task.WhenAll(Markers.Select(m => db.StringSetAsync(m, "1")));
        ScheduleBookingPass();
        logger.LogWarning("The hot state in Redis was missing (a first start, or Redis lost its data); put back {Citizens} citizens, {Bookings} bookings " +
            "and {Inside} people inside venues in {Seconds:0.0} s.", pushed, bookings, inside, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>Makes every venue's bookings in Redis what PostgreSQL has; returns how many were added and removed.</summary>
    public async Task<(int Added, int Removed)> ReconcileBookingsAsync(CancellationToken cancellationToken)
    {
        var db = redis().GetDatabase();
        int added = 0, removed = 0;
        foreach (var venue in await venues.ListVenuesAsync(null, cancellationToken))
        {
            var key = new RedisKeys.Venue(venue.Id).Bookings;
            var stored = await BookedAsync(venue.Id, cancellationToken);
            var hot = (await db.SetMembersAsync(key)).Select(m => (string)m!).ToHashSet(StringComparer.Ordinal);
            var missing = stored.Where(c => !hot.Contains(c)).ToArray();
            if (missing.Length > 0) added += (int)await db.SetAddAsync(key, [.. missing.Select(c => (RedisValue)c)]);
            var extra = hot.Where(c => !stored.Contains(c)).ToList();
            // A booking made between the two reads is in Redis and not in the first: read again before removing anything.
            if (extra.Count > 0) extra.RemoveAll((await BookedAsync(venue.Id, cancellationToken)).Contains);
            if (extra.Count > 0) removed += (int)await db.SetRemoveAsync(key, [.. extra.Select(c => (RedisValue)c)]);
            await CopyTicketsAsync(venue.Id, cancellationToken);
        }
        ScheduleBookingPass();
        if (added + removed > 0) logger.LogWarning("Repaired the bookings in Redis: {Added} added, {Removed} removed (pushes that had failed).", added, removed);
        return (added, removed);
    }

    /// <summary>
    /// Copies the venue's current tickets again: every holder's, and an empty copy for every citizen the hash still has
    /// whom the store no longer gives one (a cancellation or an end whose copy failed, or tickets that have all ended).
    /// Copies are numbered by the read they come from, so one pushed meanwhile from a later read is kept.
    /// </summary>
    private async Task<int> CopyTicketsAsync(Guid venueId, CancellationToken cancellationToken)
    {
        var held = await redis().GetDatabase().HashKeysAsync(new RedisKeys.Venue(venueId).Tickets);
        var snapshot = await tickets.CurrentAsync(venueId, null, clock.GetUtcNow(), cancellationToken);
        if (held.Length == 0 && snapshot.Tickets.Count == 0) return 0;
        var copies = HotTickets.Of(snapshot, []);
        var stale = held.Select(h => CitizenPseudonym.TryParse((string?)h, out var id) ? id : (CitizenPseudonym?)null).OfType<CitizenPseudonym>()
            .Where(id => !copies.ContainsKey(id)).ToList();
        await hot().PutTicketsAsync(venueId, snapshot.Revision, copies, cancellationToken);
        // An empty value (not an empty list): the script then also drops a copy that admits nothing any more.
        if (stale.Count > 0) await ScanScript.PutTicketsScript.EvaluateAsync(redis().GetDatabase(), [new RedisKeys.Venue(venueId).Tickets],
            [snapshot.Revision, .. stale.SelectMany(id => new RedisValue[] { id.ToString(), RedisValue.EmptyString })]);
        return snapshot.Tickets.Count;
    }

    private async Task<HashSet<string>> BookedAsync(Guid venueId, CancellationToken cancellationToken) =>
        (await venues.ListBookingsAsync(venueId, cancellationToken)).Select(b => b.CitizenId.ToString()).ToHashSet(StringComparer.Ordinal);

    private void ScheduleBookingPass() =>
        _nextBookingPass = TimeProvider.System.GetTimestamp() + (long)(reconcileEvery.TotalSeconds * TimeProvider.System.TimestampFrequency);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery);
        try
        {
            do await CheckOnceAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // One replica of N reconciles the bookings each period: the one that holds the lease.
    private async Task ReconcileBookingsIfHeldAsync(CancellationToken stoppingToken)
    {
        if (bookingsLease is null || await bookingsLease.TryHoldAsync()) await ReconcileBookingsAsync(stoppingToken);
        else ScheduleBookingPass();
    }

    private async Task CheckOnceAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (await LostAsync()) await RefillAsync(stoppingToken);
            else if (TimeProvider.System.GetTimestamp() >= _nextBookingPass) await ReconcileBookingsIfHeldAsync(stoppingToken);
            if (_failing) logger.LogInformation("The hot state refill check works again.");
            _failing = false;
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // A store away: tried again every second, said once.
            if (!_failing) logger.LogWarning("Checking or refilling the hot state failed ({Error}); trying again every second.", e.GetType().Name);
            _failing = true;
        }
    }
}
