using CityPass.Core.Citizens;
using CityPass.Server.Audit;

namespace CityPass.Server.Ticketing;

/// <summary>
/// The venues' tickets (PostgreSQL, or memory when embedded): the system of record the hot state's copy is made from.
/// A push is written with its audit entry, together or not at all (<see cref="AuditOf{T}"/>).
/// </summary>
public interface ITicketStore
{
    /// <summary>
    /// Applies the changes (booking ids unique within the call) by <see cref="TicketLedger.Apply"/>, one push of a venue at
    /// a time, and appends <paramref name="audit"/> of the result in the same step. Null when the venue does not exist.
    /// </summary>
    Task<TicketPushResult?> PushAsync(Guid venueId, IReadOnlyList<TicketChange> changes, DateTimeOffset now, AuditOf<TicketPushResult> audit,
        CancellationToken cancellationToken);

    Task<Ticket?> GetAsync(Guid venueId, string bookingId, CancellationToken cancellationToken);

    /// <summary>
    /// The tickets of <paramref name="citizens"/> at the venue that can still admit (not cancelled, not ended at
    /// <paramref name="now"/>), soonest first, with a revision taken before they were read: a copy made from a later
    /// read has a higher one, so the hot state keeps the newest copy whatever order the pushes arrive in.
    /// Null <paramref name="citizens"/>: every citizen's (the reconciler's read).
    /// </summary>
    Task<TicketSnapshot> CurrentAsync(Guid venueId, IReadOnlyCollection<CitizenPseudonym>? citizens, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A read of a venue's current tickets and the revision taken just before it.</summary>
public sealed record TicketSnapshot(long Revision, IReadOnlyList<Ticket> Tickets);
