using System.Globalization;
using CityPass.Server.Problems;

namespace CityPass.Server.Dashboard;

/// <summary>
/// The dashboard's bounded parameters, read from the query string as text so that a bad value is a validation_failed
/// problem naming the field, not the framework's bare 400.
/// </summary>
public sealed record DashboardQuery(int Minutes, int Top, int SilentAfterMinutes)
{
    public static readonly DashboardQuery Default = new(60, 10, 30);

    public const int MaxMinutes = 180;
    public const int MaxTop = 50;
    public const int MaxSilentAfterMinutes = 1440;

    public static Outcome<DashboardQuery> Parse(string? minutes, string? top, string? silentAfterMinutes)
    {
        var errors = new Dictionary<string, string[]>();
        var query = new DashboardQuery(
            Read(minutes, "minutes", Default.Minutes, 5, MaxMinutes, errors),
            Read(top, "top", Default.Top, 1, MaxTop, errors),
            Read(silentAfterMinutes, "silentAfterMinutes", Default.SilentAfterMinutes, 5, MaxSilentAfterMinutes, errors));
        return errors.Count > 0 ? Failure.Invalid(errors) : query;
    }

    private static int Read(string? text, string field, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        errors[field] = [$"A whole number from {min} to {max}."];
        return fallback;
    }
}
