using CityPass.Core.Citizens;
using CityPass.Core.Venues;

namespace CityPass.Server.Ticketing;

/// <summary>
/// A booking a venue's ticketing system pushed, named by that system's own id (<see cref="BookingId"/>, unique per venue):
/// the citizen it admits, the seat or zone, when it admits, and whether it was cancelled. A re-push of the id replaces it.
/// </summary>
public sealed record Ticket(
    Guid VenueId,
    string BookingId,
    CitizenPseudonym CitizenId,
    string Seat,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    bool Cancelled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public TicketWindow Window => new(ValidFrom, ValidUntil, Seat);

    /// <summary>Whether it can still admit anyone at or after <paramref name="now"/>: what the hot state holds.</summary>
    public bool CurrentAt(DateTimeOffset now) => !Cancelled && ValidUntil > now;

    /// <summary>Same booking, same content: a re-push that changes nothing.</summary>
    public bool SameAs(Ticket other) =>
        CitizenId == other.CitizenId && Seat == other.Seat && ValidFrom == other.ValidFrom && ValidUntil == other.ValidUntil && Cancelled == other.Cancelled;
}

/// <summary>One valid item of a push: a booking to store (created or replaced), or the cancellation of one by its id.</summary>
public sealed record TicketChange(string BookingId, CitizenPseudonym CitizenId, string Seat, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil, bool Cancel);

public enum TicketChangeStatus
{
    Created,
    Updated,
    /// <summary>Sent again as stored: nothing changed (a retried push).</summary>
    Unchanged,
    Cancelled,
    /// <summary>A cancellation of a booking id the venue does not have.</summary>
    NotFound,
}

/// <summary>What one change did. <see cref="Affected"/>: the citizens whose tickets here changed (two when a booking moved to another citizen).</summary>
public sealed record TicketChangeResult(string BookingId, TicketChangeStatus Status, IReadOnlyList<CitizenPseudonym> Affected);

/// <summary>What a push did, in the order of its changes; the store writes it and its audit entry together.</summary>
public sealed record TicketPushResult(Guid VenueId, IReadOnlyList<TicketChangeResult> Results)
{
    public int Count(TicketChangeStatus status) => Results.Count(r => r.Status == status);

    /// <summary>Every citizen whose hot copy at the venue must be pushed again.</summary>
    public IReadOnlyList<CitizenPseudonym> Affected => [.. Results.SelectMany(r => r.Affected).Distinct()];
}
