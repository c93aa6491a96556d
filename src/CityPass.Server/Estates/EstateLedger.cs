using CityPass.Core.Citizens;
using CityPass.Server.Ticketing;

namespace CityPass.Server.Estates;

/// <summary>
/// The rules of the estates' changes, shared by both stores so they cannot drift apart: what a residents push and a
/// host's decision do, and which tickets (<see cref="EstateTickets"/>) they write.
/// </summary>
public static class EstateLedger
{
    /// <summary>
    /// Applies <paramref name="changes"/> (unit and citizen unique within the push) to <paramref name="listed"/> (those of
    /// the push's pairs the estate lists now). Returns each change's result in order, the residents to add and to remove,
    /// and the ticket changes that go with them.
    /// </summary>
    public static (List<ResidentChangeResult> Results, List<Resident> Adds, List<Resident> Removes, List<TicketChange> Tickets) ApplyResidents(
        Guid venueId, IReadOnlyList<ResidentChange> changes, IReadOnlySet<(string Unit, CitizenPseudonym Citizen)> listed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(listed);
        var results = new List<ResidentChangeResult>(changes.Count);
        var (adds, removes, tickets) = (new List<Resident>(), new List<Resident>(), new List<TicketChange>());
        foreach (var c in changes)
        {
            var resident = new Resident(venueId, c.Unit, c.CitizenId, now);
            var isListed = listed.Contains((c.Unit, c.CitizenId));
            if (isListed == !c.Remove)
            {
                results.Add(new(c.Unit, c.CitizenId, ResidentChangeStatus.Unchanged));
                continue;
            }
            (c.Remove ? removes : adds).Add(resident);
            tickets.Add(EstateTickets.Of(resident, remove: c.Remove));
            results.Add(new(c.Unit, c.CitizenId, c.Remove ? ResidentChangeStatus.Removed : ResidentChangeStatus.Added));
        }
        return (results, adds, removes, tickets);
    }

    /// <summary>
    /// A host's decision on <paramref name="visit"/> (null: not found). <paramref name="hostIsResident"/>: the deciding
    /// citizen is listed in the visit's unit. Answers what it did, the visit as it is after it, and the ticket change to
    /// write (null when none): an approval opens the gates for the window, a decline after an approval closes them again.
    /// </summary>
    public static (VisitDecision Decision, Visit? Visit, TicketChange? Ticket) Decide(Visit? visit, bool hostIsResident, bool approve, DateTimeOffset now)
    {
        if (visit is null || !hostIsResident) return (VisitDecision.NotFound, null, null);
        if (visit.EndedAt(now)) return (VisitDecision.Ended, visit, null);
        return (visit.Status, approve) switch
        {
            (VisitStatus.Approved, true) or (VisitStatus.Declined, false) => (VisitDecision.Unchanged, visit, null),
            (VisitStatus.Declined, true) => (VisitDecision.AlreadyDeclined, visit, null),
            (VisitStatus.Pending, true) => Changed(VisitDecision.Approved, visit with { Status = VisitStatus.Approved, DecidedAt = now }, cancel: false),
            (VisitStatus.Pending, false) => (VisitDecision.Declined, visit with { Status = VisitStatus.Declined, DecidedAt = now }, null),
            (VisitStatus.Approved, false) => Changed(VisitDecision.Declined, visit with { Status = VisitStatus.Declined, DecidedAt = now }, cancel: true),
            _ => throw new ArgumentOutOfRangeException(nameof(visit)),
        };

        static (VisitDecision, Visit?, TicketChange?) Changed(VisitDecision d, Visit v, bool cancel) => (d, v, EstateTickets.Of(v, cancel));
    }
}
