using CityPass.Core.Citizens;

namespace CityPass.Server.Authority;

/// <summary>A bulk change to draft: one reason and case for many citizens (up to <see cref="StatusDraftService.MaxCitizens"/>).</summary>
public sealed record StatusDraftRequest(IReadOnlyList<string>? CitizenIds, string? Colour, string? Reason, string? CaseRef);

/// <summary>Why a draft is rejected (or withdrawn by its drafter).</summary>
public sealed record StatusDraftRejection(string? Reason);

/// <summary>
/// A draft as staff see it. <see cref="Done"/> of <see cref="Citizens"/> is the progress of an approved one, with
/// <see cref="Results"/> counting each outcome; <see cref="CitizenIds"/> is only in the answer for one draft.
/// </summary>
public sealed record StatusDraftView(
    Guid Id,
    string State,
    string Colour,
    string Reason,
    string CaseRef,
    int Citizens,
    string DraftedBy,
    DateTimeOffset DraftedAt,
    DateTimeOffset ExpiresAt,
    string? HeldBecause,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? DecisionReason,
    int Done,
    DateTimeOffset? FinishedAt,
    IReadOnlyDictionary<string, int>? Results,
    IReadOnlyList<string>? CitizenIds)
{
    public static StatusDraftView From(StatusDraft d, DateTimeOffset now, IReadOnlyDictionary<string, int>? results = null, bool withIds = false) => new(
        d.Id, d.StateAt(now).ToWireName(), d.Colour.ToWireName(), d.Reason, d.CaseRef, d.CitizenIds.Count,
        d.DraftedBy, d.DraftedAt, d.ExpiresAt, d.HeldBecause, d.DecidedBy, d.DecidedAt, d.DecisionReason, d.Done, d.FinishedAt, results,
        withIds ? d.CitizenIds.Select(c => c.ToString()).ToList() : null);
}

public sealed record StatusDraftListView(IReadOnlyList<StatusDraftView> Items, DateTimeOffset? NextBefore);

public sealed record StatusDraftResultView(string CitizenId, string Result, uint? Version);

public sealed record StatusDraftResultsView(IReadOnlyList<StatusDraftResultView> Items, string? NextAfter);
