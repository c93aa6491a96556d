using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Authority;

public static class StatusDraftEndpoints
{
    /// <summary>A draft names up to <see cref="StatusDraftService.MaxCitizens"/> ids (35 bytes each in JSON): past the small default limit.</summary>
    public const long MaxDraftBytes = 1024 * 1024;

    public static void MapStatusDraftEndpoints(this IEndpointRouteBuilder app)
    {
        var drafts = app.MapGroup("/v1/status-drafts").WithTags("Health authority").RequireAuthorization(Policies.Authority);
        drafts.MapPost("/", async Task<Results<Created<StatusDraftView>, ProblemHttpResult>> (StatusDraftRequest r, ClaimsPrincipal u, StatusDraftService s, CancellationToken ct) =>
            {
                var outcome = await s.DraftAsync(u.Scope(), r, ct);
                return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Created($"/v1/status-drafts/{outcome.Value!.Id}", outcome.Value);
            })
            .WithMetadata(new RequestSizeLimitAttribute(MaxDraftBytes))
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("Draft a bulk status change: one colour, reason and case for up to 10,000 citizens. Nothing changes until a second " +
                         "health authority account approves it; it expires unapproved. Audited.");
        drafts.MapGet("/", async (string? state, string? before, int? limit, ClaimsPrincipal u, StatusDraftService s, CancellationToken ct) =>
            (await s.ListAsync(u.Scope(), state, before, limit, ct)).ToOk())
            .WithSummary("Drafts newest first; state = pending, approved, rejected, expired or all (the default); page with 'before' = nextBefore.");
        drafts.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal u, StatusDraftService s, CancellationToken ct) => (await s.GetAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("One draft with its citizens and, once approved, its progress (done of citizens) and the count of each result.");
        drafts.MapGet("/{id:guid}/results", async (Guid id, string? after, int? limit, ClaimsPrincipal u, StatusDraftService s, CancellationToken ct) =>
            (await s.ResultsAsync(u.Scope(), id, after, limit, ct)).ToOk())
            .WithSummary("An approved draft's per-citizen results (changed with the new version, not_found, status_version_conflict) by citizen id; page with 'after' = nextAfter.");
        drafts.MapPost("/{id:guid}/approve", async Task<Results<Accepted<StatusDraftView>, ProblemHttpResult>> (Guid id, ClaimsPrincipal u, StatusDraftService s, CancellationToken ct) =>
            {
                var outcome = await s.ApproveAsync(u.Scope(), id, ct);
                return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Accepted($"/v1/status-drafts/{id}", outcome.Value!);
            })
            .ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Approve a pending draft (a health authority account other than the drafter's): it runs in the background; follow its progress at the draft. Audited.");
        drafts.MapPost("/{id:guid}/reject", async (Guid id, StatusDraftRejection r, ClaimsPrincipal u, StatusDraftService s, CancellationToken ct) =>
            (await s.RejectAsync(u.Scope(), id, r, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Reject a pending draft with a reason (its drafter may, to withdraw it); nothing of it runs. Audited.");
    }
}
