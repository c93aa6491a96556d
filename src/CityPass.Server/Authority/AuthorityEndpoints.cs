using System.Security.Claims;
using CityPass.Core.Citizens;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Authority;

public sealed record AuditChainView(long Entries, bool Intact, long? FirstBrokenSequence);

public static class AuthorityEndpoints
{
    /// <summary>Imports may be large; everything else keeps the small default body limit.</summary>
    public const long MaxImportBytes = 512L * 1024 * 1024;

    public static void MapAuthorityEndpoints(this IEndpointRouteBuilder app)
    {
        var citizens = app.MapGroup("/v1/citizens").WithTags("Health authority").RequireAuthorization(Policies.Authority);
        citizens.MapGet("/", FindAsync).WithSummary("Look a citizen up by phone or external id.");
        citizens.MapGet("/{id}", async Task<Results<Ok<CitizenView>, ProblemHttpResult>> (string id, IGrainFactory grains) =>
            CitizenPseudonym.TryParse(id, out var pid) && await CitizenView.FromGrainAsync(grains, pid) is { } view ? TypedResults.Ok(view) : Problem.NotFound("Citizen"))
            .WithSummary("A citizen as their grain holds them: status, credentials, bookings, contact.");
        citizens.MapGet("/{id}/status-history", async Task<Results<Ok<IReadOnlyList<StatusHistoryView>>, ProblemHttpResult>> (string id, ICitizenStore store, CancellationToken ct) =>
            CitizenPseudonym.TryParse(id, out var pid) && await store.GetAsync(pid, ct) is not null
                ? TypedResults.Ok<IReadOnlyList<StatusHistoryView>>((await store.GetStatusHistoryAsync(pid, ct)).Select(StatusHistoryView.From).ToList())
                : Problem.NotFound("Citizen"))
            .WithSummary("Every status the citizen has had, oldest first: colour, version, reason, since, the case and the role of who set it (names are in the audit log).");
        citizens.MapPut("/{id}/status", async Task<Results<Ok<StatusChangeView>, Accepted<StatusDraftView>, ProblemHttpResult>> (
                string id, StatusChangeRequest r, ClaimsPrincipal u, StatusService s, CancellationToken ct) =>
            {
                var outcome = await s.ChangeAsync(u.Scope(), id, r, ct);
                if (outcome.Failure is { } f) return f.ToProblem();
                return outcome.Value!.Held is { } held
                    ? TypedResults.Accepted($"/v1/status-drafts/{held.Id}", held)
                    : TypedResults.Ok(outcome.Value.Change!);
            })
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("Change a citizen's status. A reason and a case reference are required; the change is audited with actor, time, old and new. " +
                         "202 with a draft when the anomaly guard holds it for a second approver (too many changes by this account in an hour, or outside the case's scope).");
        citizens.MapPost("/import", ImportAsync)
            .WithMetadata(new RequestSizeLimitAttribute(MaxImportBytes))
            .Accepts<string>("text/csv", "application/x-ndjson")
            .WithSummary("Import citizens from CSV (externalId,phone,fullName,credentials) or NDJSON, streamed; idempotent on externalId; answers a per-row report.");

        var audit = app.MapGroup("/v1/audit").WithTags("Health authority").RequireAuthorization(Policies.Authority);
        audit.MapGet("/", async (IAuditLog log, string? subject, string? actor, string? action, string? caseRef, DateTimeOffset? from, DateTimeOffset? to, long? before, int? limit,
                CancellationToken ct) =>
            TypedResults.Ok(await log.QueryAsync(new AuditQuery(subject, actor, action, from, to, before, Math.Clamp(limit ?? 100, 1, 1000),
                string.IsNullOrWhiteSpace(caseRef) ? null : caseRef.Trim()), ct)))
            .WithSummary("Audit entries, newest first, by subject (citizen:<id>, venue:<id>, operator:<id>, case:<id>), actor, action or case reference; page with 'before' = the last sequence seen.");
        audit.MapGet("/verify", async (IAuditLog log, CancellationToken ct) =>
        {
            var entries = new List<AuditEntry>();
            await foreach (var e in log.ReadAllAsync(ct)) entries.Add(e);
            var broken = AuditChain.FindBreak(entries, AuditChain.Genesis);
            return TypedResults.Ok(new AuditChainView(entries.Count, broken is null, broken));
        }).WithSummary("Check the audit log's hash chain end to end.");
    }

    private static async Task<Results<Ok<CitizenView>, ProblemHttpResult>> FindAsync(ICitizenStore store, IGrainFactory grains, string? phone, string? externalId, CancellationToken ct)
    {
        Citizen? c = null;
        if (phone is not null && PhoneNumbers.TryNormalise(phone, out var p)) c = await store.FindByPhoneAsync(p, ct);
        else if (!string.IsNullOrWhiteSpace(externalId)) c = await store.FindByExternalIdAsync(externalId.Trim(), ct);
        else return Problem.Validation("phone", "Give a phone or an externalId.");
        // The store finds the id; the state shown is the grain's, the one changes go through.
        return c is not null && await CitizenView.FromGrainAsync(grains, c.Id) is { } view ? TypedResults.Ok(view) : Problem.NotFound("Citizen");
    }

    private static async Task<Results<Ok<ImportReport>, ProblemHttpResult>> ImportAsync(HttpRequest request, ClaimsPrincipal u, CitizenImportService import, CancellationToken ct)
    {
        var format = ImportFormats.FromContentType(request.ContentType);
        if (format is null) return Problem.Of(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, ImportFormats.Expected);
        return (await import.ImportAsync(u.Scope(), request.Body, format, ct)).ToOk();
    }
}
