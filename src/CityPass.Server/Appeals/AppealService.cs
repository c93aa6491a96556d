using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Authority;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using CityPass.Server.Validation;

namespace CityPass.Server.Appeals;

/// <summary>
/// Appeals against a yellow or red status. A citizen opens one from the H5 page with a reason; it waits in the
/// authority's queue; a HealthAuthority or CityAdmin user upholds it (the status changes through
/// <see cref="StatusService"/>, the only way staff change a status, so the case rule and the audit are the usual
/// ones) or rejects it, with a reason. The rules (docs/api.md, "Appeals"):
/// <list type="bullet">
/// <item>green is not appealable (422 appeal_status_green);</item>
/// <item>one open appeal per citizen (409 appeal_already_open), one appeal per status version: a rejected appeal is
/// not made again until the status changes (409 appeal_status_already_appealed);</item>
/// <item>an appeal whose status changed before it was decided is closed as superseded, not decided (409 appeal_superseded);
/// a citizen's new appeal on the new status closes the old one the same way;</item>
/// <item>a decision on an appeal no longer open is 409 appeal_already_decided;</item>
/// <item>the citizen sees the role of who decided, never the name.</item>
/// </list>
/// Everything is audited under the citizen's subject with the appeal's case: <c>appeal.open</c> (by the citizen),
/// <c>appeal.decide</c> (by staff), <c>appeal.supersede</c>; each entry is stored with the appeal's change, together or
/// not at all (<see cref="AuditOf{T}"/>).
/// </summary>
public sealed class AppealService(
    IAppealStore store, ICitizenStore citizens, IGrainFactory grains, StatusService statuses, TimeProvider clock)
{
    public const int MaxReasonLength = 500;

    /// <summary>Shorter than a status reason by the words an upheld appeal puts in front ("Appeal upheld: ").</summary>
    public const int MaxDecisionReasonLength = 480;

    public const int MaxPageSize = 200;

    /// <summary>The citizen's own list: the newest are what the page shows.</summary>
    public const int CitizenListSize = 20;

    public const string OpenAction = "appeal.open";
    public const string DecideAction = "appeal.decide";
    public const string SupersedeAction = "appeal.supersede";

    /// <summary>Status reason of a change an upheld appeal makes, before the decider's reason.</summary>
    public const string UpheldReasonPrefix = "Appeal upheld: ";

    // The API's route policy refuses other roles before this; the console relies on this check.
    private static readonly Failure NotAuthority = Failure.Forbidden("Only the health authority and city admins decide appeals.");

    private static readonly Failure NotFound = Failure.NotFound("Appeal");

    private static readonly Failure Green = new(StatusCodes.Status422UnprocessableEntity, AppealCodes.StatusNotAppealable,
        "Your status is green: there is nothing to appeal.");

    private static readonly Failure AlreadyOpen = new(StatusCodes.Status409Conflict, AppealCodes.AlreadyOpen,
        "You have an open appeal already: wait for its decision.");

    private static readonly Failure StatusAlreadyAppealed = new(StatusCodes.Status409Conflict, AppealCodes.StatusAlreadyAppealed,
        "This status was appealed already and the appeal was decided; a new appeal is possible once the status changes.");

    private static readonly Failure AlreadyDecided = new(StatusCodes.Status409Conflict, AppealCodes.AlreadyDecided,
        "The appeal is no longer open: it was decided already.");

    private static readonly Failure Superseded = new(StatusCodes.Status409Conflict, AppealCodes.Superseded,
        "The citizen's status changed after the appeal was made: the appeal was closed as superseded, nothing was decided.");

    /// <summary>The signed-in citizen appeals their current status.</summary>
    public async Task<Outcome<CitizenAppealView>> OpenAsync(CitizenPseudonym citizenId, OpenAppealRequest request, CancellationToken ct)
    {
        if (FreeText.Check(request.Reason, MaxReasonLength, "A reason") is { } badReason) return Failure.Invalid("reason", badReason);
        if (await grains.Citizen(citizenId).GetAsync() is not { } citizen) return Failure.NotFound("Citizen");
        var status = citizen.Status;
        if (status.Colour == StatusColour.Green) return Green;

        var mine = await store.ListByCitizenAsync(citizenId, CitizenListSize, ct);
        if (mine.FirstOrDefault(a => a.StatusVersion == status.Version) is { } same) return same.State == AppealState.Open ? AlreadyOpen : StatusAlreadyAppealed;
        // An open appeal on an older status has nothing left to decide: it makes way for this one (if staff decided it in
        // the same moment, that decision stands; either way it is no longer open).
        if (mine.FirstOrDefault(a => a.State == AppealState.Open) is { } stale) await SupersedeAsync(stale, status, "citizen:" + citizenId, ct);

        var history = await citizens.GetStatusHistoryAsync(citizenId, ct);
        var caseRef = history.LastOrDefault(h => h.Version == status.Version)?.CaseRef;
        var now = clock.GetUtcNow();
        var appeal = new Appeal(Guid.CreateVersion7(now), citizenId, status.Version, status.Colour, caseRef, request.Reason!.Trim(), now);
        var opened = await store.OpenAsync(appeal, a => new AuditDraft(now, "citizen:" + citizenId, OpenAction, Subject(a), Describe(status), $"appeal {a.Id} open",
            a.Reason, caseRef), ct);
        switch (opened)
        {
            case AppealOpenResult.AlreadyOpen: return AlreadyOpen;
            case AppealOpenResult.StatusAlreadyAppealed: return StatusAlreadyAppealed;
            case AppealOpenResult.Opened: break;
        }
        return CitizenAppealView.From(appeal, status.Version);
    }

    /// <summary>The signed-in citizen's appeals, newest first.</summary>
    public async Task<Outcome<CitizenAppealListView>> MineAsync(CitizenPseudonym citizenId, CancellationToken ct)
    {
        if (await grains.Citizen(citizenId).GetAsync() is not { } citizen) return Failure.NotFound("Citizen");
        var mine = await store.ListByCitizenAsync(citizenId, CitizenListSize, ct);
        return new CitizenAppealListView(mine.Select(a => CitizenAppealView.From(a, citizen.Status.Version)).ToList());
    }

    /// <summary>Open appeals oldest first (the queue; the default), or decided ones newest decision first.</summary>
    public async Task<Outcome<AppealListView>> ListAsync(AccessScope scope, string? state, int? limit, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        bool? open = state?.Trim().ToLowerInvariant() switch
        {
            null or "" or "open" => true,
            "decided" => false,
            _ => null,
        };
        if (open is null) return Failure.Invalid("state", "The state is open or decided.");
        var appeals = await store.ListAsync(open.Value, Math.Clamp(limit ?? 50, 1, MaxPageSize), ct);
        var items = new List<AppealView>(appeals.Count);
        foreach (var a in appeals) items.Add(AppealView.From(a, await grains.Citizen(a.CitizenId).GetAsync()));
        return new AppealListView(open.Value ? "open" : "decided", items);
    }

    public async Task<Outcome<AppealView>> GetAsync(AccessScope scope, string id, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (await FindAsync(id, ct) is not { } appeal) return NotFound;
        return AppealView.From(appeal, await grains.Citizen(appeal.CitizenId).GetAsync());
    }

    public async Task<Outcome<AppealView>> DecideAsync(AccessScope scope, string id, AppealDecisionRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (await FindAsync(id, ct) is not { } appeal) return NotFound;
        var errors = new Dictionary<string, string[]>();
        var uphold = request.Decision?.Trim().ToLowerInvariant() switch
        {
            "uphold" => true,
            "reject" => false,
            _ => (bool?)null,
        };
        if (uphold is null) errors["decision"] = ["The decision is uphold or reject."];
        if (FreeText.Check(request.Reason, MaxDecisionReasonLength, "A reason") is { } badReason) errors["reason"] = [badReason + " Say why: the citizen reads it."];
        var outcome = StatusColour.Green;
        if (uphold == true && !string.IsNullOrWhiteSpace(request.Colour)
            && (!StatusColourExtensions.TryParseWireName(request.Colour, out outcome) || !IsMilder(outcome, appeal.Colour)))
        {
            errors["colour"] = [$"An upheld appeal against {appeal.Colour.ToWireName()} sets a milder colour: {string.Join(" or ", Milder(appeal.Colour).Select(c => c.ToWireName()))}."];
        }
        if (errors.Count > 0) return Failure.Invalid(errors);
        if (appeal.State != AppealState.Open) return AlreadyDecided;

        if (await grains.Citizen(appeal.CitizenId).GetAsync() is not { } citizen) return NotFound;
        if (citizen.Status.Version != appeal.StatusVersion)
        {
            return await SupersedeAsync(appeal, citizen.Status, scope.Actor, ct) is null ? AlreadyDecided : Superseded;
        }

        var reason = request.Reason!.Trim();
        if (uphold == true)
        {
            // The status first: if the case rule refuses the colour, the appeal stays open and nothing is recorded. Of two
            // decisions at once, the store lets one stand; a status change the other made is audited on its own entry.
            var caseRef = string.IsNullOrWhiteSpace(request.CaseRef) ? appeal.CaseRef ?? $"appeal {appeal.Id}" : request.CaseRef.Trim();
            var changed = await statuses.ChangeAsync(scope, appeal.CitizenId.ToString(), new StatusChangeRequest(outcome.ToWireName(), UpheldReasonPrefix + reason, caseRef), ct);
            if (changed.Failure is { } refused) return refused;
            // The anomaly guard held the change for a second approver: the status has not changed, so nothing is decided
            // (an "upheld" the draft's rejection could contradict); the appeal stays open (docs/api.md, "Appeals").
            if (changed.Value!.Held is { } held)
            {
                return new Failure(StatusCodes.Status409Conflict, AppealCodes.ChangeHeld,
                    $"The status change was held for a second approver (draft {held.Id}); the appeal stays open. Once the draft is approved the status has changed and the appeal closes as superseded.");
            }
        }

        var now = clock.GetUtcNow();
        var decision = new AppealDecision(uphold == true ? AppealState.Upheld : AppealState.Rejected, now, scope.Actor, scope.RoleName, reason,
            uphold == true ? outcome : null);
        if (await store.DecideAsync(appeal.Id, decision, d => new AuditDraft(now, scope.Actor, DecideAction, Subject(d), $"appeal {d.Id} open",
                $"appeal {d.Id} {d.State.ToWireName()}" + (decision.Outcome is { } c ? $": {c.ToWireName()}" : ""), reason, d.CaseRef), ct) is not { } decided)
        {
            return AlreadyDecided;
        }
        return AppealView.From(decided, await grains.Citizen(appeal.CitizenId).GetAsync());
    }

    /// <summary>
    /// Closes an open appeal whose status has changed since. The closing is automatic, so the citizen is shown
    /// "system" as who closed it; the audit entry names who noticed (<paramref name="actor"/>). Null when it was decided meanwhile.
    /// </summary>
    private async Task<Appeal?> SupersedeAsync(Appeal appeal, CitizenStatus current, string actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var reason = $"The status changed (v{appeal.StatusVersion} to v{current.Version}) before the appeal was decided.";
        var decision = new AppealDecision(AppealState.Superseded, now, actor, StatusChange.SystemRole, reason, null);
        return await store.DecideAsync(appeal.Id, decision, closed => new AuditDraft(now, actor, SupersedeAction, Subject(closed), $"appeal {closed.Id} open",
            $"appeal {closed.Id} superseded", reason, closed.CaseRef), ct);
    }

    private async Task<Appeal?> FindAsync(string id, CancellationToken ct) => Guid.TryParse(id, out var g) ? await store.GetAsync(g, ct) : null;

    /// <summary>Appeals are audited under their citizen, so the audit log's citizen filter finds them with the status changes.</summary>
    private static string Subject(Appeal a) => "citizen:" + a.CitizenId;

    private static string Describe(CitizenStatus s) => $"{s.Colour.ToWireName()} v{s.Version}";

    /// <summary>Green is milder than yellow, yellow than red: the only direction an upheld appeal moves a status.</summary>
    private static int Severity(StatusColour c) => c switch
    {
        StatusColour.Green => 0,
        StatusColour.Yellow => 1,
        StatusColour.Red => 2,
    };

    private static bool IsMilder(StatusColour candidate, StatusColour than) => Severity(candidate) < Severity(than);

    private static IEnumerable<StatusColour> Milder(StatusColour than) => Enum.GetValues<StatusColour>().Where(c => IsMilder(c, than));
}
