using System.Globalization;

namespace CityPass.Server.Admin;

/// <summary>
/// The console shows and reads times in the city's zone (China has one, UTC+8), whatever zone the
/// server runs in, so an operator's "10:00" means the same on every replica.
/// </summary>
public static class ConsoleTime
{
    public static readonly TimeZoneInfo Zone = Find("Asia/Shanghai");

    public static DateTimeOffset Local(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Zone);

    public static string Show(DateTimeOffset t) => Local(t).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset t) => Local(t).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The value an &lt;input type="datetime-local"&gt; takes.</summary>
    public static string ForInput(DateTimeOffset? t) => t is { } v ? Local(v).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) : "";

    /// <summary>Reads an &lt;input type="datetime-local"&gt; value as the city's local time; null when empty or not a time.</summary>
    public static DateTimeOffset? ParseInput(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return null;
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, Zone.GetUtcOffset(unspecified));
    }

    private static TimeZoneInfo Find(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            // A container without tzdata: China Standard Time has had no daylight saving since 1991.
            return TimeZoneInfo.CreateCustomTimeZone(id, TimeSpan.FromHours(8), id, id);
        }
    }
}
