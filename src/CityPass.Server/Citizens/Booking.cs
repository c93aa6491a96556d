using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>A citizen's ticket or booking for a venue, for policies that require one.</summary>
[GenerateSerializer, Immutable]
public sealed record Booking([property: Id(0)] Guid VenueId, [property: Id(1)] CitizenPseudonym CitizenId, [property: Id(2)] DateTimeOffset CreatedAt);
