using CityPass.Core.Citizens;
using CityPass.Core.Venues;
using CityPass.Server.Citizens;

namespace CityPass.Server.Venues;

/// <summary>
/// The system of record for venues, their policies, gates, gate credentials and bookings
/// (PostgreSQL, or memory when embedded). Null / false answers mean "no such thing".
/// Tenancy is not enforced here: the services that call it do that.
/// </summary>
public interface IVenueStore
{
    /// <summary>All venues, or only those with the given ids; ordered by name, then id.</summary>
    Task<IReadOnlyList<Venue>> ListVenuesAsync(IReadOnlyCollection<Guid>? only, CancellationToken cancellationToken);

    Task<Venue?> GetVenueAsync(Guid id, CancellationToken cancellationToken);

    Task<Venue> CreateVenueAsync(Venue venue, CancellationToken cancellationToken);

    /// <summary>Updates name, kind and address (not the policy).</summary>
    Task<Venue?> UpdateVenueAsync(Venue venue, CancellationToken cancellationToken);

    /// <summary>Deletes the venue with its gates and bookings. Scan records stay (they are history).</summary>
    Task<bool> DeleteVenueAsync(Guid id, CancellationToken cancellationToken);

    Task<Venue?> SetPolicyAsync(Guid venueId, VenuePolicy policy, CancellationToken cancellationToken);

    /// <summary>The venue's gates, ordered by name, then id.</summary>
    Task<IReadOnlyList<Gate>> ListGatesAsync(Guid venueId, CancellationToken cancellationToken);

    /// <summary>Every gate of every venue: for the in-process cache the scan path reads.</summary>
    Task<IReadOnlyList<Gate>> ListAllGatesAsync(CancellationToken cancellationToken);

    Task<Gate?> GetGateAsync(Guid gateId, CancellationToken cancellationToken);

    /// <summary>Null when the gate's venue does not exist.</summary>
    Task<Gate?> CreateGateAsync(Gate gate, CancellationToken cancellationToken);

    /// <summary>Updates the name only.</summary>
    Task<Gate?> UpdateGateAsync(Gate gate, CancellationToken cancellationToken);

    Task<bool> DeleteGateAsync(Guid gateId, CancellationToken cancellationToken);

    /// <summary>Replaces the gate's credential (a new one on provisioning, the same one with RevokedAt on revocation).</summary>
    Task<Gate?> SetGateCredentialAsync(Guid gateId, GateCredential credential, CancellationToken cancellationToken);

    /// <summary>The venue's bookings, oldest first. They are written through the citizens' grains (<see cref="ICitizenStore"/>).</summary>
    Task<IReadOnlyList<Booking>> ListBookingsAsync(Guid venueId, CancellationToken cancellationToken);
}
