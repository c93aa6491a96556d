using CityPass.Core.Citizens;
using CityPass.Server.Citizens;

namespace CityPass.Server.Appeals;

/// <summary>A citizen's appeal: why they think their current yellow or red status is wrong.</summary>
public sealed record OpenAppealRequest(string? Reason);

/// <summary>
/// An authority's decision: <see cref="Decision"/> is uphold or reject; <see cref="Reason"/> is required. An upheld
/// appeal sets <see cref="Colour"/> (green unless told; only a colour milder than the one appealed) under
/// <see cref="CaseRef"/> (the appealed status's case unless told; yellow needs an open health case, as always).
/// </summary>
public sealed record AppealDecisionRequest(string? Decision, string? Reason, string? Colour = null, string? CaseRef = null);

/// <summary>
/// An appeal as its citizen sees it: what was appealed, the outcome, and the ROLE of who decided, never their name.
/// <see cref="StatusChangedSince"/>: still open, but the status it is about has changed (it will close as superseded).
/// </summary>
public sealed record CitizenAppealView(
    Guid Id, string State, string Colour, uint StatusVersion, string? CaseRef, string Reason, DateTimeOffset OpenedAt,
    DateTimeOffset? DecidedAt, string? DecidedByRole, string? DecisionReason, string? OutcomeColour, bool StatusChangedSince)
{
    public static CitizenAppealView From(Appeal a, uint currentVersion) => new(
        a.Id, a.State.ToWireName(), a.Colour.ToWireName(), a.StatusVersion, a.CaseRef, a.Reason, a.OpenedAt,
        a.Decision?.At, a.Decision?.ByRole, a.Decision?.Reason, a.Decision?.Outcome?.ToWireName(), a.State == AppealState.Open && currentVersion != a.StatusVersion);
}

/// <summary>The citizen's appeals, newest first.</summary>
public sealed record CitizenAppealListView(IReadOnlyList<CitizenAppealView> Items);

/// <summary>
/// An appeal as the authority sees it: the citizen (id, masked name, current status: null if the citizen is gone),
/// the status appealed, the reason, and the decision with who made it.
/// </summary>
public sealed record AppealView(
    Guid Id, string CitizenId, string? MaskedName, StatusView? CurrentStatus, string Colour, uint StatusVersion, string? CaseRef, string Reason,
    DateTimeOffset OpenedAt, string State, DateTimeOffset? DecidedAt, string? DecidedBy, string? DecidedByRole, string? DecisionReason,
    string? OutcomeColour, bool StatusChangedSince)
{
    public static AppealView From(Appeal a, Citizens.Citizen? citizen) => new(
        a.Id, a.CitizenId.ToString(), citizen is null ? null : NameMasking.Mask(citizen.FullName), citizen is null ? null : StatusView.From(citizen.Status),
        a.Colour.ToWireName(), a.StatusVersion, a.CaseRef, a.Reason, a.OpenedAt, a.State.ToWireName(), a.Decision?.At, a.Decision?.By, a.Decision?.ByRole,
        a.Decision?.Reason, a.Decision?.Outcome?.ToWireName(), a.State == AppealState.Open && citizen is not null && citizen.Status.Version != a.StatusVersion);
}

/// <summary>A list of appeals: open ones oldest first, or decided ones newest decision first.</summary>
public sealed record AppealListView(string State, IReadOnlyList<AppealView> Items);
