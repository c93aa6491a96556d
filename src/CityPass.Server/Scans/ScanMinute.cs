using CityPass.Core.Venues;

namespace CityPass.Server.Scans;

/// <summary>
/// A per-minute roll-up of archived scans (<see cref="IScanMinuteStore"/>): in the UTC minute <see cref="Minute"/> (of
/// DecidedAt), <see cref="Scans"/> scans had outcome <see cref="Code"/> in <see cref="Direction"/>, summed over the
/// venues asked for.
/// </summary>
public sealed record ScanMinute(DateTimeOffset Minute, DecisionCode Code, ScanDirection Direction, long Scans)
{
    public bool Allowed => Code == DecisionCode.Allowed;

    /// <summary>The minute a record's roll-up counts it in: its DecidedAt, cut to the whole UTC minute.</summary>
    public static DateTimeOffset Of(DateTimeOffset decidedAt)
    {
        var ticks = decidedAt.UtcTicks;
        return new DateTimeOffset(ticks - ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
    }
}

/// <summary>A venue's archived scans in a time range, from the roll-ups: allowed and refused.</summary>
public sealed record VenueScanTotal(Guid VenueId, long Allowed, long Denied)
{
    public long Scans => Allowed + Denied;
}
