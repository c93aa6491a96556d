using System.Globalization;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Core.Identify;

namespace CityPass.Core.Venues;

/// <summary>
/// A venue policy as JSON: the API's body for PUT /v1/venues/{id}/policy, the stored form, and the policy in a gate's
/// signed bundle (which an offline gate decides by).
/// </summary>
public sealed record VenuePolicyDocument(
    IReadOnlyList<string>? AllowedColours,
    IReadOnlyList<string>? RequiredCredentials,
    int? Capacity,
    [property: System.ComponentModel.Description("True (the default): an entry is refused to someone inside and an exit to someone not inside, so who is inside is kept. Turned on, it starts from who the day's scans have inside. Set false at a venue that scans no exits.")]
    bool? AntiPassback,
    bool? RequiresBooking,
    OpeningHoursDocument? OpeningHours,
    IReadOnlyList<string>? ForeignCredentials = null,
    [property: System.ComponentModel.Description("What a gate that cannot reach the server does with an entry that needs a booking or a capacity check: 'deny' (the default) or 'allow_and_flag'.")]
    string? OfflineUndecidable = null,
    [property: System.ComponentModel.Description("True: the venue identifies its visitors (library lending, hospital registration). An allowed entry's answer then carries 'identity': the citizen's member id at this venue and the claims they consented to share with venues of this kind. Default false.")]
    bool? Identify = null,
    [property: System.ComponentModel.Description("The claims the venue asks for besides the member id (only with identify): masked_name, age_band, eid_verified. A citizen shares only those they consented to.")]
    IReadOnlyList<string>? IdentifyClaims = null)
{
    public static VenuePolicyDocument From(VenuePolicy p) => new(
        Enum.GetValues<StatusColour>().Where(c => p.AllowedColours.Contains(c)).Select(c => c.ToWireName()).ToList(),
        p.RequiredCredentials.ToWireNames(),
        p.Capacity,
        p.AntiPassback,
        p.RequiresBooking,
        p.Hours is null ? null : new OpeningHoursDocument(
            p.Hours.TimeZoneId,
            p.Hours.Periods.Select(x => new OpeningPeriodDocument(
                x.Day.ToString().ToLowerInvariant(), x.Opens.ToString("HH:mm", CultureInfo.InvariantCulture), x.Closes.ToString("HH:mm", CultureInfo.InvariantCulture))).ToList()),
        p.ForeignCredentials.ToWireNames(),
        p.OfflineUndecidable.ToWireName(),
        p.Identify,
        p.IdentifyClaims.ToWireNames());

    /// <summary>The policy, or the field-level errors (field name -> messages) that stop it.</summary>
    public (VenuePolicy? Policy, Dictionary<string, string[]> Errors) ToPolicy()
    {
        var errors = new Dictionary<string, string[]>();
        var colours = StatusColours.None;
        foreach (var name in AllowedColours ?? ["green"])
        {
            if (StatusColourExtensions.TryParseWireName(name, out var c)) colours |= c.AsSet();
            else errors["allowedColours"] = [$"'{name}' is not a colour (green, yellow, red)."];
        }
        var credentials = Credentials.None;
        foreach (var name in RequiredCredentials ?? [])
        {
            if (CredentialsExtensions.TryParseWireName(name, out var c)) credentials |= c;
            else errors["requiredCredentials"] = [$"'{name}' is not a credential (health_record, eid_verified, social_security_card)."];
        }
        var foreign = Credentials.None;
        foreach (var name in ForeignCredentials ?? [])
        {
            if (CredentialsExtensions.TryParseWireName(name, out var c)) foreign |= c;
            else errors["foreignCredentials"] = [$"'{name}' is not a credential (health_record, eid_verified, social_security_card)."];
        }
        var offline = Venues.OfflineUndecidable.Deny;
        if (OfflineUndecidable is not null && !OfflineUndecidableExtensions.TryParseWireName(OfflineUndecidable, out offline))
        {
            errors["offlineUndecidable"] = [$"'{OfflineUndecidable}' is not an offline setting (deny, allow_and_flag)."];
        }
        var identifyClaims = IdentityClaims.None;
        if (!IdentityClaimsExtensions.TryParseWireNames(IdentifyClaims ?? [], out identifyClaims, out var unknownClaim))
        {
            errors["identifyClaims"] = [$"'{unknownClaim}' is not a claim ({string.Join(", ", IdentityClaimsExtensions.AllWireNames)})."];
        }
        else if (identifyClaims != IdentityClaims.None && Identify != true)
        {
            errors["identifyClaims"] = ["Claims are asked for only with identify: true."];
            identifyClaims = IdentityClaims.None;
        }
        OpeningHours? hours = null;
        if (OpeningHours is { } h)
        {
            var periods = new List<OpeningPeriod>();
            foreach (var p in h.Periods ?? [])
            {
                if (!Enum.TryParse<DayOfWeek>(p.Day, ignoreCase: true, out var day) || !Enum.IsDefined(day) || int.TryParse(p.Day, out _))
                {
                    errors["openingHours.periods"] = [$"'{p.Day}' is not a day of the week."];
                    continue;
                }
                if (!TimeOnly.TryParseExact(p.Opens, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var opens)
                    || !TimeOnly.TryParseExact(p.Closes, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var closes))
                {
                    errors["openingHours.periods"] = ["Times are HH:mm, e.g. 09:00."];
                    continue;
                }
                periods.Add(new OpeningPeriod(day, opens, closes));
            }
            hours = new OpeningHours(string.IsNullOrWhiteSpace(h.TimeZone) ? "Asia/Shanghai" : h.TimeZone, periods);
        }
        var policy = new VenuePolicy
        {
            AllowedColours = colours,
            RequiredCredentials = credentials,
            Capacity = Capacity,
            AntiPassback = AntiPassback ?? true,
            RequiresBooking = RequiresBooking ?? false,
            Hours = hours,
            ForeignCredentials = foreign,
            OfflineUndecidable = offline,
            Identify = Identify ?? false,
            IdentifyClaims = identifyClaims,
        };
        foreach (var problem in policy.Validate()) errors[""] = [.. errors.GetValueOrDefault("") ?? [], problem];
        return errors.Count == 0 ? (policy, errors) : (null, errors);
    }

    // The web defaults (camelCase), as the API writes it.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a stored policy; stored policies were valid when written.</summary>
    public static VenuePolicy ParseStored(string json) =>
        JsonSerializer.Deserialize<VenuePolicyDocument>(json, Json)?.ToPolicy().Policy
        ?? throw new InvalidOperationException("A stored venue policy does not parse.");
}

public sealed record OpeningHoursDocument(string? TimeZone, IReadOnlyList<OpeningPeriodDocument>? Periods);

public sealed record OpeningPeriodDocument(string Day, string Opens, string Closes);
