using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using CityPass.Server.Ticketing;
using CityPass.Server.Validation;
using CityPass.Server.Venues;

namespace CityPass.Server.Estates;

/// <summary>
/// Housing estates (venues of kind <see cref="Kind"/>): the operator's list of residents per unit, and visitors who
/// register on the H5 page and are approved by a resident of the unit they visit. Residents and approved visits admit
/// at the estate's gates as its tickets (<see cref="EstateTickets"/>): written with them, then copied to the hot state.
/// Tenancy: the estate's operators and city admins manage it (and the authority reads the trail); another venue is 404.
/// Citizens are named by their pseudonym; a visit another citizen has nothing to do with is 404 to them.
/// </summary>
public sealed class EstateService(IEstateStore store, IVenueStore venues, ICitizenStore citizens, TicketingService tickets, TimeProvider clock)
{
    public const string Kind = "housing_estate";
    public const int MaxResidentsPerPush = 500;
    public const int MaxPurposeLength = 100;
    public const int MaxListed = 500;
    public const int MaxVisitsListed = 50;
    public const int MaxOpenVisitsPerVisitor = 10;
    public static readonly TimeSpan MaxVisitLength = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(30);

    /// <summary>500 residents are over the default body limit; this bounds a push.</summary>
    public const long MaxBodyBytes = 128 * 1024;

    public const string ResidentsAuditAction = "venue.residents.push";

    public async Task<Outcome<ResidentPushResponse>> PushResidentsAsync(AccessScope scope, Guid venueId, ResidentPushRequest request, CancellationToken ct)
    {
        if (await ManagedAsync(scope, venueId, ct) is null) return Failure.NotFound("Estate");
        if (request.Residents is not { Count: > 0 and <= MaxResidentsPerPush } items)
            return Failure.Invalid("residents", $"1 to {MaxResidentsPerPush} residents are required; send more in several pushes.");

        var now = clock.GetUtcNow();
        var answers = new ResidentPushItemResult?[items.Count];
        var changes = new List<ResidentChange>(items.Count);
        var positions = new List<int>(items.Count);
        var seen = new HashSet<(string, CitizenPseudonym)>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var unit = item?.Unit?.Trim();
            if (item is null || !EstateTickets.IsUnit(unit)) answers[i] = Reject(item, EstateCodes.UnitInvalid);
            else if (!CitizenPseudonym.TryParse(item.CitizenId, out var citizen)) answers[i] = Reject(item, EstateCodes.CitizenIdInvalid);
            else if (!seen.Add((unit!, citizen))) answers[i] = Reject(item, EstateCodes.ResidentRepeated);
            else { changes.Add(new ResidentChange(unit!, citizen, item.Removed)); positions.Add(i); }
        }

        var rejectedBefore = items.Count - changes.Count;
        var pushed = await store.PushResidentsAsync(venueId, changes, now, result => AuditOf(scope, result, rejectedBefore, now), ct);
        if (pushed is null) return Failure.NotFound("Estate");
        for (var k = 0; k < pushed.Results.Count; k++)
        {
            var r = pushed.Results[k];
            answers[positions[k]] = new(r.Unit, r.CitizenId.ToString(), Wire(r.Status));
        }
        await tickets.CopyToHotStateAsync(venueId, pushed.Affected, now, ct);

