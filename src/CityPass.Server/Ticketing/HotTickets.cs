using CityPass.Core.Citizens;
using CityPass.Core.Venues;

namespace CityPass.Server.Ticketing;

/// <summary>What the hot state holds of a venue's tickets: per citizen, the windows that can still admit.</summary>
public static class HotTickets
{
    /// <summary>
    /// The most tickets a citizen's hot copy at one venue holds, the soonest to end first: the scan script walks them, so
    /// a ticketing system cannot make one scan slow. More upcoming tickets at one venue for one person than this are
    /// picked up as the earlier ones end (the reconciler, each period).
    /// </summary>
    public const int MaxPerCitizen = 16;

    /// <summary>
    /// The hot copies of <paramref name="citizens"/> (an empty list for one with no current ticket, so its copy is emptied)
    /// and of everyone else the snapshot holds.
    /// </summary>
    public static Dictionary<CitizenPseudonym, IReadOnlyList<TicketWindow>> Of(TicketSnapshot snapshot, IEnumerable<CitizenPseudonym> citizens)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var copies = citizens.Distinct().ToDictionary(c => c, _ => (IReadOnlyList<TicketWindow>)[]);
        foreach (var group in snapshot.Tickets.GroupBy(t => t.CitizenId))
        {
            copies[group.Key] = [.. group.OrderBy(t => t.ValidUntil).ThenBy(t => t.BookingId, StringComparer.Ordinal).Take(MaxPerCitizen).Select(t => t.Window)];
        }
        return copies;
    }
}
