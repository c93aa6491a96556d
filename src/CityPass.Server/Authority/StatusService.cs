using CityPass.Core.Citizens;
using CityPass.Server.Auth;
using CityPass.Server.Cases;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using CityPass.Server.Scans;
using CityPass.Server.Validation;

namespace CityPass.Server.Authority;

public sealed record StatusChangeRequest(string? Colour, string? Reason, string? CaseRef);

public sealed record BulkStatusChangeRequest(IReadOnlyList<string>? CitizenIds, string? Colour, string? Reason, string? CaseRef);

public sealed record StatusView(string Colour, uint Version, string Reason, DateTimeOffset Since)
{
    public static StatusView From(CitizenStatus s) => new(s.Colour.ToWireName(), s.Version, s.Reason, s.Since);
}

public sealed record StatusChangeView(string CitizenId, StatusView Previous, StatusView Current, long AuditSequence);

public sealed record BulkStatusChangeItem(string CitizenId, string Result, StatusChangeView? Change);

public sealed record BulkStatusChangeView(int Changed, int NotFound, IReadOnlyList<BulkStatusChangeItem> Items);

/// <summary>
/// Health-authority status changes. Each goes through the citizen's grain, the single writer of that
/// citizen: it commits in the system of record with its audit entry first, then updates the hot copy
/// (if that push fails, the reconciler repairs it) and reissues the pass, then answers. Before any of it, the
/// change passes <see cref="StatusCaseRule"/>: yellow or red only under an open health case. This service is the
/// only way staff change a status (the API's single and bulk routes, the console's citizen page).
/// </summary>
public sealed class StatusService(IGrainFactory grains, StatusCaseRule caseRule, ILogger<StatusService> logger)
{
    public const int MaxBulk = 10_000;
    public const int MaxReasonLength = 500;
    public const int MaxCaseRefLength = 64;

    /// <summary>Citizens changed at once by a bulk change: each is a grain call and a database transaction.</summary>
    public const int BulkConcurrency = 32;

    // The API's route policy refuses other roles before this; the console relies on this check.
    private static readonly Failure NotAuthority = Failure.Forbidden("Only the health authority and city admins change statuses.");

    private static readonly Failure VersionConflict = new(StatusCodes.Status409Conflict, ProblemCodes.StatusVersionConflict,
        "The citizen's status kept changing while this change was made; nothing was changed. Read it again and retry.");

    public async Task<Outcome<StatusChangeView>> ChangeAsync(AccessScope scope, string citizenId, StatusChangeRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (!CitizenPseudonym.TryParse(citizenId, out var id)) return Failure.NotFound("Citizen");
        var invalid = Validate(request.Colour, request.Reason, request.CaseRef, out var colour);
        if (invalid is not null) return invalid;
        var rule = await caseRule.CheckAsync(colour, request.CaseRef!.Trim(), ct);
        if (rule.Failure is { } refused) return refused;
        var outcome = await grains.Citizen(id).ChangeStatusAsync(colour, request.Reason!.Trim(), rule.Value!, scope.Actor, scope.RoleName);
        return outcome.Kind switch
        {
            StatusChangeKind.Changed => View(id, outcome),
            StatusChangeKind.NotFound => Failure.NotFound("Citizen"),
            StatusChangeKind.Conflict => VersionConflict,
        };
    }

    /// <summary>
    /// One reason and case for many citizens, fanned out to their grains <see cref="BulkConcurrency"/> at a time;
    /// the answer lists every id in the order given with what happened to it.
    /// </summary>
    public async Task<Outcome<BulkStatusChangeView>> ChangeManyAsync(AccessScope scope, BulkStatusChangeRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        var invalid = Validate(request.Colour, request.Reason, request.CaseRef, out var colour);
        if (invalid is not null) return invalid;
        if (request.CitizenIds is not { Count: > 0 and <= MaxBulk } ids) return Failure.Invalid("citizenIds", $"Between 1 and {MaxBulk} citizen ids.");
        // Once for the whole list, before anyone is changed: a refused case changes no one.
        var rule = await caseRule.CheckAsync(colour, request.CaseRef!.Trim(), ct);
        if (rule.Failure is { } refused) return refused;
        var (reason, caseRef) = (request.Reason!.Trim(), rule.Value!);
        var distinct = ids.Distinct(StringComparer.Ordinal).ToArray();
        var items = new BulkStatusChangeItem[distinct.Length];
        var done = 0;
        // Not the request's cancellation: once begun, every change is made and reported (each is audited on its own).
        await Parallel.ForEachAsync(Enumerable.Range(0, distinct.Length), new ParallelOptions { MaxDegreeOfParallelism = BulkConcurrency }, async (i, _) =>
        {
            var raw = distinct[i];
            var outcome = CitizenPseudonym.TryParse(raw, out var id)
                ? await grains.Citizen(id).ChangeStatusAsync(colour, reason, caseRef, scope.Actor, scope.RoleName)
                : new StatusChangeOutcome(StatusChangeKind.NotFound);
            items[i] = outcome.Kind switch
            {
                StatusChangeKind.Changed => new BulkStatusChangeItem(raw, "changed", View(id, outcome)),
                StatusChangeKind.NotFound => new BulkStatusChangeItem(raw, "not_found", null),
                StatusChangeKind.Conflict => new BulkStatusChangeItem(raw, ProblemCodes.StatusVersionConflict, null),
            };
            var finished = Interlocked.Increment(ref done);
            if (finished % 1000 == 0) logger.LogInformation("Bulk status change under case {CaseRef}: {Done} of {Total} citizens.", caseRef, finished, distinct.Length);
        });
        return new BulkStatusChangeView(items.Count(i => i.Change is not null), items.Count(i => i.Result == "not_found"), items);
    }

    private static StatusChangeView View(CitizenPseudonym id, StatusChangeOutcome changed) =>
        new(id.ToString(), StatusView.From(changed.Previous!), StatusView.From(changed.Citizen!.Status), changed.AuditSequence);

    private static Failure? Validate(string? colourText, string? reason, string? caseRef, out StatusColour colour)
    {
        var errors = new Dictionary<string, string[]>();
        if (!StatusColourExtensions.TryParseWireName(colourText, out colour)) errors["colour"] = ["Colour is green, yellow or red."];
        if (FreeText.Check(reason, MaxReasonLength, "A reason") is { } badReason) errors["reason"] = [badReason];
        if (FreeText.Check(caseRef, MaxCaseRefLength, "A case reference") is { } badCase) errors["caseRef"] = [badCase + " Every change belongs to a case."];
        return errors.Count > 0 ? Failure.Invalid(errors) : null;
    }
}
