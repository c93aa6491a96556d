using CityPass.Core.Citizens;
using CityPass.Server.Auth;
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
/// Health-authority status changes. Each commits in the system of record with its audit entry
/// first, then updates the hot copy; if that push fails, the reconciler repairs it.
/// </summary>
public sealed class StatusService(ICitizenStore citizens, IHotState hot, TimeProvider clock, ILogger<StatusService> logger)
{
    public const int MaxBulk = 10_000;
    public const int MaxReasonLength = 500;
    public const int MaxCaseRefLength = 64;

    // The API's route policy refuses other roles before this; the console relies on this check.
    private static readonly Failure NotAuthority = Failure.Forbidden("Only the health authority and city admins change statuses.");

    public async Task<Outcome<StatusChangeView>> ChangeAsync(AccessScope scope, string citizenId, StatusChangeRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        if (!CitizenPseudonym.TryParse(citizenId, out var id)) return Failure.NotFound("Citizen");
        var invalid = Validate(request.Colour, request.Reason, request.CaseRef, out var colour);
        if (invalid is not null) return invalid;
        var view = await ApplyAsync(scope, id, colour, request.Reason!.Trim(), request.CaseRef!.Trim(), ct);
        return view is null ? Failure.NotFound("Citizen") : view;
    }

    public async Task<Outcome<BulkStatusChangeView>> ChangeManyAsync(AccessScope scope, BulkStatusChangeRequest request, CancellationToken ct)
    {
        if (!scope.IsAuthority) return NotAuthority;
        var invalid = Validate(request.Colour, request.Reason, request.CaseRef, out var colour);
        if (invalid is not null) return invalid;
        if (request.CitizenIds is not { Count: > 0 and <= MaxBulk } ids) return Failure.Invalid("citizenIds", $"Between 1 and {MaxBulk} citizen ids.");
        var items = new List<BulkStatusChangeItem>(ids.Count);
        foreach (var raw in ids.Distinct(StringComparer.Ordinal))
        {
            var view = CitizenPseudonym.TryParse(raw, out var id) ? await ApplyAsync(scope, id, colour, request.Reason!.Trim(), request.CaseRef!.Trim(), ct) : null;
            items.Add(new BulkStatusChangeItem(raw, view is null ? "not_found" : "changed", view));
        }
        return new BulkStatusChangeView(items.Count(i => i.Change is not null), items.Count(i => i.Change is null), items);
    }

    private async Task<StatusChangeView?> ApplyAsync(AccessScope scope, CitizenPseudonym id, StatusColour colour, string reason, string caseRef, CancellationToken ct)
    {
        var result = await citizens.ChangeStatusAsync(new StatusChange(id, colour, reason, caseRef, scope.Actor, clock.GetUtcNow()), ct);
        if (result is null) return null;
        try
        {
            await hot.PutCitizenAsync(result.Citizen.ToHot(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Committed and audited already; the gate will see it once the reconciler pushes it.
            logger.LogWarning(e, "Status of a citizen committed but not pushed to the hot store; the reconciler will repair it");
        }
        return new StatusChangeView(id.ToString(), StatusView.From(result.Previous), StatusView.From(result.Citizen.Status), result.Audit.Sequence);
    }

    private static Failure? Validate(string? colourText, string? reason, string? caseRef, out StatusColour colour)
    {
        var errors = new Dictionary<string, string[]>();
        if (!StatusColourExtensions.TryParseWireName(colourText, out colour)) errors["colour"] = ["Colour is green, yellow or red."];
        if (FreeText.Check(reason, MaxReasonLength, "A reason") is { } badReason) errors["reason"] = [badReason];
        if (FreeText.Check(caseRef, MaxCaseRefLength, "A case reference") is { } badCase) errors["caseRef"] = [badCase + " Every change belongs to a case."];
        return errors.Count > 0 ? Failure.Invalid(errors) : null;
    }
}
