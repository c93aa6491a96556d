namespace CityPass.Server.Dashboard;

/// <summary>
/// The city dashboard (一屏观全城): one read of everything the operations centre's screen shows. Times are UTC;
/// <see cref="Today"/> is the start of the city's day (Asia/Shanghai) that the population's changes count from;
/// <see cref="PopulationAsOf"/> when the population was counted (at most 30 s before, see DashboardService.PopulationMaxAge).
/// </summary>
public sealed record CityDashboard(
    DateTimeOffset At,
    DateTimeOffset Today,
    ScanSeries Scans,
    IReadOnlyList<ColourView> Population,
    DateTimeOffset PopulationAsOf,
    IReadOnlyList<BusyVenueView> BusiestVenues,
    IReadOnlyList<OccupancyGroupView> OccupancyByDistrict,
    IReadOnlyList<OccupancyGroupView> OccupancyByKind,
    GateHealthView Gates,
    IReadOnlyList<TrustedCityFreshness> TrustedCities);

/// <summary>
/// Archived scans per minute over the last <see cref="Minutes"/> minutes (from the per-minute roll-ups), oldest first:
/// <see cref="MinuteStarts"/>[i] is the minute of <see cref="Allowed"/>[i] and of every <see cref="DeniedByCode"/> series'
/// [i]. The newest minute is still filling. A scan counts in the minute it was decided (an offline gate's upload: when it
/// arrived).
/// </summary>
public sealed record ScanSeries(
    int Minutes,
    IReadOnlyList<DateTimeOffset> MinuteStarts,
    IReadOnlyList<long> Allowed,
    IReadOnlyList<DeniedSeries> DeniedByCode,
    long TotalAllowed,
    long TotalDenied);

/// <summary>Refusals with one reason code (status_not_allowed, venue_full...), per minute.</summary>
public sealed record DeniedSeries(string Code, IReadOnlyList<long> Counts, long Total);

/// <summary>A colour of the population: citizens holding it now; statuses into and out of it today, and the net change.</summary>
public sealed record ColourView(string Colour, long Citizens, double Share, long IntoToday, long OutOfToday, long ChangeToday);

/// <summary>A venue by its scans in the window, with how many are inside now against its capacity (null: none set).</summary>
public sealed record BusyVenueView(Guid VenueId, string Name, string Kind, string District, long Allowed, long Denied, int Inside, int? Capacity);

/// <summary>
/// Venues grouped by district or by kind: how many are inside them now, and against which capacity. Only venues with a
/// capacity count in <see cref="Capacity"/> and <see cref="InsideOfCapacity"/> (the share's two terms), so a venue without one
/// does not make the group look emptier; <see cref="Inside"/> counts them all. <see cref="Key"/> "" is venues with no district.
/// </summary>
public sealed record OccupancyGroupView(string Key, int Venues, int Inside, int InsideOfCapacity, int Capacity, double? Utilisation, int VenuesFull);

/// <summary>
/// The gates needing a look, worst first, at most <see cref="Limit"/>: <see cref="Silent"/> (an active credential and no
/// live scan for the silence threshold: offline, or idle), <see cref="ClockDrift"/> (newest live scan's clock off by more
/// than 30 s) and <see cref="UploadedLate"/> (uploaded an offline journal or late scans in the last hour).
/// </summary>
public sealed record GateHealthView(int Active, int Silent, int ClockDrift, int UploadedLate, int SilentAfterMinutes, int Limit, IReadOnlyList<GateIssueView> Issues);

/// <summary>
/// One gate needing a look. <see cref="Problems"/>: silent, clock_drift, uploaded_late. <see cref="LastLiveScanAt"/>: its newest
/// live scan of the last day (null: none).
/// </summary>
public sealed record GateIssueView(Guid GateId, string Gate, Guid VenueId, string Venue, IReadOnlyList<string> Problems,
    DateTimeOffset? LastLiveScanAt, double? ClockDriftSeconds, DateTimeOffset? LastLateUploadAt);

/// <summary>A trusted city's document: its state (pending, fresh, failing, stale, expired), when it was issued and expires, and the last refresh.</summary>
public sealed record TrustedCityFreshness(string Issuer, string Name, string State, DateTimeOffset? DocumentIssuedAt, DateTimeOffset? DocumentExpiresAt,
    double? DocumentAgeHours, DateTimeOffset? TrustedUntil, DateTimeOffset? LastCheckedAt, string? LastError);
