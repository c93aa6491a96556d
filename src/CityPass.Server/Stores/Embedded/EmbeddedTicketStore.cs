using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Ticketing;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// Tickets in memory, for the embedded default. A push and its audit entry are one step under the lock, the entry
/// first: if it cannot be appended, nothing changes.
/// </summary>
public sealed class EmbeddedTicketStore(EmbeddedVenueStore venues, EmbeddedAuditLog auditLog) : ITicketStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(Guid Venue, string Booking), Ticket> _tickets = [];
    private long _revision;

    public async Task<TicketPushResult?> PushAsync(Guid venueId, IReadOnlyList<TicketChange> changes, DateTimeOffset now, AuditOf<TicketPushResult> audit,
        CancellationToken cancellationToken)
    {
        if (await venues.GetVenueAsync(venueId, cancellationToken) is null) return null;
        lock (_lock)
        {
            var (result, writes) = Decide(venueId, changes, now);
            auditLog.AppendLocked(audit(result));
            Write(venueId, writes);
            return result;
        }
    }

    /// <summary>
    /// The lock a push holds. The estates' store takes it too, so that a resident or a visit and its ticket (and the audit
    /// entry) change in one step, as one PostgreSQL transaction does.
    /// </summary>
    internal Lock SyncRoot => _lock;

    /// <summary>Applies <paramref name="changes"/> by <see cref="TicketLedger"/>; the caller holds <see cref="SyncRoot"/>.</summary>
    internal TicketPushResult ApplyLocked(Guid venueId, IReadOnlyList<TicketChange> changes, DateTimeOffset now)
    {
        var (result, writes) = Decide(venueId, changes, now);
        Write(venueId, writes);
        return result;
    }

    /// <summary>Forgets the tickets of these booking ids (purged with what they came from); the caller holds <see cref="SyncRoot"/>.</summary>
    internal void RemoveLocked(IEnumerable<(Guid Venue, string Booking)> keys)
    {
        foreach (var key in keys) _tickets.Remove(key);
    }

    private (TicketPushResult Result, List<Ticket> Writes) Decide(Guid venueId, IReadOnlyList<TicketChange> changes, DateTimeOffset now)
    {
        var stored = changes.Select(c => _tickets.GetValueOrDefault((venueId, c.BookingId))).OfType<Ticket>().ToDictionary(t => t.BookingId, StringComparer.Ordinal);
        var (results, writes) = TicketLedger.Apply(venueId, changes, stored, now);
        return (new TicketPushResult(venueId, results), writes);
    }

    private void Write(Guid venueId, List<Ticket> writes)
    {
        foreach (var t in writes) _tickets[(venueId, t.BookingId)] = t;
    }

    public Task<Ticket?> GetAsync(Guid venueId, string bookingId, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_tickets.GetValueOrDefault((venueId, bookingId)));
    }

    public Task<TicketSnapshot> CurrentAsync(Guid venueId, IReadOnlyCollection<CitizenPseudonym>? citizens, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var revision = ++_revision;
            var current = _tickets.Values
                .Where(t => t.VenueId == venueId && t.CurrentAt(now) && (citizens is null || citizens.Contains(t.CitizenId)))
                .OrderBy(t => t.ValidUntil).ThenBy(t => t.BookingId, StringComparer.Ordinal).ToList();
            return Task.FromResult(new TicketSnapshot(revision, current));
        }
    }
}
