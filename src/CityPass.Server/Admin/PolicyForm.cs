using System.Globalization;
using CityPass.Core.Venues;

namespace CityPass.Server.Admin;

/// <summary>
/// The policy editor's fields, turned into the API's <see cref="VenuePolicyDocument"/> so the console saves through the
/// same validation as PUT /v1/venues/{id}/policy. Opening hours are edited per weekday, each day as its windows
/// ("09:00-12:00, 14:00-18:00"; empty: closed that day), or as always open; whatever the API set reads back as it is.
/// </summary>
public sealed class PolicyForm
{
    public const string AlwaysOpen = "always";
    public const string Weekly = "weekly";

    /// <summary>Monday first, as the week is read in China.</summary>
    public static IReadOnlyList<DayOfWeek> Week { get; } =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    public List<string> AllowedColours { get; set; } = [];
    public List<string> RequiredCredentials { get; set; } = [];
    public List<string> ForeignCredentials { get; set; } = [];
    public string? Capacity { get; set; }
    public bool AntiPassback { get; set; }
    public bool RequiresBooking { get; set; }
    public bool OfflineAllowAndFlag { get; set; }
    public bool Identify { get; set; }
    public List<string> IdentifyClaims { get; set; } = [];

    /// <summary><see cref="AlwaysOpen"/> or <see cref="Weekly"/>.</summary>
    public string HoursMode { get; set; } = AlwaysOpen;

    /// <summary>Per day (lowercase English name), its windows as text.</summary>
    public Dictionary<string, string?> Days { get; set; } = [];

    /// <summary>Kept as the API set it (the console shows times in it); the city's zone for a new timetable.</summary>
    public string? TimeZone { get; set; }

    public static string DayKey(DayOfWeek day) => day.ToString().ToLowerInvariant();

    public string DayText(DayOfWeek day) => Days.GetValueOrDefault(DayKey(day)) ?? "";

    public static PolicyForm From(VenuePolicyDocument d) => new()
    {
        AllowedColours = [.. d.AllowedColours ?? []],
        RequiredCredentials = [.. d.RequiredCredentials ?? []],
        ForeignCredentials = [.. d.ForeignCredentials ?? []],
        Capacity = d.Capacity?.ToString(CultureInfo.InvariantCulture),
        AntiPassback = d.AntiPassback ?? true,
        RequiresBooking = d.RequiresBooking ?? false,
        OfflineAllowAndFlag = d.OfflineUndecidable == OfflineUndecidable.AllowAndFlag.ToWireName(),
        Identify = d.Identify ?? false,
        IdentifyClaims = [.. d.IdentifyClaims ?? []],
        HoursMode = d.OpeningHours is null ? AlwaysOpen : Weekly,
        TimeZone = d.OpeningHours?.TimeZone,
        Days = Week.ToDictionary(DayKey, day => (string?)string.Join(", ", (d.OpeningHours?.Periods ?? [])
            .Where(p => string.Equals(p.Day, DayKey(day), StringComparison.OrdinalIgnoreCase))
            .Select(p => $"{p.Opens}-{p.Closes}"))),
    };

    /// <summary>The document, or the field and message of what the form itself can tell is wrong (a capacity that is no number, a window that is no window).</summary>
    public (VenuePolicyDocument? Document, FormError? Error) ToDocument()
    {
        int? capacity = null;
        if (!string.IsNullOrWhiteSpace(Capacity))
        {
            if (!int.TryParse(Capacity.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var c))
            {
                return (null, new FormError("capacity", "Capacity is a whole number, or empty for no limit."));
            }
            capacity = c;
        }
        OpeningHoursDocument? hours = null;
        if (HoursMode == Weekly)
        {
            var periods = new List<OpeningPeriodDocument>();
            foreach (var day in Week)
            {
                foreach (var window in DayText(day).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var ends = window.Split('-', StringSplitOptions.TrimEntries);
                    if (ends.Length != 2)
                    {
                        return (null, new FormError("openingHours", $"{day}: '{window}' is not a window like 09:00-17:00."));
                    }
                    // The API checks the times themselves (HH:mm) and says which is wrong.
                    periods.Add(new OpeningPeriodDocument(DayKey(day), ends[0], ends[1]));
                }
            }
            hours = new OpeningHoursDocument(string.IsNullOrWhiteSpace(TimeZone) ? ConsoleTime.Zone.Id : TimeZone, periods);
        }
        return (new VenuePolicyDocument(AllowedColours, RequiredCredentials, capacity, AntiPassback, RequiresBooking, hours, ForeignCredentials,
            (OfflineAllowAndFlag ? OfflineUndecidable.AllowAndFlag : OfflineUndecidable.Deny).ToWireName(), Identify, IdentifyClaims), null);
    }
}

/// <summary>A form field (as the API names it) and what is wrong with it.</summary>
public sealed record FormError(string Field, string Message);
