using System.Globalization;
using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Cases;
using CityPass.Server.Operators;
using CityPass.Server.Problems;
using CityPass.Server.Validation;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Authority;

/// <summary>
/// Four eyes on status changes. A bulk change is drafted (<c>status.draft</c>) and a single change the
/// <see cref="StatusGuard"/> holds becomes a one-citizen draft (<c>status.hold</c>); a second account of the health
/// authority approves (<c>status.draft.approve</c>) or anyone of the authority rejects it with a reason
/// (<c>status.draft.reject</c>); the drafter never approves their own. An approved draft is run by the
/// <see cref="StatusDraftRunner"/>. The case rule is checked when drafting and again when approving (the case may have
/// closed in between). Two accounts of one person are two approvers here: that is for the staff register to prevent.
/// Each draft, approval and rejection is stored with its audit entry, together or not at all (<see cref="AuditOf{T}"/>).
/// </summary>
public sealed class StatusDraftService(
    IStatusDraftStore store, StatusCaseRule caseRule, StatusDraftRunner runner, StatusDraftMetrics metrics,
    IOptions<StatusDraftOptions> options, TimeProvider clock, ILogger<StatusDraftService> logger)
{
    public const int MaxCitizens = 10_000;
    public const int MaxPageSize = 200;
    public const int MaxResultsPage = 1_000;
    public const int MaxRejectionLength = 500;

    public const string DraftAction = "status.draft";
    public const string HoldAction = "status.hold";
    public const string ApproveAction = "status.draft.approve";
    public const string RejectAction = "status.draft.reject";

    private static readonly Failure NotAuthority = Failure.Forbidden("Only the health authority and city admins draft and decide status changes.");
    private static readonly Failure NotFound = Failure.NotFound("Draft");

    public async Task<Outcome<StatusDraftView>> DraftAsync(AccessScope scope, StatusDraftRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        var invalid = StatusService.Validate(request.Colour, request.Reason, request.CaseRef, out var colour);
        if (invalid is not null) return invalid;
        if (request.CitizenIds is not { Count: > 0 and <= MaxCitizens } ids) return Failure.Invalid("citizenIds", $"Between 1 and {MaxCitizens} citizen ids.");
        var citizens = new List<CitizenPseudonym>(ids.Count);
        var bad = new List<int>();
        for (var i = 0; i < ids.Count; i++)
        {
            if (CitizenPseudonym.TryParse(ids[i], out var parsed)) citizens.Add(parsed);
            else if (bad.Count < 5) bad.Add(i + 1);
        }
        if (bad.Count > 0) return Failure.Invalid("citizenIds", $"Citizen ids are 32 hex digits; these are not (by position in the list): {string.Join(", ", bad)}.");
        var rule = await caseRule.CheckAsync(colour, request.CaseRef!.Trim(), ct);
        if (rule.Failure is { } refused) return refused;
        var draft = await CreateAsync(scope, colour, request.Reason!.Trim(), rule.Value!, citizens.Distinct().ToList(), heldBecause: null, ct);
        return StatusDraftView.From(draft, clock.GetUtcNow());
    }

    /// <summary>A single change the guard held: stored as a one-citizen draft, alerted in the metrics and the log.</summary>
    internal async Task<StatusDraft> HoldAsync(AccessScope scope, CitizenPseudonym citizen, StatusColour colour, string reason, string caseRef,
        string heldBecause, CancellationToken ct)
    {
        metrics.Held(heldBecause);
        logger.LogWarning("A status change by {Actor} under {CaseRef} was held for a second approver: {HeldBecause}.", scope.Actor, caseRef, heldBecause);
        return await CreateAsync(scope, colour, reason, caseRef, [citizen], heldBecause, ct);
    }

    /// <summary>Newest first; <paramref name="before"/> is the previous page's nextBefore, as text so that a malformed one is named, not a bare 400.</summary>
    public async Task<Outcome<StatusDraftListView>> ListAsync(AccessScope scope, string? state, string? before, int? limit, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        DateTimeOffset? from = null;
        if (!string.IsNullOrWhiteSpace(before))
        {
            if (!DateTimeOffset.TryParse(before, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return Failure.Invalid("before", "'before' is the previous page's nextBefore.");
            }
            from = parsed;
        }
        StatusDraftState? stored = null;
        Func<StatusDraftState, bool> keep = _ => true;
        var wire = state?.Trim().ToLowerInvariant();
        switch (wire)
        {
            case null or "" or "all":
                break;
            // Expired is pending in the store: read pending and tell them apart by the clock.
            case "pending" or "expired":
                stored = StatusDraftState.Pending;
                var wanted = wire == "pending" ? StatusDraftState.Pending : StatusDraftState.Expired;
                keep = s => s == wanted;
                break;
            case "approved":
                stored = StatusDraftState.Approved;
                break;
            case "rejected":
                stored = StatusDraftState.Rejected;
                break;
            default:
                return Failure.Invalid("state", "The state is pending, approved, rejected, expired or all.");
        }
        var size = Math.Clamp(limit ?? 50, 1, MaxPageSize);
        var now = clock.GetUtcNow();
        var drafts = await store.ListAsync(stored, from, size, ct);
        return new StatusDraftListView(drafts.Where(d => keep(d.StateAt(now))).Select(d => StatusDraftView.From(d, now)).ToList(),
            drafts.Count == size ? drafts[^1].DraftedAt : null);
    }

    public async Task<Outcome<StatusDraftView>> GetAsync(AccessScope scope, Guid id, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (await store.GetAsync(id, ct) is not { } draft) return NotFound;
        return StatusDraftView.From(draft, clock.GetUtcNow(), await store.CountResultsAsync(id, ct), withIds: true);
    }

    public async Task<Outcome<StatusDraftResultsView>> ResultsAsync(AccessScope scope, Guid id, string? after, int? limit, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        CitizenPseudonym? from = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (!CitizenPseudonym.TryParse(after, out var parsed)) return Failure.Invalid("after", "'after' is the previous page's nextAfter.");
            from = parsed;
        }
        if (await store.GetAsync(id, ct) is null) return NotFound;
        var size = Math.Clamp(limit ?? 200, 1, MaxResultsPage);
        var results = await store.ListResultsAsync(id, from, size, ct);
        return new StatusDraftResultsView(results.Select(r => new StatusDraftResultView(r.CitizenId.ToString(), r.Result, r.Version)).ToList(),
            results.Count == size ? results[^1].CitizenId.ToString() : null);
    }

    public async Task<Outcome<StatusDraftView>> ApproveAsync(AccessScope scope, Guid id, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (scope.Role != OperatorRole.HealthAuthority)
        {
            return new Failure(StatusCodes.Status403Forbidden, StatusDraftCodes.ApproverRole, "Only a health authority account approves a status change.");
        }
        if (await store.GetAsync(id, ct) is not { } draft) return NotFound;
        if (draft.DraftedById == scope.OperatorId)
        {
            return new Failure(StatusCodes.Status403Forbidden, StatusDraftCodes.OwnDraft, "A draft is approved by someone other than its drafter.");
        }
        if (NotPending(draft) is { } notPending) return notPending;
        // Again: the case may have closed since the draft was made, and a closed case stands behind no one.
        var rule = await caseRule.CheckAsync(draft.Colour, draft.CaseRef, ct);
        if (rule.Failure is { } refused) return refused;

        var now = clock.GetUtcNow();
        if (await store.DecideAsync(id, approve: true, scope.OperatorId, scope.Actor, now, null,
                d => new AuditDraft(now, scope.Actor, ApproveAction, d.Subject, "pending", Describe(d), $"Approved the draft by {d.DraftedBy}", d.CaseRef), ct)
            is not { } approved)
        {
            return await store.GetAsync(id, ct) is { } moved && NotPending(moved) is { } lost ? lost : NotFound;
        }
        metrics.Draft("approved");
        runner.Start(approved.Id);
        return StatusDraftView.From(approved, now);
    }

    public async Task<Outcome<StatusDraftView>> RejectAsync(AccessScope scope, Guid id, StatusDraftRejection request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (FreeText.Check(request.Reason, MaxRejectionLength, "A reason") is { } badReason) return Failure.Invalid("reason", badReason);
        if (await store.GetAsync(id, ct) is not { } draft) return NotFound;
        if (NotPending(draft) is { } notPending) return notPending;
        var now = clock.GetUtcNow();
        var reason = request.Reason!.Trim();
        if (await store.DecideAsync(id, approve: false, scope.OperatorId, scope.Actor, now, reason,
                d => new AuditDraft(now, scope.Actor, RejectAction, d.Subject, "pending", Describe(d), reason, d.CaseRef), ct) is not { } rejected)
        {
            return await store.GetAsync(id, ct) is { } moved && NotPending(moved) is { } lost ? lost : NotFound;
        }
        metrics.Draft("rejected");
        return StatusDraftView.From(rejected, now);
    }

    /// <summary>Pending drafts not yet expired: the console's alert for the authority.</summary>
    public Task<int> CountAwaitingAsync(CancellationToken ct) => store.CountAwaitingAsync(clock.GetUtcNow(), ct);

    private async Task<StatusDraft> CreateAsync(AccessScope scope, StatusColour colour, string reason, string caseRef,
        List<CitizenPseudonym> citizens, string? heldBecause, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // A held change names its one citizen, so the citizen's audit trail shows it was asked for; a bulk draft names its size.
        var draft = await store.CreateAsync(new NewStatusDraft(colour, reason, caseRef, citizens, scope.OperatorId, scope.Actor, now,
            now + options.Value.ExpiresAfter, heldBecause), d => new AuditDraft(now, scope.Actor, heldBecause is null ? DraftAction : HoldAction,
            heldBecause is null ? d.Subject : "citizen:" + citizens[0], null, Describe(d) + (heldBecause is null ? "" : $", held: {heldBecause}, {d.Subject}"),
            reason, caseRef), ct);
        metrics.Draft("drafted");
        return draft;
    }

    private Failure? NotPending(StatusDraft draft) => draft.StateAt(clock.GetUtcNow()) switch
    {
        StatusDraftState.Pending => null,
        StatusDraftState.Expired => new Failure(StatusCodes.Status409Conflict, StatusDraftCodes.Expired,
            "The draft expired before anyone approved it; nothing of it ran. Draft it again if it is still needed."),
        _ => new Failure(StatusCodes.Status409Conflict, StatusDraftCodes.Decided, $"The draft was {draft.State.ToWireName()} already."),
    };

    private static string Describe(StatusDraft d) => $"{d.Colour.ToWireName()} for {d.CitizenIds.Count} citizen(s)";
}
