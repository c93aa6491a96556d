using CityPass.Core.Citizens;

namespace CityPass.Server.Authority;

/// <summary>
/// A status change that waits for a second member of the health authority before it runs: every bulk change, and a
/// single change the <see cref="StatusGuard"/> held. The drafter cannot approve it; it expires unapproved after
/// <see cref="StatusDraftOptions.ExpiresAfterHours"/>; once approved it runs through the citizens' grains, each
/// citizen's result recorded as it is made (so the progress is the number of results).
/// </summary>
public sealed record StatusDraft(
    Guid Id,
    StatusColour Colour,
    string Reason,
    string CaseRef,
    IReadOnlyList<CitizenPseudonym> CitizenIds,
    Guid DraftedById,
    string DraftedBy,
    DateTimeOffset DraftedAt,
    DateTimeOffset ExpiresAt,
    string? HeldBecause)
{
    public StatusDraftState State { get; init; } = StatusDraftState.Pending;

    public string? DecidedBy { get; init; }

    public DateTimeOffset? DecidedAt { get; init; }

    public string? DecisionReason { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>How many citizens have a result: the progress of an approved draft.</summary>
    public int Done { get; init; }

    /// <summary>A pending draft past its expiry is expired: nothing needs to run for it to become so.</summary>
    public StatusDraftState StateAt(DateTimeOffset now) =>
        State == StatusDraftState.Pending && now >= ExpiresAt ? StatusDraftState.Expired : State;

    /// <summary>The audit subject of the draft's own entries.</summary>
    public string Subject => "status-draft:" + Id;

    /// <summary>The actor of the status changes the draft makes: the draft, whose own entries name who drafted and who approved.</summary>
    public string ChangeActor => Subject;
}

public enum StatusDraftState
{
    /// <summary>Waiting for a second approver.</summary>
    Pending,

    /// <summary>Approved: running, or ran (<see cref="StatusDraft.FinishedAt"/> says which).</summary>
    Approved,

    /// <summary>Refused by a member of the authority (or withdrawn by the drafter), with a reason; nothing changed.</summary>
    Rejected,

    /// <summary>Not approved in time; nothing changed. Never stored: read from the expiry.</summary>
    Expired,
}

public static class StatusDraftStates
{
    public static string ToWireName(this StatusDraftState state) => state switch
    {
        StatusDraftState.Pending => "pending",
        StatusDraftState.Approved => "approved",
        StatusDraftState.Rejected => "rejected",
        StatusDraftState.Expired => "expired",
    };
}

/// <summary>A draft to store; the store gives it its id.</summary>
public sealed record NewStatusDraft(
    StatusColour Colour, string Reason, string CaseRef, IReadOnlyList<CitizenPseudonym> CitizenIds,
    Guid DraftedById, string DraftedBy, DateTimeOffset DraftedAt, DateTimeOffset ExpiresAt, string? HeldBecause);

/// <summary>What happened to one citizen of an approved draft: changed (with the new version), not_found or status_version_conflict.</summary>
public sealed record StatusDraftResult(CitizenPseudonym CitizenId, string Result, uint? Version);
