namespace CityPass.Core.Venues;

/// <summary>
/// One opening period on a day, in the venue's local time. A period that closes at or before it
/// opens runs past midnight into the next day (a night market: Fri 18:00-02:00).
/// </summary>
public readonly record struct OpeningPeriod(DayOfWeek Day, TimeOnly Opens, TimeOnly Closes)
{
    public bool CrossesMidnight => Closes <= Opens;
}

/// <summary>A venue's weekly opening hours in its own time zone (IANA id, e.g. Asia/Shanghai).</summary>
public sealed record OpeningHours(string TimeZoneId, IReadOnlyList<OpeningPeriod> Periods)
{
    private TimeZoneInfo? _zone;

    /// <summary>Every day, all day.</summary>
    public static OpeningHours Always(string timeZoneId = "Asia/Shanghai") =>
        new(timeZoneId, Enum.GetValues<DayOfWeek>().Select(d => new OpeningPeriod(d, TimeOnly.MinValue, TimeOnly.MinValue)).ToArray());

    public bool IsOpenAt(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, Zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var today = local.DayOfWeek;
        var yesterday = (DayOfWeek)(((int)today + 6) % 7);
        foreach (var p in Periods)
        {
            if (p.Day == today && time >= p.Opens && (p.CrossesMidnight || time < p.Closes)) return true;
            if (p.Day == yesterday && p.CrossesMidnight && time < p.Closes) return true;
        }
        return false;
    }

    public IEnumerable<string> Validate()
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZoneId, out _)) yield return $"Unknown time zone '{TimeZoneId}'.";
        if (Periods.Count > 7 * 4) yield return "At most four opening periods a day.";
    }

    private TimeZoneInfo Zone => _zone ??= TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);
}
