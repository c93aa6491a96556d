namespace CityPass.Server.Tracing;

/// <summary>
/// Contact tracing's settings: configuration section "Tracing". How long a visit lasts when its gate recorded no exit is
/// an assumption of the health authority about a kind of venue, not an entry rule of the venue's operator, so it is set
/// here per venue type (<see cref="Venues.Venue.Kind"/>) and not in the venue policy (which gates read too).
/// </summary>
public sealed class TracingOptions
{
    public const string Section = "Tracing";

    /// <summary>The dwell time of a venue type not listed in <see cref="DwellMinutes"/> (and of a venue deleted since).</summary>
    public int DefaultDwellMinutes { get; set; } = 60;

    /// <summary>Dwell time per venue type, in minutes; configuration adds to (or overrides) these defaults.</summary>
    public Dictionary<string, int> DwellMinutes { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["library"] = 120,
        ["clinic"] = 60,
        ["theatre"] = 180,
        ["housing_estate"] = 240,
        ["restaurant"] = 60,
        ["mall"] = 90,
        ["supermarket"] = 30,
        ["gym"] = 90,
    };

    /// <summary>
    /// The longest a visit can be. An exit later than this after the entry is not taken as that visit's end (a missed
    /// exit, a later visit's exit): the dwell time applies. It also bounds how far around a visit the venue's scans are
    /// read, so it sets the query's cost per visit. Every dwell time is at most this.
    /// </summary>
    public int MaxVisitMinutes { get; set; } = 480;

    /// <summary>The longest window one trace may cover.</summary>
    public int MaxWindowDays { get; set; } = 31;

    /// <summary>The most entries of the index citizen one trace reads; more answers 422 trace_too_many_visits (narrow the window).</summary>
    public int MaxVisits { get; set; } = 500;

    /// <summary>The most exposed citizens one answer lists (largest overlap first); the answer says when it was cut.</summary>
    public int MaxExposures { get; set; } = 2000;

    /// <summary>The most scans read around one visit (a stadium's evening); a visit that hit it is flagged incomplete.</summary>
    public int MaxScansPerVisit { get; set; } = 50_000;

    public TimeSpan MaxVisit => TimeSpan.FromMinutes(MaxVisitMinutes);

    /// <summary>The dwell time of a venue of type <paramref name="venueType"/> (null: the venue is gone).</summary>
    public TimeSpan DwellFor(string? venueType) =>
        TimeSpan.FromMinutes(venueType is not null && DwellMinutes.TryGetValue(venueType, out var m) ? m : DefaultDwellMinutes);

    public IEnumerable<string> Validate()
    {
        if (MaxVisitMinutes is < 1 or > 24 * 60) yield return "Tracing:MaxVisitMinutes is between 1 and 1440.";
        if (DefaultDwellMinutes < 1 || DefaultDwellMinutes > MaxVisitMinutes) yield return "Tracing:DefaultDwellMinutes is between 1 and Tracing:MaxVisitMinutes.";
        foreach (var (type, minutes) in DwellMinutes)
        {
            if (minutes < 1 || minutes > MaxVisitMinutes) yield return $"Tracing:DwellMinutes:{type} is between 1 and Tracing:MaxVisitMinutes.";
        }
        if (MaxWindowDays is < 1 or > 366) yield return "Tracing:MaxWindowDays is between 1 and 366.";
        if (MaxVisits is < 1 or > 10_000) yield return "Tracing:MaxVisits is between 1 and 10,000.";
        if (MaxExposures is < 1 or > 100_000) yield return "Tracing:MaxExposures is between 1 and 100,000.";
        if (MaxScansPerVisit is < 100 or > 1_000_000) yield return "Tracing:MaxScansPerVisit is between 100 and 1,000,000.";
    }
}
