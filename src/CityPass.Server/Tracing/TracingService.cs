using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Cases;
using CityPass.Server.Problems;
using CityPass.Server.Venues;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Tracing;

/// <summary>
/// Contact tracing under a case (HealthAuthority and CityAdmin): from an index citizen and a window, their visits and
/// everyone whose visit at the same venue overlapped, with the overlap. Two bounded reads of the scan archive
/// (<see cref="IContactTracingStore"/>), the rule in <see cref="ContactTracer"/>. Reading who met whom is reading
/// personal data, so every trace is audited (<c>case.trace</c>, subject the index citizen, under the case) before its
/// answer leaves; it needs an open health case, as a yellow or red status does.
/// </summary>
public sealed class TracingService(IContactTracingStore store, ICaseStore cases, IVenueStore venues, IAuditLog audit, IOptions<TracingOptions> options, TimeProvider clock)
{
    public const string TraceAction = "case.trace";
    public const int DefaultWindowDays = 14;
    public const int MaxOverlapFilterMinutes = 24 * 60;
    public const int MaxVenueTypes = 20;

    private static readonly Failure NotAuthority = Failure.Forbidden("Only the health authority and city admins trace contacts.");

    private readonly TracingOptions _options = options.Value;

    public async Task<Outcome<TraceView>> TraceAsync(AccessScope scope, string caseId, TraceRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        var found = CaseIds.TryParse(caseId, out var canonical, out _) ? await cases.GetAsync(canonical, ct) : null;
        if (found is null) return Failure.NotFound("Case");
        if (!found.IsOpen) return new Failure(StatusCodes.Status409Conflict, CaseCodes.CaseClosed, $"Case {found.Id} is closed: contacts are traced under an open case.");
        if (!found.Type.IsHealth()) return new Failure(StatusCodes.Status422UnprocessableEntity, CaseCodes.CaseNotHealth, $"Case {found.Id} is a {found.Type.ToWireName()} case: contacts are traced under a health case.");

        var parsed = Parse(request);
        if (parsed.Failure is { } invalid) return invalid;
        var (citizen, from, to, minOverlap, types) = parsed.Value!;

        var trace = await RunAsync(citizen, from, to, minOverlap, types, ct);
        if (trace.Failure is { } refused) return refused;
        var view = trace.Value! with { CaseId = found.Id };
        // Before the answer leaves: if the entry cannot be written, nothing was disclosed.
        await audit.AppendAsync(new AuditDraft(clock.GetUtcNow(), scope.Actor, TraceAction, $"citizen:{citizen}", null, Describe(view), "contact tracing", found.Id), ct);
        return view;
    }