        var results = answers.Select(a => a!).ToList();
        return new ResidentPushResponse(pushed.Count(ResidentChangeStatus.Added), pushed.Count(ResidentChangeStatus.Removed),
            pushed.Count(ResidentChangeStatus.Unchanged), rejectedBefore, results);
    }

    public async Task<Outcome<IReadOnlyList<ResidentView>>> ResidentsAsync(AccessScope scope, Guid venueId, string? unit, int? limit, CancellationToken ct)
    {
        if (await VisibleAsync(scope, venueId, ct) is null) return Failure.NotFound("Estate");
        var list = await store.ListResidentsAsync(venueId, string.IsNullOrWhiteSpace(unit) ? null : unit.Trim(), Math.Clamp(limit ?? MaxListed, 1, MaxListed), ct);
        return list.Select(ResidentView.From).ToList();
    }

    public async Task<Outcome<IReadOnlyList<VisitView>>> TrailAsync(AccessScope scope, Guid venueId, DateTimeOffset? from, DateTimeOffset? to, int? limit, CancellationToken ct)
    {
        if (await VisibleAsync(scope, venueId, ct) is not { } estate) return Failure.NotFound("Estate");
        if (from is { } f && to is { } t && t <= f) return Failure.Invalid("to", "to must be after from.");
        var now = clock.GetUtcNow();
        var trail = await store.TrailAsync(venueId, from, to, Math.Clamp(limit ?? MaxListed, 1, MaxListed), ct);
        return trail.Select(v => VisitView.From(v, estate.Name, now, forStaff: true)).ToList();
    }

    /// <summary>The estates a visitor can register at: every venue of the estate kind.</summary>
    public async Task<IReadOnlyList<EstateView>> EstatesAsync(CancellationToken ct) =>
        [.. (await venues.ListVenuesAsync(null, ct)).Where(v => v.Kind == Kind).OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => new EstateView(v.Id, v.Name, v.Address))];

    public async Task<HomesView> HomesAsync(CitizenPseudonym citizen, CancellationToken ct)
    {
        var homes = await store.HomesOfAsync(citizen, ct);
        var names = await NamesAsync(homes.Select(h => h.VenueId), ct);
        return new HomesView(citizen.ToString(), [.. homes.Where(h => names.ContainsKey(h.VenueId)).Select(h => new HomeView(h.VenueId, names[h.VenueId], h.Unit))]);
    }

    public async Task<Outcome<VisitView>> RegisterAsync(CitizenPseudonym visitor, VisitRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var unit = request.Unit?.Trim();
        if (request.EstateId is null) errors["estateId"] = ["The estate is required."];
        if (!EstateTickets.IsUnit(unit)) errors["unit"] = [$"A unit of 1 to {EstateTickets.MaxUnitLength} letters, digits and - / # . is required."];
        if (FreeText.Check(request.Purpose, MaxPurposeLength, "A purpose") is { } purposeError) errors["purpose"] = [purposeError];
        if (request is not { ValidFrom: { } from, ValidUntil: { } until }) errors["validUntil"] = ["validFrom and validUntil are required."];
        else if (until <= from || until - from > MaxVisitLength) errors["validUntil"] = ["validUntil must be after validFrom, at most 24 hours later."];
        else if (until <= now) errors["validUntil"] = ["validUntil must be in the future."];
        else if (from - now > MaxAhead) errors["validFrom"] = ["validFrom must be at most 30 days ahead."];
        if (errors.Count > 0) return Failure.Invalid(errors);

        if (await venues.GetVenueAsync(request.EstateId!.Value, ct) is not { Kind: Kind } estate) return Failure.NotFound("Estate");
        var name = NameMasking.Mask((await citizens.GetAsync(visitor, ct))?.FullName);
        var visit = new Visit(Guid.NewGuid(), estate.Id, unit!, visitor, name, request.Purpose!.Trim(), ToMilliseconds(request.ValidFrom!.Value), ToMilliseconds(request.ValidUntil!.Value),
            VisitStatus.Pending, now, null);
        return await store.RegisterVisitAsync(visit, MaxOpenVisitsPerVisitor, now, ct) switch
        {
            VisitRegistration.Registered => VisitView.From(visit, estate.Name, now),
            VisitRegistration.EstateNotFound => Failure.NotFound("Estate"),
            VisitRegistration.UnitUnknown => Failure.Invalid("unit", "Nobody in this unit uses CityPass at this estate: ask your host for the unit as the estate lists it."),
            VisitRegistration.TooMany => new Failure(StatusCodes.Status409Conflict, EstateCodes.TooManyVisits,
                $"At most {MaxOpenVisitsPerVisitor} visits may be waiting or to come; wait for one to end or be declined."),
        };
    }

    public async Task<IReadOnlyList<VisitView>> MyVisitsAsync(CitizenPseudonym visitor, CancellationToken ct) => await ViewsAsync(await store.VisitsOfAsync(visitor, MaxVisitsListed, ct), ct);

    public async Task<Outcome<VisitView>> MyVisitAsync(CitizenPseudonym visitor, Guid visitId, CancellationToken ct) =>
        await store.GetVisitAsync(visitId, ct) is { } v && v.VisitorId == visitor ? (await ViewsAsync([v], ct)).Single() : Failure.NotFound("Visit");

    public async Task<IReadOnlyList<VisitView>> HostedVisitsAsync(CitizenPseudonym host, CancellationToken ct) => await ViewsAsync(await store.VisitsToAsync(host, MaxVisitsListed, ct), ct);

    /// <summary>A host's approval or decline; then the visitor's tickets at the estate are copied to the hot state.</summary>
    public async Task<Outcome<VisitView>> DecideAsync(CitizenPseudonym host, Guid visitId, bool approve, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (decision, visit) = await store.DecideVisitAsync(visitId, host, approve, now, ct);
        switch (decision)
        {
            case VisitDecision.NotFound: return Failure.NotFound("Visit");
            case VisitDecision.Ended: return new Failure(StatusCodes.Status409Conflict, EstateCodes.VisitEnded, "The visit's window is over.");
            case VisitDecision.AlreadyDeclined: return new Failure(StatusCodes.Status409Conflict, EstateCodes.VisitDeclined, "The visit was declined; the visitor registers again.");
            case VisitDecision.Approved or VisitDecision.Declined:
                await tickets.CopyToHotStateAsync(visit!.VenueId, [visit.VisitorId], now, ct);
                break;
            case VisitDecision.Unchanged: break;
        }
        return (await ViewsAsync([visit!], ct)).Single();
    }

    private async Task<List<VisitView>> ViewsAsync(IReadOnlyList<Visit> visits, CancellationToken ct)
    {
        var names = await NamesAsync(visits.Select(v => v.VenueId), ct);
        var now = clock.GetUtcNow();
        return [.. visits.Select(v => VisitView.From(v, names.GetValueOrDefault(v.VenueId, ""), now))];
    }

    private async Task<Dictionary<Guid, string>> NamesAsync(IEnumerable<Guid> venueIds, CancellationToken ct)
    {
        var ids = venueIds.Distinct().ToList();
        return ids.Count == 0 ? [] : (await venues.ListVenuesAsync(ids, ct)).ToDictionary(v => v.Id, v => v.Name);
    }

    private static DateTimeOffset ToMilliseconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    private static ResidentPushItemResult Reject(ResidentPushItem? item, string code) => new(item?.Unit, item?.CitizenId, "rejected", code);

    private static string Wire(ResidentChangeStatus status) => status switch
    {
        ResidentChangeStatus.Added => "added",
        ResidentChangeStatus.Removed => "removed",
        ResidentChangeStatus.Unchanged => "unchanged",
    };

    /// <summary>One entry per push, with its counts (units and citizens are not listed: the store has them).</summary>
    private static AuditDraft AuditOf(AccessScope scope, ResidentPushResult result, int rejectedBeforeStore, DateTimeOffset now) =>
        new(now, scope.Actor, ResidentsAuditAction, $"venue:{result.VenueId}", null,
            $"residents={result.Results.Count + rejectedBeforeStore} added={result.Count(ResidentChangeStatus.Added)} removed={result.Count(ResidentChangeStatus.Removed)} " +
            $"unchanged={result.Count(ResidentChangeStatus.Unchanged)} rejected={rejectedBeforeStore}",
            ResidentsAuditAction, null);

    private async Task<Venue?> ManagedAsync(AccessScope scope, Guid venueId, CancellationToken ct) =>
        scope.CanManageVenue(venueId) && await venues.GetVenueAsync(venueId, ct) is { Kind: Kind } v ? v : null;

    private async Task<Venue?> VisibleAsync(AccessScope scope, Guid venueId, CancellationToken ct) =>
        scope.CanSeeVenue(venueId) && await venues.GetVenueAsync(venueId, ct) is { Kind: Kind } v ? v : null;
}
