using CityPass.Core.Citizens;

namespace CityPass.Server.Venues;

/// <summary>
/// A venue's part of the hot state the scan path keeps (Redis, or memory when embedded): how many are inside now, who is
/// (kept only where anti-passback reads it), and what to forget when the venue goes. An interface of its own so that
/// Venues need not know the scan path.
/// </summary>
public interface IVenueHotState
{
    Task<int> GetOccupancyAsync(Guid venueId, CancellationToken cancellationToken);

    /// <summary>Forgets a venue's occupancy, presence, bookings and tickets (the venue was deleted).</summary>
    Task ForgetVenueAsync(Guid venueId, CancellationToken cancellationToken);

    /// <summary>
    /// Who is inside the venue as anti-passback reads it: with <paramref name="replace"/> exactly these (none: forgotten,
    /// as when anti-passback is turned off), else these as well. The occupancy stays.
    /// </summary>
    Task PutPresenceAsync(Guid venueId, IReadOnlyCollection<CitizenPseudonym> inside, bool replace, CancellationToken cancellationToken);
}
