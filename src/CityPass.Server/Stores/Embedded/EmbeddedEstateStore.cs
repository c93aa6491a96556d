using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Estates;

namespace CityPass.Server.Stores.Embedded;

/// <summary>
/// Residents and visits in memory, for the embedded default. Every change is one step under the ticket store's lock
/// (<see cref="EmbeddedTicketStore.SyncRoot"/>) with the tickets it writes, and a residents push with its audit entry,
/// the entry first: if it cannot be appended, nothing changes.
/// </summary>
public sealed class EmbeddedEstateStore(EmbeddedVenueStore venues, EmbeddedTicketStore tickets, EmbeddedAuditLog auditLog) : IEstateStore
{
    private readonly Dictionary<(Guid Venue, string Unit, CitizenPseudonym Citizen), Resident> _residents = [];
    private readonly Dictionary<Guid, Visit> _visits = [];

    public async Task<ResidentPushResult?> PushResidentsAsync(Guid venueId, IReadOnlyList<ResidentChange> changes, DateTimeOffset now,
        AuditOf<ResidentPushResult> audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (await venues.GetVenueAsync(venueId, cancellationToken) is null) return null;
        lock (tickets.SyncRoot)
        {
            var listed = changes.Where(c => _residents.ContainsKey((venueId, c.Unit, c.CitizenId))).Select(c => (c.Unit, c.CitizenId)).ToHashSet();
            var (results, adds, removes, ticketChanges) = EstateLedger.ApplyResidents(venueId, changes, listed, now);
            var result = new ResidentPushResult(venueId, results);
            auditLog.AppendLocked(audit(result));
            foreach (var r in adds) _residents[(venueId, r.Unit, r.CitizenId)] = r;
            foreach (var r in removes) _residents.Remove((venueId, r.Unit, r.CitizenId));
            tickets.ApplyLocked(venueId, ticketChanges, now);
            return result;
        }
    }

    public Task<IReadOnlyList<Resident>> ListResidentsAsync(Guid venueId, string? unit, int limit, CancellationToken cancellationToken)
    {
        lock (tickets.SyncRoot)
        {
            return Task.FromResult<IReadOnlyList<Resident>>([.. _residents.Values.Where(r => r.VenueId == venueId && (unit is null || r.Unit == unit))
                .OrderBy(r => r.Unit, StringComparer.Ordinal).ThenBy(r => r.CitizenId.Value).Take(limit)]);
        }
    }

    public Task<IReadOnlyList<Resident>> HomesOfAsync(CitizenPseudonym citizen, CancellationToken cancellationToken)
    {
        lock (tickets.SyncRoot)
        {
            return Task.FromResult<IReadOnlyList<Resident>>([.. _residents.Values.Where(r => r.CitizenId == citizen)
                .OrderBy(r => r.VenueId).ThenBy(r => r.Unit, StringComparer.Ordinal)]);
        }
    }

    public async Task<VisitRegistration> RegisterVisitAsync(Visit visit, int maxOpen, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visit);
        if (await venues.GetVenueAsync(visit.VenueId, cancellationToken) is null) return VisitRegistration.EstateNotFound;
        lock (tickets.SyncRoot)
        {
            if (!_residents.Keys.Any(k => k.Venue == visit.VenueId && k.Unit == visit.Unit)) return VisitRegistration.UnitUnknown;
            if (_visits.Values.Count(v => v.VisitorId == visit.VisitorId && v.Status != VisitStatus.Declined && !v.EndedAt(now)) >= maxOpen) return VisitRegistration.TooMany;
            _visits[visit.Id] = visit;
            return VisitRegistration.Registered;
        }
    }

    public Task<Visit?> GetVisitAsync(Guid visitId, CancellationToken cancellationToken)
    {
        lock (tickets.SyncRoot) return Task.FromResult(_visits.GetValueOrDefault(visitId));
    }

    public Task<(VisitDecision Decision, Visit? Visit)> DecideVisitAsync(Guid visitId, CitizenPseudonym host, bool approve, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        lock (tickets.SyncRoot)
        {
            var visit = _visits.GetValueOrDefault(visitId);
            var isResident = visit is not null && _residents.ContainsKey((visit.VenueId, visit.Unit, host));
            var (decision, after, ticket) = EstateLedger.Decide(visit, isResident, approve, now);
            if (decision is VisitDecision.Approved or VisitDecision.Declined) _visits[visitId] = after!;
            if (ticket is not null) tickets.ApplyLocked(after!.VenueId, [ticket], now);
            return Task.FromResult((decision, after));
        }
    }

    public Task<IReadOnlyList<Visit>> VisitsOfAsync(CitizenPseudonym visitor, int limit, CancellationToken cancellationToken)
    {
        lock (tickets.SyncRoot) return Task.FromResult(Newest(_visits.Values.Where(v => v.VisitorId == visitor), limit));
    }

    public Task<IReadOnlyList<Visit>> VisitsToAsync(CitizenPseudonym host, int limit, CancellationToken cancellationToken)
    {
        lock (tickets.SyncRoot)
        {
            var homes = _residents.Keys.Where(k => k.Citizen == host).Select(k => (k.Venue, k.Unit)).ToHashSet();
            return Task.FromResult(Newest(_visits.Values.Where(v => homes.Contains((v.VenueId, v.Unit))), limit));
        }
    }

    public Task<IReadOnlyList<Visit>> TrailAsync(Guid venueId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken)
    {
        lock (tickets.SyncRoot)
        {
            return Task.FromResult(Newest(_visits.Values.Where(v => v.VenueId == venueId && (from is null || v.CreatedAt >= from) && (to is null || v.CreatedAt < to)), limit));
        }
    }

    public Task<int> PurgeVisitsAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken)
    {
        lock (tickets.SyncRoot)
        {
            var gone = _visits.Values.Where(v => v.ValidUntil < endedBefore).ToList();
            foreach (var v in gone) _visits.Remove(v.Id);
            tickets.RemoveLocked(gone.Select(v => (v.VenueId, EstateTickets.VisitBookingId(v.Id))));
            return Task.FromResult(gone.Count);
        }
    }

    private static IReadOnlyList<Visit> Newest(IEnumerable<Visit> visits, int limit) => [.. visits.OrderByDescending(v => v.CreatedAt).ThenBy(v => v.Id).Take(limit)];
}
