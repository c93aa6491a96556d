using CityPass.Core.Citizens;
using CityPass.Core.Identify;
using CityPass.Server.Auth;
using CityPass.Server.Citizens;
using CityPass.Server.Keys;
using CityPass.Server.Problems;
using CityPass.Server.Venues;

namespace CityPass.Server.Identify;

/// <summary>
/// Scan-to-identify with consent (issue 17). At a venue whose policy identifies visitors (<c>VenuePolicy.Identify</c>),
/// an allowed entry tells the venue the citizen's member id there (<see cref="MemberIds"/>) and the claims the venue asks
/// for and the citizen consented to for venues of that kind. Nothing is shared without a consent, and nothing is shared
/// that is not logged first: a disclosure whose log entry cannot be written is not made (fail closed), while the entry
/// decision, which is about health, stands. The citizen reads and changes their consents and reads every disclosure.
/// </summary>
public sealed partial class IdentifyService(IIdentityStore store, ICitizenStore citizens, IVenueStore venues, KeyMaterial keys, TimeProvider clock,
    ILogger<IdentifyService> logger)
{
    public const int MaxVenueKindLength = 50;
    public const int MaxClaimsPerRequest = 8;
    public const int MaxListed = 200;
    public const int DefaultListed = 50;
    public const int MaxHistory = 50;

    /// <summary>China keeps one offset all year: the city's calendar year, for age bands, is the year at UTC+8.</summary>
    private static readonly TimeSpan CityOffset = TimeSpan.FromHours(8);

    /// <summary>
    /// The identity an allowed entry at <paramref name="venue"/> (an identifying one) shares, logged before it is
    /// returned. Never throws: a store that fails or a budget that runs out (<paramref name="cancellationToken"/>)
    /// shares nothing (<see cref="ScanIdentity.Unavailable"/>). <paramref name="maskedName"/> is what the gate displays.
    /// </summary>
    public async Task<ScanIdentity> IdentifyAsync(Venue venue, CitizenPseudonym? citizen, string maskedName, Guid gateId, Guid scanId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // A pass of another city: this city holds no consent of its citizens.
        if (citizen is not { } id) return ScanIdentity.ConsentMissing;
        try
        {
            if (await store.GetConsentAsync(id, venue.Kind, cancellationToken) is not { } consent) return ScanIdentity.ConsentMissing;
            var claims = consent.Claims & venue.Policy.IdentifyClaims;
            string? ageBand = null;
            bool? eid = null;
            if ((claims & (IdentityClaims.AgeBand | IdentityClaims.EIdVerified)) != 0)
            {
                // Only these two need the record: one more read, at low-volume venues only.
                if (await citizens.GetAsync(id, cancellationToken) is not { } record) return ScanIdentity.Unavailable;
                if ((claims & IdentityClaims.AgeBand) != 0 && record.BirthYear is { } year) ageBand = AgeBands.Of(year, now.ToOffset(CityOffset).Year);
                if ((claims & IdentityClaims.EIdVerified) != 0) eid = (record.Credentials & Credentials.EIdVerified) != 0;
            }
            // A claim the record cannot answer (no birth year) is simply absent, and not logged as shared.
            if (ageBand is null) claims &= ~IdentityClaims.AgeBand;
            var name = (claims & IdentityClaims.MaskedName) != 0 ? maskedName : null;
            var memberId = MemberIds.Derive(keys.MemberIdKey, venue.Id, id);
            var disclosure = new Disclosure(Guid.NewGuid(), id, venue.Id, venue.Name, venue.Kind, gateId, scanId, memberId, claims, name, ageBand, eid, now);
            await store.RecordDisclosureAsync(disclosure, cancellationToken);
            return new ScanIdentity(IdentifyCodes.Shared, memberId, IdentityClaimValues.Of(disclosure));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing about the citizen is logged: the venue and scan name the case.
            LogUnavailable(logger, e.GetType().Name, venue.Id, scanId);
            return ScanIdentity.Unavailable;
        }
    }

    public async Task<ConsentsView> ConsentsAsync(CitizenPseudonym citizen, CancellationToken ct)
    {
        var consents = await store.ConsentsOfAsync(citizen, ct);
        var history = await store.ConsentHistoryAsync(citizen, MaxHistory, ct);
        var asking = (await venues.ListVenuesAsync(null, ct))
            .Where(v => v.Policy.Identify)
            .GroupBy(v => v.Kind, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new AskingKindView(g.Key, g.Aggregate(IdentityClaims.None, (c, v) => c | v.Policy.IdentifyClaims).ToWireNames(), [.. g.Select(v => v.Name)]))
            .ToList();
        return new ConsentsView([.. consents.Select(ConsentView.From)], asking,
            [.. history.Select(h => new ConsentChangeView(h.VenueKind, h.Claims?.ToWireNames(), h.At))]);
    }

    /// <summary>Grants or changes the consent for <paramref name="venueKind"/>: from the next scan, venues of that kind are told these claims.</summary>
    public async Task<Outcome<ConsentView>> GrantAsync(CitizenPseudonym citizen, string venueKind, ConsentRequest? request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var kind = KindOf(venueKind, errors);
        var claims = IdentityClaims.None;
        if (request?.Claims is not { } names) errors["claims"] = ["A list of claims is required ([] shares the member id alone)."];
        else if (names.Count > MaxClaimsPerRequest) errors["claims"] = [$"At most {MaxClaimsPerRequest} claims."];
        else if (!IdentityClaimsExtensions.TryParseWireNames(names, out claims, out var unknown))
        {
            errors["claims"] = [$"'{Shorten(unknown)}' is not a claim ({string.Join(", ", IdentityClaimsExtensions.AllWireNames)})."];
        }
        if (errors.Count > 0) return Failure.Invalid(errors);
        var now = clock.GetUtcNow();
        await store.ChangeConsentAsync(new ConsentChange(citizen, kind!, claims, now), ct);
        return await store.GetConsentAsync(citizen, kind!, ct) is { } stored ? ConsentView.From(stored) : Failure.NotFound("Consent");
    }

    /// <summary>Withdraws the consent for <paramref name="venueKind"/>: from the next scan, venues of that kind are told nothing. Idempotent.</summary>
    public async Task<Failure?> WithdrawAsync(CitizenPseudonym citizen, string venueKind, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var kind = KindOf(venueKind, errors);
        if (errors.Count > 0) return Failure.Invalid(errors);
        await store.ChangeConsentAsync(new ConsentChange(citizen, kind!, null, clock.GetUtcNow()), ct);
        return null;
    }

    public async Task<Outcome<IReadOnlyList<DisclosureView>>> DisclosuresAsync(CitizenPseudonym citizen, int? limit, CancellationToken ct)
    {
        if (LimitOf(limit) is not { } n) return Failure.Invalid("limit", $"limit is 1 to {MaxListed}.");
        return (await store.DisclosuresOfAsync(citizen, n, ct)).Select(DisclosureView.From).ToList();
    }

    /// <summary>A venue's disclosure log, for its own operators and city admins only: any other venue (and the authority) gets 404.</summary>
    public async Task<Outcome<IReadOnlyList<VenueDisclosureView>>> VenueDisclosuresAsync(AccessScope scope, Guid venueId, DateTimeOffset? from, DateTimeOffset? to, int? limit,
        CancellationToken ct)
    {
        if (!scope.CanManageVenue(venueId) || await venues.GetVenueAsync(venueId, ct) is null) return Failure.NotFound("Venue");
        if (LimitOf(limit) is not { } n) return Failure.Invalid("limit", $"limit is 1 to {MaxListed}.");
        if (from is { } f && to is { } t && t <= f) return Failure.Invalid("to", "to is after from.");
        return (await store.DisclosuresAtAsync(venueId, from, to, n, ct)).Select(VenueDisclosureView.From).ToList();
    }

    private static int? LimitOf(int? limit) => limit switch
    {
        null => DefaultListed,
        >= 1 and <= MaxListed => limit,
        _ => null,
    };

    /// <summary>A venue kind as venues are given one (1 to 50 characters), trimmed; printable only, as it is shown back.</summary>
    private static string? KindOf(string? venueKind, Dictionary<string, string[]> errors)
    {
        var kind = venueKind?.Trim();
        if (string.IsNullOrEmpty(kind) || kind.Length > MaxVenueKindLength || kind.Any(char.IsControl))
        {
            errors["venueKind"] = [$"A venue kind of 1 to {MaxVenueKindLength} printable characters is required (library, clinic...)."];
            return null;
        }
        return kind;
    }

    private static string Shorten(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text ?? "";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identify: nothing shared at venue {VenueId} for scan {ScanId}: the consent, the record or the disclosure log failed ({Error})")]
    private static partial void LogUnavailable(ILogger logger, string error, Guid venueId, Guid scanId);
}
