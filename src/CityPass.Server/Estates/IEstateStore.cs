using CityPass.Core.Citizens;
using CityPass.Server.Audit;

namespace CityPass.Server.Estates;

/// <summary>
/// Housing estates' residents and visits (PostgreSQL, or memory when embedded). Every change that admits or stops
/// admitting someone writes the estate's ticket (<see cref="EstateTickets"/>) in the same transaction, so the record and
/// what the gates are told from it never disagree; the caller then copies the citizen's tickets to the hot state.
/// </summary>
public interface IEstateStore
{
    /// <summary>
    /// Applies the changes (unit and citizen unique within the call) by <see cref="EstateLedger.ApplyResidents"/> with
    /// their tickets, one push of a venue at a time, and appends <paramref name="audit"/> of the result in the same
    /// step. Null when the venue does not exist.
    /// </summary>
    Task<ResidentPushResult?> PushResidentsAsync(Guid venueId, IReadOnlyList<ResidentChange> changes, DateTimeOffset now, AuditOf<ResidentPushResult> audit,
        CancellationToken cancellationToken);

    /// <summary>The estate's residents by unit and citizen, at most <paramref name="limit"/>, optionally of one unit.</summary>
    Task<IReadOnlyList<Resident>> ListResidentsAsync(Guid venueId, string? unit, int limit, CancellationToken cancellationToken);

    /// <summary>Where the citizen is listed as a resident (any estate).</summary>
    Task<IReadOnlyList<Resident>> HomesOfAsync(CitizenPseudonym citizen, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="visit"/> (pending) if the venue exists, someone is listed in its unit, and the visitor has
    /// fewer than <paramref name="maxOpen"/> visits pending or approved that have not ended at <paramref name="now"/>.
    /// </summary>
    Task<VisitRegistration> RegisterVisitAsync(Visit visit, int maxOpen, DateTimeOffset now, CancellationToken cancellationToken);

    Task<Visit?> GetVisitAsync(Guid visitId, CancellationToken cancellationToken);

    /// <summary>
    /// A host's decision by <see cref="EstateLedger.Decide"/>: <paramref name="host"/> must be listed in the visit's unit
    /// when deciding (read in the same step). Writes the visit and its ticket together.
    /// </summary>
    Task<(VisitDecision Decision, Visit? Visit)> DecideVisitAsync(Guid visitId, CitizenPseudonym host, bool approve, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The citizen's own registrations, newest first.</summary>
    Task<IReadOnlyList<Visit>> VisitsOfAsync(CitizenPseudonym visitor, int limit, CancellationToken cancellationToken);

    /// <summary>Visits to the units where <paramref name="host"/> is listed, newest first.</summary>
    Task<IReadOnlyList<Visit>> VisitsToAsync(CitizenPseudonym host, int limit, CancellationToken cancellationToken);

    /// <summary>The estate's visitor trail: visits registered in [<paramref name="from"/>, <paramref name="to"/>), newest first.</summary>
    Task<IReadOnlyList<Visit>> TrailAsync(Guid venueId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes visits whose window ended before <paramref name="endedBefore"/>, with their tickets; answers how many went.</summary>
    Task<int> PurgeVisitsAsync(DateTimeOffset endedBefore, CancellationToken cancellationToken);
}
