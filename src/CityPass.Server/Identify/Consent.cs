using CityPass.Core.Citizens;
using CityPass.Core.Identify;

namespace CityPass.Server.Identify;

/// <summary>
/// A citizen's consent to be identified at venues of one kind (library, clinic...): a member id, and the
/// <see cref="Claims"/> besides it. No consent (the default): nothing at all is shared, not even the member id, because a
/// stable id per venue is itself personal data (it links every visit there); a consent with no claims shares the
/// member id alone.
/// </summary>
public sealed record Consent(CitizenPseudonym CitizenId, string VenueKind, IdentityClaims Claims, DateTimeOffset UpdatedAt);

/// <summary>A change of consent by the citizen themselves: granted or changed (<see cref="Claims"/>), or withdrawn (null).</summary>
public sealed record ConsentChange(CitizenPseudonym CitizenId, string VenueKind, IdentityClaims? Claims, DateTimeOffset At);

/// <summary>
/// One disclosure: what the answer to one allowed entry told a venue about a citizen. Logged before the answer leaves; the
/// citizen reads their own, a venue's staff read their venue's (without <see cref="CitizenId"/>). Claims not shared are null.
/// </summary>
public sealed record Disclosure(
    Guid Id,
    CitizenPseudonym CitizenId,
    Guid VenueId,
    string VenueName,
    string VenueKind,
    Guid GateId,
    Guid ScanId,
    string MemberId,
    IdentityClaims Claims,
    string? MaskedName,
    string? AgeBand,
    bool? EIdVerified,
    DateTimeOffset At);
