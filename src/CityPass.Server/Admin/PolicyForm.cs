using System.Globalization;
using CityPass.Core.Venues;

namespace CityPass.Server.Admin;

/// <summary>
/// The policy editor's fields, turned into the API's <see cref="VenuePolicyDocument"/> so the console
/// saves through the same validation as PUT /v1/venues/{id}/policy. Opening hours are edited as one
/// daily window (the API can hold a window per weekday).
/// </summary>
public sealed class PolicyForm
{
    public List<string> AllowedColours { get; set; } = [];
    public List<string> RequiredCredentials { get; set; } = [];
    public List<string> ForeignCredentials { get; set; } = [];
    public string? Capacity { get; set; }
    public bool AntiPassback { get; set; }
    public bool RequiresBooking { get; set; }
    public bool OfflineAllowAndFlag { get; set; }
    public string? Opens { get; set; }
    public string? Closes { get; set; }

    public static PolicyForm From(VenuePolicyDocument d) => new()
    {
        AllowedColours = [.. d.AllowedColours ?? []],
        RequiredCredentials = [.. d.RequiredCredentials ?? []],
        ForeignCredentials = [.. d.ForeignCredentials ?? []],
        Capacity = d.Capacity?.ToString(CultureInfo.InvariantCulture),
        AntiPassback = d.AntiPassback ?? true,
        RequiresBooking = d.RequiresBooking ?? false,
        OfflineAllowAndFlag = d.OfflineUndecidable == OfflineUndecidable.AllowAndFlag.ToWireName(),
        Opens = d.OpeningHours?.Periods is [var first, ..] ? first.Opens : null,
        Closes = d.OpeningHours?.Periods is [var head, ..] ? head.Closes : null,
    };

    /// <summary>The document, or a field error the form itself can tell (a capacity that is not a number).</summary>
    public (VenuePolicyDocument? Document, string? CapacityError) ToDocument()
    {
        int? capacity = null;
        if (!string.IsNullOrWhiteSpace(Capacity))
        {
            if (!int.TryParse(Capacity.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var c)) return (null, "Capacity is a whole number, or empty for no limit.");
            capacity = c;
        }
        OpeningHoursDocument? hours = null;
        if (!string.IsNullOrWhiteSpace(Opens) || !string.IsNullOrWhiteSpace(Closes))
        {
            hours = new OpeningHoursDocument(ConsoleTime.Zone.Id,
                Enum.GetValues<DayOfWeek>().Select(d => new OpeningPeriodDocument(d.ToString().ToLowerInvariant(), Opens?.Trim() ?? "", Closes?.Trim() ?? "")).ToList());
        }
        return (new VenuePolicyDocument(AllowedColours, RequiredCredentials, capacity, AntiPassback, RequiresBooking, hours, ForeignCredentials,
            (OfflineAllowAndFlag ? OfflineUndecidable.AllowAndFlag : OfflineUndecidable.Deny).ToWireName()), null);
    }
}
