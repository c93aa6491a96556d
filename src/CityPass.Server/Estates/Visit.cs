using CityPass.Core.Citizens;

namespace CityPass.Server.Estates;

/// <summary>
/// A visitor's registration at an estate: whom they visit (the unit), why, and when. A resident of the unit approves or
/// declines it; approved, it admits the visitor at the estate's gates during [<see cref="ValidFrom"/>, <see cref="ValidUntil"/>).
/// <see cref="VisitorName"/> is masked when stored: the trail never holds the full name.
/// </summary>
public sealed record Visit(
    Guid Id,
    Guid VenueId,
    string Unit,
    CitizenPseudonym VisitorId,
    string VisitorName,
    string Purpose,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    VisitStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DecidedAt)
{
    /// <summary>Whether its window is over at <paramref name="now"/>: nobody can approve or decline it any more.</summary>
    public bool EndedAt(DateTimeOffset now) => ValidUntil <= now;
}

public enum VisitStatus
{
    Pending,
    Approved,
    Declined,
}

/// <summary>What a registration did.</summary>
public enum VisitRegistration
{
    Registered,
    /// <summary>No such estate.</summary>
    EstateNotFound,
    /// <summary>Nobody is listed in the unit, so nobody could approve it.</summary>
    UnitUnknown,
    /// <summary>The visitor has <see cref="EstateService.MaxOpenVisitsPerVisitor"/> visits waiting or to come already.</summary>
    TooMany,
}

/// <summary>What a host's decision did.</summary>
public enum VisitDecision
{
    Approved,
    Declined,
    /// <summary>Decided so already: nothing changed (a retried tap).</summary>
    Unchanged,
    /// <summary>No such visit, or the citizen is not a resident of its unit (the same answer: ids cannot be probed).</summary>
    NotFound,
    /// <summary>Its window is over.</summary>
    Ended,
    /// <summary>An approval of a declined visit: the visitor registers again.</summary>
    AlreadyDeclined,
}
