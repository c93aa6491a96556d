using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>
/// The citizens' copies in the hot state, which the scan path decides from: each citizen's status and bookings, pushed
/// by the citizen's grain after a change and again by the reconcilers when a push was lost. An interface of its own so
/// that Citizens need not know the scan path that reads them.
/// </summary>
public interface ICitizenHotCopies
{
    /// <summary>Stores the citizen's hot copy unless a newer status version is already there.</summary>
    Task PutCitizenAsync(CitizenHotState citizen, CancellationToken cancellationToken);

    Task<CitizenHotState?> GetCitizenAsync(CitizenPseudonym id, CancellationToken cancellationToken);

    Task SetBookingAsync(Guid venueId, CitizenPseudonym citizenId, bool booked, CancellationToken cancellationToken);
}
