namespace CityPass.Server.Cases;

/// <summary>
/// A health authority's case: the record a yellow or red status must point to. <see cref="Id"/> is made by the
/// store (<see cref="CaseIds"/>). A case is open until closed with a reason; a closed case is never opened again
/// and no longer changes (see docs/api.md, "Cases").
/// </summary>
public sealed record Case(
    string Id,
    CaseType Type,
    string LegalBasis,
    string Owner,
    string Notes,
    DateTimeOffset OpenedAt,
    string OpenedBy)
{
    public DateTimeOffset? ClosedAt { get; init; }

    public string? ClosedBy { get; init; }

    public string? CloseReason { get; init; }

    public bool IsOpen => ClosedAt is null;
}

/// <summary>A case to open; the store gives it its id.</summary>
public sealed record CaseDraft(CaseType Type, string LegalBasis, string Owner, string Notes, DateTimeOffset OpenedAt, string OpenedBy);

/// <summary>Which cases a list holds.</summary>
public enum CaseState
{
    Open,
    Closed,
    All,
}
