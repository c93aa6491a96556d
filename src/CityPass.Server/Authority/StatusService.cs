using CityPass.Core.Citizens;
using CityPass.Server.Auth;
using CityPass.Server.Cases;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using CityPass.Server.Scans;
using CityPass.Server.Validation;

namespace CityPass.Server.Authority;

public sealed record StatusChangeRequest(string? Colour, string? Reason, string? CaseRef);

public sealed record StatusChangeView(string CitizenId, StatusView Previous, StatusView Current, long AuditSequence);

/// <summary>What a single change did: made (<see cref="Change"/>), or held for a second approver (<see cref="Held"/>, the draft it became).</summary>
public sealed record StatusChangeAnswer(StatusChangeView? Change, StatusDraftView? Held);

/// <summary>
/// Health-authority status changes. Each goes through the citizen's grain, the single writer of that
/// citizen: it commits in the system of record with its audit entry first, then updates the hot copy
/// (if that push fails, the reconciler repairs it) and reissues the pass, then answers. Before any of it, the
/// change passes <see cref="StatusCaseRule"/>: yellow or red only under an open health case, and then the
/// <see cref="StatusGuard"/>, which may hold it for a second approver instead. This service is the only way one
/// member of staff changes one status (the API's route, the console's citizen page); many at once go as a draft
/// (<see cref="StatusDraftService"/>).
/// </summary>
public sealed class StatusService(IGrainFactory grains, StatusCaseRule caseRule, StatusGuard guard, StatusDraftService drafts, TimeProvider clock)
{
    public const int MaxReasonLength = 500;
    public const int MaxCaseRefLength = 64;

    // The API's route policy refuses other roles before this; the console relies on this check.
    private static readonly Failure NotAuthority = Failure.Forbidden("Only the health authority and city admins change statuses.");

    private static readonly Failure VersionConflict = new(StatusCodes.Status409Conflict, ProblemCodes.StatusVersionConflict,
        "The citizen's status kept changing while this change was made; nothing was changed. Read it again and retry.");

    public async Task<Outcome<StatusChangeAnswer>> ChangeAsync(AccessScope scope, string citizenId, StatusChangeRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (!CitizenPseudonym.TryParse(citizenId, out var id)) return Failure.NotFound("Citizen");
        var invalid = Validate(request.Colour, request.Reason, request.CaseRef, out var colour);
        if (invalid is not null) return invalid;
        var rule = await caseRule.CheckAsync(colour, request.CaseRef!.Trim(), ct);
        if (rule.Failure is { } refused) return refused;
        var (reason, caseRef) = (request.Reason!.Trim(), rule.Value!);
        if (await grains.Citizen(id).GetAsync() is null) return Failure.NotFound("Citizen");
        if (await guard.CheckAsync(scope, id, caseRef, ct) is { } heldBecause)
        {
            var held = await drafts.HoldAsync(scope, id, colour, reason, caseRef, heldBecause, ct);
            return new StatusChangeAnswer(null, StatusDraftView.From(held, clock.GetUtcNow()));
        }
        var outcome = await grains.Citizen(id).ChangeStatusAsync(colour, reason, caseRef, scope.Actor, scope.RoleName);
        return outcome.Kind switch
        {
            StatusChangeKind.Changed => new StatusChangeAnswer(View(id, outcome), null),
            StatusChangeKind.NotFound => Failure.NotFound("Citizen"),
            StatusChangeKind.Conflict => VersionConflict,
        };
    }

    private static StatusChangeView View(CitizenPseudonym id, StatusChangeOutcome changed) =>
        new(id.ToString(), StatusView.From(changed.Previous!), StatusView.From(changed.Citizen!.Status), changed.AuditSequence);

    internal static Failure? Validate(string? colourText, string? reason, string? caseRef, out StatusColour colour)
    {
        var errors = new Dictionary<string, string[]>();
        if (!StatusColourExtensions.TryParseWireName(colourText, out colour)) errors["colour"] = ["Colour is green, yellow or red."];
        if (FreeText.Check(reason, MaxReasonLength, "A reason") is { } badReason) errors["reason"] = [badReason];
        if (FreeText.Check(caseRef, MaxCaseRefLength, "A case reference") is { } badCase) errors["caseRef"] = [badCase + " Every change belongs to a case."];
        return errors.Count > 0 ? Failure.Invalid(errors) : null;
    }
}
