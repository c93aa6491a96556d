using System.ComponentModel;
using CityPass.Core.Identify;

namespace CityPass.Server.Identify;

/// <summary>
/// What an allowed entry at a venue that identifies its visitors tells the venue about the citizen (the scan answer's
/// <c>identity</c>). Absent from every other answer.
/// </summary>
public sealed record ScanIdentity(
    [property: Description("identity_shared: memberId and the consented claims follow, and the disclosure is logged; consent_missing: the citizen shares nothing " +
                           "with venues of this kind; identity_unavailable: it could not be looked up or logged in time, so nothing is shared (the entry decision stands).")]
    string Code,
    [property: Description("The citizen's member id at this venue (16 characters): the same at every visit here, unrelated to their id at any other venue. Null unless shared.")]
    string? MemberId = null,
    [property: Description("The claims shared; a claim the citizen did not consent to, the venue did not ask for, or the record lacks is null. Null unless shared.")]
    IdentityClaimValues? Claims = null)
{
    public static ScanIdentity ConsentMissing { get; } = new(IdentifyCodes.ConsentMissing);

    public static ScanIdentity Unavailable { get; } = new(IdentifyCodes.Unavailable);
}

/// <summary>Claim values as shared: null when not shared.</summary>
public sealed record IdentityClaimValues(
    [property: Description("The masked name (张*三), as the gate displays it.")]
    string? MaskedName,
    [property: Description("The age band: 0-17, 18-29, 30-44, 45-59, 60-74 or 75+ (by the age reached this calendar year).")]
    string? AgeBand,
    [property: Description("Whether the citizen's identity was verified against the national e-ID.")]
    bool? EidVerified)
{
    public static IdentityClaimValues Of(Disclosure d) => new(d.MaskedName, d.AgeBand, d.EIdVerified);
}

/// <summary>A citizen's consent for one venue kind: what venues of that kind are told on an allowed entry.</summary>
public sealed record ConsentRequest(
    [property: Description("The claims to share besides the member id: any of masked_name, age_band, eid_verified; [] shares the member id alone. Replaces the previous list.")]
    IReadOnlyList<string>? Claims);

public sealed record ConsentView(
    [property: Description("The venue kind (library, clinic...).")]
    string VenueKind,
    [property: Description("The claims shared besides the member id.")]
    IReadOnlyList<string> Claims,
    DateTimeOffset UpdatedAt)
{
    public static ConsentView From(Consent c) => new(c.VenueKind, c.Claims.ToWireNames(), c.UpdatedAt);
}

/// <summary>A venue kind whose venues ask for identity: what they ask, and which venues they are.</summary>
public sealed record AskingKindView(
    string VenueKind,
    [property: Description("The claims at least one venue of this kind asks for besides the member id.")]
    IReadOnlyList<string> Claims,
    [property: Description("The venues of this kind that identify their visitors (names).")]
    IReadOnlyList<string> Venues);

/// <summary>One of the citizen's own consent changes.</summary>
public sealed record ConsentChangeView(
    string VenueKind,
    [property: Description("The claims granted by this change; null when it withdrew the consent.")]
    IReadOnlyList<string>? Claims,
    DateTimeOffset At);

/// <summary>The signed-in citizen's consents, the venue kinds that ask, and the history of their changes.</summary>
public sealed record ConsentsView(
    IReadOnlyList<ConsentView> Consents,
    IReadOnlyList<AskingKindView> Asking,
    [property: Description("The citizen's own changes, newest first (at most 50), kept as long as disclosures are.")]
    IReadOnlyList<ConsentChangeView> History);

/// <summary>One disclosure, as the citizen reads it.</summary>
public sealed record DisclosureView(
    Guid Id,
    Guid VenueId,
    string VenueName,
    string VenueKind,
    string MemberId,
    [property: Description("The claims shared besides the member id.")]
    IReadOnlyList<string> Claims,
    IdentityClaimValues Shared,
    DateTimeOffset At)
{
    public static DisclosureView From(Disclosure d) => new(d.Id, d.VenueId, d.VenueName, d.VenueKind, d.MemberId, d.Claims.ToWireNames(), IdentityClaimValues.Of(d), d.At);
}

/// <summary>One disclosure, as the venue's staff read it: the member id and what was shared, never the citizen's id.</summary>
public sealed record VenueDisclosureView(
    string MemberId,
    IReadOnlyList<string> Claims,
    IdentityClaimValues Shared,
    Guid GateId,
    Guid ScanId,
    DateTimeOffset At)
{
    public static VenueDisclosureView From(Disclosure d) => new(d.MemberId, d.Claims.ToWireNames(), IdentityClaimValues.Of(d), d.GateId, d.ScanId, d.At);
}
