namespace CityPass.Server.Ticketing;

/// <summary>
/// The one rule of a push, shared by both stores so they cannot drift apart: given the venue's stored tickets with the
/// push's booking ids, what each change does and which rows it writes.
/// </summary>
public static class TicketLedger
{
    /// <summary>
    /// Applies <paramref name="changes"/> (booking ids unique) to <paramref name="stored"/> (the venue's tickets with those
    /// ids). Returns each change's result in order and the rows to write (inserted or replaced).
    /// </summary>
    public static (List<TicketChangeResult> Results, List<Ticket> Writes) Apply(Guid venueId, IReadOnlyList<TicketChange> changes,
        IReadOnlyDictionary<string, Ticket> stored, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(stored);
        var results = new List<TicketChangeResult>(changes.Count);
        var writes = new List<Ticket>();
        foreach (var c in changes)
        {
            var old = stored.GetValueOrDefault(c.BookingId);
            if (c.Cancel)
            {
                if (old is null) results.Add(new(c.BookingId, TicketChangeStatus.NotFound, []));
                else if (old.Cancelled) results.Add(new(c.BookingId, TicketChangeStatus.Unchanged, []));
                else
                {
                    writes.Add(old with { Cancelled = true, UpdatedAt = now });
                    results.Add(new(c.BookingId, TicketChangeStatus.Cancelled, [old.CitizenId]));
                }
                continue;
            }
            var ticket = new Ticket(venueId, c.BookingId, c.CitizenId, c.Seat, c.ValidFrom, c.ValidUntil, Cancelled: false, old?.CreatedAt ?? now, now);
            if (old is null)
            {
                writes.Add(ticket);
                results.Add(new(c.BookingId, TicketChangeStatus.Created, [c.CitizenId]));
            }
            else if (old.SameAs(ticket))
            {
                results.Add(new(c.BookingId, TicketChangeStatus.Unchanged, []));
            }
            else
            {
                // A push of a cancelled booking's id without "cancelled" reinstates it: the ticketing system's word is the latest.
                writes.Add(ticket);
                results.Add(new(c.BookingId, TicketChangeStatus.Updated, old.CitizenId == c.CitizenId ? [c.CitizenId] : [old.CitizenId, c.CitizenId]));
            }
        }
        return (results, writes);
    }
}
