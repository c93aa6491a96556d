using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using CityPass.Server.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Appeals;

public static class AppealEndpoints
{
    public static void MapAppealEndpoints(this IEndpointRouteBuilder app)
    {
        // The citizen's routes name no citizen: a citizen token reaches only its own appeals.
        var mine = app.MapGroup("/v1/me/appeals").WithTags("Citizen").RequireAuthorization(Policies.Citizen).RequireRateLimiting(RateLimits.PerCitizen);
        mine.MapPost("/", async Task<Results<Created<CitizenAppealView>, ProblemHttpResult>> (OpenAppealRequest r, ClaimsPrincipal u, AppealService s, CancellationToken ct) =>
        {
            var outcome = await s.OpenAsync(u.CitizenId(), r, ct);
            return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Created("/v1/me/appeals", outcome.Value);
        }).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("Appeal your current yellow or red status with a reason (1-500 characters). One open appeal at a time, one per status; green answers 422 appeal_status_green. Audited.");
        mine.MapGet("/", async (ClaimsPrincipal u, AppealService s, CancellationToken ct) => (await s.MineAsync(u.CitizenId(), ct)).ToOk())
            .WithSummary("Your appeals, newest first: state (open, upheld, rejected, superseded), the decision's reason and the role (not the name) of who decided.");

        var appeals = app.MapGroup("/v1/appeals").WithTags("Health authority").RequireAuthorization(Policies.Authority);
        appeals.MapGet("/", async (string? state, int? limit, ClaimsPrincipal u, AppealService s, CancellationToken ct) =>
            (await s.ListAsync(u.Scope(), state, limit, ct)).ToOk())
            .WithSummary("Appeals: state = open (the default; the queue, oldest first) or decided (newest decision first), each with the citizen's current status.");
        appeals.MapGet("/{id}", async (string id, ClaimsPrincipal u, AppealService s, CancellationToken ct) => (await s.GetAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("One appeal.");
        appeals.MapPost("/{id}/decision", async (string id, AppealDecisionRequest r, ClaimsPrincipal u, AppealService s, CancellationToken ct) =>
            (await s.DecideAsync(u.Scope(), id, r, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("Decide an open appeal: uphold (the status changes to green, or to the milder colour given, through the usual status change) or reject, with a reason. "
                + "Decided already: 409 appeal_already_decided; the status changed since: 409 appeal_superseded. Audited.");
    }
}
