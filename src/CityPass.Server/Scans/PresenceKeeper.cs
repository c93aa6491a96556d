using CityPass.Server.Venues;

namespace CityPass.Server.Scans;

/// <summary>
/// Starts and stops keeping who is inside a venue as its anti-passback is turned on and off (<see cref="IPresenceKeeping"/>).
/// Turned on, the presence becomes the day's archive's (<see cref="VenueDayTally"/>): any set left from an earlier time
/// with anti-passback is replaced, so nobody who left unscanned days ago is refused <c>already_inside</c>. Entries the
/// archive cannot show yet (still in Redis's stream, or let in by a replica whose copy of the old policy kept no
/// presence) are added by a second pass once every replica decides with the new policy (<see cref="GateDirectory.MaxAge"/>)
/// and the archiver has caught up. Should that pass not happen (the process stopped), such a person's exit may be
/// refused <c>not_inside</c> once: the limit docs/hot-path.md gives for a lost presence change.
/// </summary>
public sealed class PresenceKeeper(IScanStore scans, IVenueHotState hot, GateDirectory directory, TimeProvider clock, ILogger<PresenceKeeper> logger)
    : IPresenceKeeping
{
    /// <summary>The archiver's lag, at most a few of its rounds: a scan decided before the policy changed is archived within it.</summary>
    public static readonly TimeSpan ArchiveLag = TimeSpan.FromSeconds(2);

    public async Task StartAsync(Venue venue, CancellationToken cancellationToken)
    {
        var (_, inside) = await VenueDayTally.TodayAsync(scans, venue, clock.GetUtcNow(), cancellationToken);
        await hot.PutPresenceAsync(venue.Id, inside, replace: true, cancellationToken);
        _ = CatchUpAsync(venue);
    }

    /// <summary>
    /// Best effort, after the policy is stored: the change has taken effect, so a store away must not make it answer an
    /// error. A set left behind no longer grows (no scan adds to it) and is replaced when anti-passback is next turned on.
    /// </summary>
    public async Task StopAsync(Guid venueId, CancellationToken cancellationToken)
    {
        try
        {
            await hot.PutPresenceAsync(venueId, [], replace: true, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Could not forget who is inside the venue {VenueId} after anti-passback was turned off ({Error}); it is replaced when it is next turned on.",
                venueId, e.GetType().Name);
        }
    }

    private async Task CatchUpAsync(Venue venue)
    {
        try
        {
            await Task.Delay(directory.MaxAge + ArchiveLag, clock);
            var (_, inside) = await VenueDayTally.TodayAsync(scans, venue, clock.GetUtcNow(), CancellationToken.None);
            await hot.PutPresenceAsync(venue.Id, inside, replace: false, CancellationToken.None);
        }
        catch (Exception e)
        {
            // A background pass: nobody waits for it. Its type only: a store's message can quote its configuration.
            logger.LogWarning("Could not add the venue {VenueId}'s latest entries to its presence after anti-passback was turned on ({Error}).",
                venue.Id, e.GetType().Name);
        }
    }
}
