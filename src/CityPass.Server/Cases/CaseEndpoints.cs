using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Cases;

public static class CaseEndpoints
{
    public static void MapCaseEndpoints(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/v1/cases").WithTags("Health authority").RequireAuthorization(Policies.Authority);
        cases.MapPost("/", async Task<Results<Created<CaseView>, ProblemHttpResult>> (OpenCaseRequest r, ClaimsPrincipal u, CaseService s, CancellationToken ct) =>
        {
            var outcome = await s.OpenAsync(u.Scope(), r, ct);
            return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Created($"/v1/cases/{outcome.Value!.Id}", outcome.Value);
        }).WithSummary("Open a case: its type (health types can stand behind yellow and red, travel_rule cannot), legal basis, owner and notes. The server makes the id (C-2026-000042). Audited.");
        cases.MapGet("/", async (string? state, string? before, int? limit, ClaimsPrincipal u, CaseService s, CancellationToken ct) =>
            (await s.ListAsync(u.Scope(), state, before, limit, ct)).ToOk())
            .WithSummary("Cases newest first; state = open (the default), closed or all; page with 'before' = the previous page's nextBefore.");
        cases.MapGet("/{id}", async (string id, ClaimsPrincipal u, CaseService s, CancellationToken ct) => (await s.GetAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("One case.");
        cases.MapPatch("/{id}", async (string id, UpdateCaseRequest r, ClaimsPrincipal u, CaseService s, CancellationToken ct) =>
            (await s.UpdateAsync(u.Scope(), id, r, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Change an open case's legal basis, owner or notes (fields left out stay); a closed case answers 409 case_closed. Audited.");
        cases.MapPost("/{id}/close", async (string id, CloseCaseRequest r, ClaimsPrincipal u, CaseService s, CancellationToken ct) =>
            (await s.CloseAsync(u.Scope(), id, r, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Close a case with a reason. From then on it cannot stand behind a yellow or red status, and it is never reopened. Audited.");
        cases.MapGet("/{id}/changes", async (string id, long? before, int? limit, ClaimsPrincipal u, CaseService s, CancellationToken ct) =>
            (await s.ChangesAsync(u.Scope(), id, before, limit, ct)).ToOk())
            .WithSummary("Every status change made under the case, newest first: citizen, masked name, from and to, reason, by whom, when (from the audit log).");
    }
}
