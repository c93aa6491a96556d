using CityPass.Core.Citizens;
using CityPass.Core.Venues;

namespace CityPass.Server.Tracing;

/// <summary>What tracing reads of an allowed scan: who, where, which way, when (decided). Denied scans are no visits.</summary>
public sealed record TracedScan(CitizenPseudonym Citizen, Guid VenueId, ScanDirection Direction, DateTimeOffset At);

/// <summary>A venue and a span of time [From, To) whose scans tracing reads around one visit.</summary>
public sealed record VenueWindow(Guid VenueId, DateTimeOffset From, DateTimeOffset To);
