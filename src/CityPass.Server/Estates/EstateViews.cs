using System.ComponentModel;

namespace CityPass.Server.Estates;

/// <summary>An estate operator's push of residents: who lives in which unit, added or removed.</summary>
public sealed record ResidentPushRequest(
    [property: Description("1 to 500 residents. Each is applied on its own: a rejected one does not stop the others.")]
    IReadOnlyList<ResidentPushItem>? Residents);

public sealed record ResidentPushItem(
    [property: Description("The unit: 1 to 24 letters (any script), digits and - / # . (e.g. 3-2-501, 3栋2单元501). The gate displays it.")]
    string? Unit,
    [property: Description("The resident's citizen id (32 hex digits): the citizen's pseudonym, shown on their H5 page under Estate.")]
    string? CitizenId,
    [property: Description("True takes the citizen off the unit: the estate's gates no longer admit them as its resident.")]
    bool Removed = false);

/// <summary>What a residents push did: counts, and one result per item in the order sent.</summary>
public sealed record ResidentPushResponse(int Added, int Removed, int Unchanged, int Rejected, IReadOnlyList<ResidentPushItemResult> Results);

public sealed record ResidentPushItemResult(
    string? Unit,
    string? CitizenId,
    [property: Description("'added', 'removed', 'unchanged' (sent again as stored), or 'rejected' (see code; nothing of it was stored).")]
    string Status,
    [property: Description("Why it was rejected: unit_invalid, citizen_id_invalid, resident_repeated. Null otherwise.")]
    string? Code = null);

public sealed record ResidentView(string Unit, string CitizenId, DateTimeOffset AddedAt)
{
    public static ResidentView From(Resident r) => new(r.Unit, r.CitizenId.ToString(), r.AddedAt);
}

/// <summary>A visitor's registration on the H5 page.</summary>
public sealed record VisitRequest(
    [property: Description("The estate (GET /v1/estates).")]
    Guid? EstateId,
    [property: Description("The host's unit: a resident of it approves the visit.")]
    string? Unit,
    [property: Description("Why: 1 to 100 printable characters (a host reads it).")]
    string? Purpose,
    [property: Description("From when the visit admits (ISO 8601 with offset): at most 30 days ahead.")]
    DateTimeOffset? ValidFrom,
    [property: Description("Until when (exclusive): after validFrom and now, at most 24 hours after validFrom.")]
    DateTimeOffset? ValidUntil);

/// <summary>
/// A visit as its visitor, its host or the estate sees it. <see cref="Status"/>: pending, approved, declined, or
/// expired (its window ended while pending). <see cref="VisitorId"/>: for the estate's staff only (null otherwise).
/// </summary>
public sealed record VisitView(
    Guid Id,
    Guid EstateId,
    string EstateName,
    string Unit,
    string Purpose,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    [property: Description("pending, approved, declined, or expired (the window ended before anyone decided).")]
    string Status,
    [property: Description("The visitor's masked name.")]
    string VisitorName,
    string? VisitorId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DecidedAt)
{
    public static VisitView From(Visit v, string estateName, DateTimeOffset now, bool forStaff = false) =>
        new(v.Id, v.VenueId, estateName, v.Unit, v.Purpose, v.ValidFrom, v.ValidUntil, StatusOf(v, now), v.VisitorName, forStaff ? v.VisitorId.ToString() : null, v.CreatedAt, v.DecidedAt);

    public static string StatusOf(Visit v, DateTimeOffset now) => v.Status switch
    {
        VisitStatus.Pending => v.EndedAt(now) ? "expired" : "pending",
        VisitStatus.Approved => "approved",
        VisitStatus.Declined => "declined",
    };
}

/// <summary>An estate a visitor can register at.</summary>
public sealed record EstateView(Guid Id, string Name, string Address);

/// <summary>The signed-in citizen's homes and the id an estate's operator lists them by.</summary>
public sealed record HomesView(
    [property: Description("The citizen's id (32 hex digits), which they give the estate's office to be listed as a resident.")]
    string CitizenId,
    IReadOnlyList<HomeView> Homes);

public sealed record HomeView(Guid EstateId, string EstateName, string Unit);
