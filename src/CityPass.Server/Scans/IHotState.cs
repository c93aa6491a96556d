using CityPass.Core.Citizens;
using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;
using CityPass.Server.Venues;

namespace CityPass.Server.Scans;

/// <summary>A verified pass at a gate, with everything needed to decide.</summary>
public sealed record ScanAttempt(
    Guid ScanId,
    Guid GateId,
    Guid VenueId,
    ScanDirection Direction,
    PassClaims Claims,
    VenuePolicy Policy,
    DateTimeOffset ScannedAt,
    DateTimeOffset Now)
{
    /// <summary>
    /// How long the mark "this pass entered this venue" must live: past the pass's expiry by more
    /// than any verifier's clock skew, after which the pass cannot be presented anyway.
    /// </summary>
    public DateTimeOffset ReplayMarkUntil => Claims.ExpiresAt + TimeSpan.FromMinutes(1);

    /// <summary>
    /// A <see cref="System.Diagnostics.Stopwatch"/> timestamp by which the hot state must have started the scan,
    /// or 0 for no deadline. A store that only gets to it later (it was hung) does nothing and the call fails
    /// with <see cref="Problems.StoreUnavailableException"/>: the caller has answered 503 by then.
    /// </summary>
    public long RunBy { get; init; }

    /// <summary>
    /// The gate sent this scan long after it made it (<see cref="ScanOptions.LateAfterSeconds"/>). It is decided by the same
    /// rules and recorded with this flag, but changes no occupancy, presence or replay mark: it describes the past,
    /// and counting it now would move today's figures.
    /// </summary>
    public bool LateUpload { get; init; }

    /// <summary>How long the hot state keeps the first answer for a retry (same gate, same ScanId): <see cref="ScanOptions.DedupeWindow"/>.</summary>
    public required TimeSpan DedupeWindow { get; init; }
}

/// <summary>
/// The answer to a scan. <see cref="Duplicate"/>: this gate sent this ScanId before and this is the first answer, unchanged.
/// <see cref="Seat"/>: the seat or zone of the ticket that admitted the entry (<see cref="EntryDecision.Seat"/>), for the gate
/// to display; not part of the archived record.
/// </summary>
public sealed record ScanOutcome(ScanRecord Record, int Occupancy, bool Duplicate)
{
    public string? Seat { get; init; }
}

/// <summary>
/// The hot state the scan path reads and writes in one round trip: per-citizen status, occupancy,
/// presence (anti-passback), bookings, replay and dedupe keys, one-time codes (Redis, or memory
/// when embedded). Redis may lose acknowledged writes on failover, so nothing here is the only copy
/// of anything that must not be lost: citizens are reloaded from the system of record, scans are
/// archived.
/// </summary>
public interface IHotState : ICitizenHotCopies, IOneTimeCodes, IVenueHotState
{
    /// <summary>
    /// Decides and records a scan atomically: dedupe on (GateId, ScanId) (a retry gets the first
    /// answer; another gate's scan with the same id is another scan),
    /// the citizen's current status, booking, replay rule (a pass opens a venue's entry once),
    /// anti-passback presence, capacity check-and-increment, and the scan record queued for the
    /// archive. A <see cref="ScanAttempt.LateUpload"/> is decided alike but writes only its record
    /// (and dedupe answer). Must agree with <see cref="EntryRules.Decide"/>. Returns null when the pass names
    /// a citizen the hot state does not hold: load it (<see cref="ICitizenHotCopies.PutCitizenAsync"/>) and retry.
    /// </summary>
    Task<ScanOutcome?> ScanAsync(ScanAttempt attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Takes back <paramref name="attempt"/>, which the API answered 503 although its store may have decided it (the
    /// answer came after the budget, or never came): if this attempt was recorded, the occupancy, presence and replay
    /// mark it moved are moved back, its dedupe answer is forgotten (the gate's retry is decided afresh), and its
    /// record is withdrawn from the archive (<see cref="ScanRecord.Withdrawn"/>). Returns false when there was nothing
    /// to take back. Asked after the attempt's <see cref="ScanAttempt.RunBy"/>: from then on the scan can no longer
    /// start, so nothing can come after the taking back (a store whose clock is not there yet waits for it).
    /// </summary>
    Task<bool> WithdrawAsync(ScanAttempt attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the hot copies of these citizens' tickets at the venue (an empty list: none can admit now), each unless the
    /// copy there was made from a read with a higher <paramref name="revision"/> (the ticket store numbers its reads):
    /// two pushes' copies may arrive in either order, and the later read must win.
    /// </summary>
    Task PutTicketsAsync(Guid venueId, long revision, IReadOnlyDictionary<CitizenPseudonym, IReadOnlyList<TicketWindow>> tickets, CancellationToken cancellationToken);
}
