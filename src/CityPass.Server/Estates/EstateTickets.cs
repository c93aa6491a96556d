using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Server.Ticketing;

namespace CityPass.Server.Estates;

/// <summary>
/// How residents and approved visits reach the gate: as tickets of the estate (<see cref="ITicketStore"/>), which the
/// scan script already reads at a venue whose policy requires a booking. So an estate adds nothing to the hot path: a
/// resident is a ticket without end, a visit one for its window, and the seat the gate displays is the unit.
/// The stores write these with the resident or visit, in the same transaction.
/// </summary>
public static class EstateTickets
{
    public const int MaxUnitLength = 24;

    /// <summary>
    /// Booking ids start with '~', which a ticketing system's ids cannot hold (<see cref="TicketingService"/> accepts
    /// letters, digits and <c>-_.:/#</c>): no push of a ticketing system can replace or cancel an estate's entry.
    /// </summary>
    public const string ResidentPrefix = "~resident:";

    public const string VisitPrefix = "~visit:";

    /// <summary>"Without end" as a ticket's window holds it: far past any pass, and exact in the script's Lua numbers (ms below 2^53).</summary>
    public static readonly DateTimeOffset ResidentFrom = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset ResidentUntil = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>What the gate displays for a visitor: the unit they visit.</summary>
    public static string VisitorSeat(string unit) => "访客 " + unit;

    public static string ResidentBookingId(string unit, CitizenPseudonym citizen) => ResidentPrefix + citizen + ":" + unit;

    public static string VisitBookingId(Guid visitId) => VisitPrefix + visitId.ToString("N", CultureInfo.InvariantCulture);

    public static TicketChange Of(Resident resident, bool remove) =>
        new(ResidentBookingId(resident.Unit, resident.CitizenId), resident.CitizenId, resident.Unit, ResidentFrom, ResidentUntil, remove);

    public static TicketChange Of(Visit visit, bool cancel) =>
        new(VisitBookingId(visit.Id), visit.VisitorId, VisitorSeat(visit.Unit), visit.ValidFrom, visit.ValidUntil, cancel);

    /// <summary>Letters (any script: 3栋2单元501), digits, and <c>-/#.</c> between them; printable, so it can be a seat.</summary>
    public static bool IsUnit(string? unit) =>
        !string.IsNullOrEmpty(unit) && unit.Length <= MaxUnitLength && unit.All(c => char.IsLetterOrDigit(c) || c is '-' or '/' or '#' or '.');
}
