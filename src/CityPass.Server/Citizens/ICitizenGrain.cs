using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>
/// One citizen, held by one activation in the cluster: the citizen's state as the system of record
/// has it, and the current pass. It is the single writer of its citizen's status; everything it
/// holds is in the citizen store before it answers, so losing an activation loses nothing.
/// </summary>
public interface ICitizenGrain : IGrainWithGuidKey
{
    /// <summary>The citizen as held now; null when there is no such citizen.</summary>
    Task<Citizen?> GetAsync();

    /// <summary>
    /// The current pass: the same one until its refresh time (so the page's JSON, SVG and PNG carry the same
    /// text), a new one after it or after a change. Null when there is no such citizen.
    /// </summary>
    Task<CitizenPass?> GetPassAsync();

    /// <summary>
    /// Commits the change with its audit entry (guarded by the status version this activation holds), pushes the
    /// hot copy, reissues the pass, then answers. A version moved on by another writer is read again and the change
    /// retried; <see cref="StatusChangeKind.Conflict"/> when it keeps moving. <paramref name="actor"/> goes to the audit
    /// log, <paramref name="actorRole"/> to the history row the citizen reads (see <see cref="StatusChange"/>).
    /// </summary>
    Task<StatusChangeOutcome> ChangeStatusAsync(StatusColour colour, string reason, string caseRef, string actor, string actorRole);

    /// <summary>The citizen's bookings as held now, oldest first (also for a citizen not imported yet: tickets may be sold first).</summary>
    Task<IReadOnlyList<Booking>> GetBookingsAsync();

    /// <summary>
    /// Records or withdraws the citizen's booking for a venue: in the store, then in the venue's hot set (what
    /// gates check), then held. False when the store had nothing to change (already so, or no such venue).
    /// </summary>
    Task<bool> SetBookingAsync(Guid venueId, bool booked);

    /// <summary>Reads the citizen again from the store: its rows were changed by a path that does not go through grains (an import, a venue deleted).</summary>
    Task ReloadAsync();
}

public enum StatusChangeKind
{
    Changed,
    NotFound,
    /// <summary>The stored version kept moving under this activation (another writer); nothing was changed.</summary>
    Conflict,
}

/// <summary>What a status change did: on <see cref="StatusChangeKind.Changed"/>, the citizen after it, the status before, and the audit entry's sequence.</summary>
[GenerateSerializer, Immutable]
public sealed record StatusChangeOutcome(
    [property: Id(0)] StatusChangeKind Kind,
    [property: Id(1)] Citizen? Citizen = null,
    [property: Id(2)] CitizenStatus? Previous = null,
    [property: Id(3)] long AuditSequence = 0);

public static class CitizenGrains
{
    /// <summary>The citizen's grain. Its key is the pseudonym as a uuid (big-endian, the same as the database's).</summary>
    public static ICitizenGrain Citizen(this IGrainFactory grains, CitizenPseudonym id) => grains.GetGrain<ICitizenGrain>(KeyOf(id));

    public static Guid KeyOf(CitizenPseudonym id)
    {
        Span<byte> bytes = stackalloc byte[CitizenPseudonym.Size];
        id.Write(bytes);
        return new Guid(bytes, bigEndian: true);
    }

    public static CitizenPseudonym IdOf(Guid key)
    {
        Span<byte> bytes = stackalloc byte[CitizenPseudonym.Size];
        key.TryWriteBytes(bytes, bigEndian: true, out _);
        return CitizenPseudonym.Read(bytes);
    }
}
