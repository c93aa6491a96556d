using System.ComponentModel;

namespace CityPass.Server.Ticketing;

/// <summary>A ticketing system's push: bookings of one venue, new, changed or cancelled, each named by the system's own id.</summary>
public sealed record TicketPushRequest(
    [property: Description("1 to 500 bookings. Each is applied on its own: a rejected one does not stop the others.")]
    IReadOnlyList<TicketPushItem>? Bookings);

/// <summary>One booking as the ticketing system has it now.</summary>
public sealed record TicketPushItem(
    [property: Description("The ticketing system's own id of the booking, unique per venue: 1 to 64 letters, digits and - _ . : / #. A push of a known id replaces that booking, never adds a second.")]
    string? BookingId,
    [property: Description("The citizen the ticket admits: their citizen id (32 hex digits), which the citizen gives the ticketing system when buying. Not needed to cancel.")]
    string? CitizenId = null,
    [property: Description("The seat or zone the gate displays: 1 to 32 printable characters. Not needed to cancel.")]
    string? Seat = null,
    [property: Description("From when the ticket admits (ISO 8601 with offset). Not needed to cancel.")]
    DateTimeOffset? ValidFrom = null,
    [property: Description("Until when the ticket admits (exclusive): after validFrom, at most 7 days later. Not needed to cancel.")]
    DateTimeOffset? ValidUntil = null,
    [property: Description("True cancels the booking: it admits no more. A later push of the id without it reinstates the booking.")]
    bool Cancelled = false);

/// <summary>What a push did: counts, and one result per booking in the order sent.</summary>
public sealed record TicketPushResponse(int Created, int Updated, int Unchanged, int Cancelled, int Rejected, IReadOnlyList<TicketPushItemResult> Results);

/// <summary>What became of one booking of a push.</summary>
public sealed record TicketPushItemResult(
    [property: Description("The booking id as sent (null when it was missing).")]
    string? BookingId,
    [property: Description("'created', 'updated', 'unchanged' (sent again as stored), 'cancelled', or 'rejected' (see code; nothing of it was stored).")]
    string Status,
    [property: Description("Why it was rejected: booking_id_invalid, booking_id_repeated, citizen_id_invalid, seat_invalid, window_invalid, booking_not_found. Null otherwise.")]
    string? Code = null)
{
    public const string Rejected = "rejected";
}

/// <summary>A booking as stored, for the venue's staff.</summary>
public sealed record TicketView(string BookingId, string CitizenId, string Seat, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil, bool Cancelled,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static TicketView From(Ticket t) => new(t.BookingId, t.CitizenId.ToString(), t.Seat, t.ValidFrom, t.ValidUntil, t.Cancelled, t.CreatedAt, t.UpdatedAt);
}
