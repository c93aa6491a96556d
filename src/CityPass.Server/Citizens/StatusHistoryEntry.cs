using CityPass.Core.Citizens;

namespace CityPass.Server.Citizens;

/// <summary>
/// One status a citizen has had, as the history keeps it: the status, the case it was set under and the role of
/// whoever set it (<see cref="StatusChange.ActorRole"/>). Never the member of staff's name: the citizen reads these
/// rows, and names stay in the audit log. Rows from before the case and role were kept have neither (null).
/// </summary>
public sealed record StatusHistoryEntry(StatusColour Colour, uint Version, string Reason, DateTimeOffset Since, string? CaseRef, string? ChangedByRole)
{
    public CitizenStatus Status => new(Colour, Version, Reason, Since);

    /// <summary>The first row of a new citizen: green, version 1, set by no one.</summary>
    public static StatusHistoryEntry Initial(CitizenStatus status) => new(status.Colour, status.Version, status.Reason, status.Since, null, null);

    public static StatusHistoryEntry Of(StatusChange change, CitizenStatus status) =>
        new(status.Colour, status.Version, status.Reason, status.Since, change.CaseRef, change.ActorRole);
}

/// <summary>A history row as the API shows it, to staff and to the citizen alike: role only, no names; null case or role when not recorded.</summary>
public sealed record StatusHistoryView(string Colour, uint Version, string Reason, DateTimeOffset Since, string? CaseRef, string? ChangedByRole)
{
    public static StatusHistoryView From(StatusHistoryEntry e) => new(e.Colour.ToWireName(), e.Version, e.Reason, e.Since, e.CaseRef, e.ChangedByRole);
}