    private Outcome<(CitizenPseudonym Citizen, DateTimeOffset From, DateTimeOffset To, int MinOverlap, IReadOnlyList<string> Types)> Parse(TraceRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!CitizenPseudonym.TryParse(request.CitizenId?.Trim() ?? "", out var citizen)) errors["citizenId"] = ["The citizen id is 32 hexadecimal digits."];
        var to = ParseTime(request.To, "to", errors) ?? clock.GetUtcNow();
        var from = ParseTime(request.From, "from", errors) ?? to.AddDays(-DefaultWindowDays);
        var minOverlap = 0;
        if (!string.IsNullOrWhiteSpace(request.MinOverlapMinutes)
            && (!int.TryParse(request.MinOverlapMinutes, NumberStyles.None, CultureInfo.InvariantCulture, out minOverlap) || minOverlap > MaxOverlapFilterMinutes))
        {
            errors["minOverlapMinutes"] = [$"The minimum overlap is a whole number of minutes from 0 to {MaxOverlapFilterMinutes}."];
        }
        var types = (request.VenueTypes ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(t => t.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        if (types.Count > MaxVenueTypes || types.Any(t => t.Length > 50)) errors["venueTypes"] = [$"At most {MaxVenueTypes} venue types of up to 50 characters."];
        if (errors.Count == 0 && from >= to) errors["from"] = ["'from' is before 'to'."];
        if (errors.Count > 0) return Failure.Invalid(errors);
        if (to - from > TimeSpan.FromDays(_options.MaxWindowDays))
        {
            return new Failure(StatusCodes.Status400BadRequest, TracingCodes.WindowTooLong, $"A trace covers at most {_options.MaxWindowDays} days: narrow the window.");
        }
        return (citizen, from, to, minOverlap, types);
    }

    private static DateTimeOffset? ParseTime(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at.ToUniversalTime();
        errors[field] = [$"'{field}' is an ISO 8601 time (2026-12-01T00:00:00+08:00)."];
        return null;
    }

    private async Task<Outcome<TraceView>> RunAsync(CitizenPseudonym citizen, DateTimeOffset from, DateTimeOffset to, int minOverlap, IReadOnlyList<string> types, CancellationToken ct)
    {
        var maxVisit = _options.MaxVisit;
        // The window is on entries; an entry near its end may leave (or enter again) up to a visit's length later.
        var own = await store.CitizenScansAsync(citizen, from, to + maxVisit, _options.MaxVisits * 2 + 1, ct);
        var venueById = new Dictionary<Guid, Venue>();
        foreach (var v in await venues.ListVenuesAsync(own.Select(s => s.VenueId).ToHashSet(), ct)) venueById[v.Id] = v;
        string? TypeOf(Guid venueId) => venueById.TryGetValue(venueId, out var v) ? v.Kind.ToLowerInvariant() : null;
        TimeSpan DwellAt(Guid venueId) => _options.DwellFor(TypeOf(venueId));

        var visits = ContactTracer.Visits(own, DwellAt, maxVisit).Where(v => v.Entry >= from && v.Entry < to).ToList();
        if (visits.Count > _options.MaxVisits || own.Count > _options.MaxVisits * 2)
        {
            return new Failure(StatusCodes.Status422UnprocessableEntity, TracingCodes.TooManyVisits,
                $"The citizen has more than {_options.MaxVisits} visits in the window: narrow the window.");
        }
        if (types.Count > 0) visits = visits.Where(v => TypeOf(v.VenueId) is { } t && types.Contains(t)).ToList();

        var windows = visits.Select(v => ContactTracer.WindowAround(v, maxVisit)).ToList();
        var around = await store.VenueScansAsync(windows, _options.MaxScansPerVisit, ct);
        var perCitizen = new Dictionary<CitizenPseudonym, List<ExposureContactView>>();
        var visitViews = new List<TraceVisitView>(visits.Count);
        for (var i = 0; i < visits.Count; i++)
        {
            var visit = visits[i];
            var (name, type) = venueById.TryGetValue(visit.VenueId, out var venue) ? (venue.Name, venue.Kind) : ("(deleted venue)", "");
            var met = new HashSet<CitizenPseudonym>();
            foreach (var (other, overlapFrom, overlapTo) in ContactTracer.Overlaps(visit, around[i], DwellAt(visit.VenueId), maxVisit))
            {
                met.Add(other);
                if (!perCitizen.TryGetValue(other, out var list)) perCitizen[other] = list = [];
                list.Add(new ExposureContactView(visit.VenueId, name, type, overlapFrom, overlapTo, Minutes(overlapTo - overlapFrom)));
            }
            visitViews.Add(new TraceVisitView(visit.VenueId, name, type, visit.Entry, visit.End, visit.EndedBy.ToWireName(), met.Count, around[i].Count >= _options.MaxScansPerVisit));
        }

        var threshold = TimeSpan.FromMinutes(minOverlap);
        var exposed = perCitizen
            .Select(p => (Citizen: p.Key, Contacts: p.Value, Total: p.Value.Aggregate(TimeSpan.Zero, (sum, c) => sum + (c.To - c.From))))
            .Where(e => e.Total >= threshold)
            .OrderByDescending(e => e.Total).ThenBy(e => e.Citizen.Value)
            .ToList();
        var listed = exposed.Take(_options.MaxExposures)
            .Select(e => new ExposureView(e.Citizen.ToString(), Minutes(e.Total), e.Contacts.OrderBy(c => c.From).ToList()))
            .ToList();
        return new TraceView("", citizen.ToString(), from, to, minOverlap, types, visitViews, listed, exposed.Count, exposed.Count > listed.Count);
    }

    private static double Minutes(TimeSpan span) => Math.Round(span.TotalMinutes, 1);

    private static string Describe(TraceView v) => string.Create(CultureInfo.InvariantCulture,
        $"window {v.From:O} to {v.To:O}; min overlap {v.MinOverlapMinutes} min; venue types {(v.VenueTypes.Count == 0 ? "all" : string.Join(",", v.VenueTypes))}; {v.Visits.Count} visits, {v.ExposedCitizens} exposed citizens");
}
