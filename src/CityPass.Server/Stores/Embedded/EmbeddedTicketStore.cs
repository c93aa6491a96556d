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
            var stored = changes.Select(c => _tickets.GetValueOrDefault((venueId, c.BookingId))).OfType<Ticket>().ToDictionary(t => t.BookingId, StringComparer.Ordinal);
            var (results, writes) = TicketLedger.Apply(venueId, changes, stored, now);
            var result = new TicketPushResult(venueId, results);
            auditLog.AppendLocked(audit(result));
            foreach (var t in writes) _tickets[(venueId, t.BookingId)] = t;
            return result;
        }
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
