using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>The system of record for citizens, their statuses and status history (PostgreSQL, or memory when embedded).</summary>
public interface ICitizenStore
{
    Task<Citizen?> GetAsync(CitizenPseudonym id, CancellationToken cancellationToken);

    /// <summary>Phone numbers are unique; compared exactly as given (callers normalise).</summary>
    Task<Citizen?> FindByPhoneAsync(string phone, CancellationToken cancellationToken);

    Task<Citizen?> FindByExternalIdAsync(string externalId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or updates citizens by external id (required on every draft), in one transaction per
    /// call: a new external id creates a citizen (green, version 1, a new random pseudonym), a known
    /// one updates phone, name and credentials. Results are in the order of the drafts. Status is
    /// never changed here: that is <see cref="ChangeStatusAsync"/>, which audits.
    /// A phone already held by another citizen throws <see cref="DuplicatePhoneException"/> and nothing of the call is kept.
    /// </summary>
    Task<IReadOnlyList<UpsertResult>> UpsertManyAsync(IReadOnlyList<CitizenDraft> drafts, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Commits the new status, its history row and its audit entry together, or nothing. Null when the
    /// citizen does not exist or its status version is not <see cref="StatusChange.ExpectedVersion"/>
    /// (read it again and retry). The version grows by one on every change, even to the same colour.
    /// </summary>
    Task<StatusChangeResult?> ChangeStatusAsync(StatusChange change, CancellationToken cancellationToken);

    /// <summary>Every status the citizen has had, oldest first, with the case and the changer's role of each.</summary>
    Task<IReadOnlyList<StatusHistoryEntry>> GetStatusHistoryAsync(CitizenPseudonym id, CancellationToken cancellationToken);

    /// <summary>Citizens in id order after <paramref name="afterId"/>: for the reconciler and admin lists.</summary>
    Task<IReadOnlyList<Citizen>> ListAsync(CitizenPseudonym? afterId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Citizens written at or after <paramref name="since"/> (created, or any field changed), in the order of their last
    /// write, then id; after <paramref name="after"/> when paging. For the reconciler's pass over what changed since
    /// its last one: an index serves it, so it costs what changed, not how many citizens there are. With
    /// <paramref name="writtenFrom"/> (a <see cref="ReadWriteHorizonAsync"/> answer), only citizens whose last write is
    /// numbered at or above it: the others had been written when that horizon was read.
    /// </summary>
    Task<IReadOnlyList<CitizenChange>> ListChangedAsync(DateTimeOffset since, long? writtenFrom, CitizenChange? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// A point in the order of the store's writes: every write finished (committed) when it is read is numbered below it,
    /// and a write still in progress, or made later, at or above it. A pass that reads it before its reads sees every
    /// write below it, so the next pass can skip those (<see cref="ListChangedAsync"/>).
    /// </summary>
    Task<long> ReadWriteHorizonAsync(CancellationToken cancellationToken);

    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>Every colour (all three, zeros included, in colour order): citizens holding it now, and statuses into and out of it since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<ColourCount>> ColourMixAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The citizen's bookings, oldest first. A booking may name a citizen not imported yet.</summary>
    Task<IReadOnlyList<Booking>> ListBookingsAsync(CitizenPseudonym citizenId, CancellationToken cancellationToken);

    /// <summary>True when added, false when it was there already or the venue does not exist.</summary>
    Task<bool> AddBookingAsync(Booking booking, CancellationToken cancellationToken);

    /// <summary>True when removed, false when there was none.</summary>
    Task<bool> RemoveBookingAsync(Guid venueId, CitizenPseudonym citizenId, CancellationToken cancellationToken);
}

public sealed class DuplicatePhoneException(string externalId) : Exception($"The phone of citizen '{externalId}' belongs to another citizen.")
{
    public string ExternalId { get; } = externalId;
}
