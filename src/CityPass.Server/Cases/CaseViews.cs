namespace CityPass.Server.Cases;

/// <summary>A case to open. <see cref="Owner"/> is a staff username (HealthAuthority or CityAdmin); none makes the opener the owner.</summary>
public sealed record OpenCaseRequest(string? Type, string? LegalBasis, string? Owner, string? Notes);

/// <summary>What to change on an open case; a field left out (null) stays as it is.</summary>
public sealed record UpdateCaseRequest(string? LegalBasis, string? Owner, string? Notes);

public sealed record CloseCaseRequest(string? Reason);

/// <summary>A case as the API and the console show it. <see cref="State"/> is open or closed; <see cref="Health"/> says whether it can stand behind yellow or red.</summary>
public sealed record CaseView(
    string Id, string Type, bool Health, string LegalBasis, string Owner, string Notes, string State,
    DateTimeOffset OpenedAt, string OpenedBy, DateTimeOffset? ClosedAt, string? ClosedBy, string? CloseReason)
{
    public static CaseView From(Case c) => new(c.Id, c.Type.ToWireName(), c.Type.IsHealth(), c.LegalBasis, c.Owner, c.Notes,
        c.IsOpen ? "open" : "closed", c.OpenedAt, c.OpenedBy, c.ClosedAt, c.ClosedBy, c.CloseReason);
}

/// <summary>A page of cases, newest first; <see cref="NextBefore"/> is the 'before' of the next page (null on the last).</summary>
public sealed record CaseListView(IReadOnlyList<CaseView> Items, string? NextBefore);

/// <summary>
/// One status change made under a case: the citizen (id and masked name, null if the citizen is gone), from and to
/// which colour, the reason, the member of staff who made it and when, as the audit log recorded it.
/// </summary>
public sealed record CaseChangeView(long AuditSequence, string CitizenId, string? MaskedName, string From, string To, string Reason, string ChangedBy, DateTimeOffset At);

/// <summary>A page of a case's status changes, newest first; <see cref="NextBefore"/> is the 'before' of the next page.</summary>
public sealed record CaseChangesView(string CaseId, IReadOnlyList<CaseChangeView> Items, long? NextBefore);
