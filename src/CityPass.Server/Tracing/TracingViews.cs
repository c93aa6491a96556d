namespace CityPass.Server.Tracing;

/// <summary>
/// A trace to run under a case, as the query string gives it: the index citizen's id, the window [from, to) (ISO 8601;
/// to defaults to now, from to 14 days before to), the least total overlap in minutes a contact needs to be listed
/// (0: any overlap), and the venue types to look at (none: every type).
/// </summary>
public sealed record TraceRequest(string? CitizenId, string? From, string? To, string? MinOverlapMinutes, IReadOnlyList<string>? VenueTypes);

/// <summary>One visit of the index citizen: where, from when to when, how its end was found (exit, dwell, next_entry), how many citizens it met; incomplete when the venue's scans around it hit Tracing:MaxScansPerVisit.</summary>
public sealed record TraceVisitView(Guid VenueId, string VenueName, string VenueType, DateTimeOffset Entry, DateTimeOffset End, string EndedBy, int Contacts, bool Incomplete);

/// <summary>One stretch of time an exposed citizen shared a venue with the index citizen.</summary>
public sealed record ExposureContactView(Guid VenueId, string VenueName, string VenueType, DateTimeOffset From, DateTimeOffset To, double Minutes);

/// <summary>A citizen who overlapped the index citizen: the total overlap in minutes (one decimal) and where and when.</summary>
public sealed record ExposureView(string CitizenId, double OverlapMinutes, IReadOnlyList<ExposureContactView> Contacts);

/// <summary>
/// A trace's answer: what was asked, the index citizen's visits (oldest first) and the exposed citizens (largest overlap
/// first) at or above the minimum overlap. <see cref="ExposedCitizens"/> counts them all; <see cref="Truncated"/> says
/// the list stops at Tracing:MaxExposures.
/// </summary>
public sealed record TraceView(
    string CaseId, string CitizenId, DateTimeOffset From, DateTimeOffset To, int MinOverlapMinutes, IReadOnlyList<string> VenueTypes,
    IReadOnlyList<TraceVisitView> Visits, IReadOnlyList<ExposureView> Exposures, int ExposedCitizens, bool Truncated);
