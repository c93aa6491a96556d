using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using CityPass.Server.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Estates;

public static class EstateEndpoints
{
    public static void MapEstateEndpoints(this IEndpointRouteBuilder app)
    {
        var staff = app.MapGroup("/v1/venues/{id:guid}").WithTags("Estates").RequireAuthorization(Policies.Staff);
        staff.MapPost("/residents", async (Guid id, ResidentPushRequest r, ClaimsPrincipal u, EstateService s, CancellationToken ct) => (await s.PushResidentsAsync(u.Scope(), id, r, ct)).ToOk())
            .WithMetadata(new RequestSizeLimitAttribute(EstateService.MaxBodyBytes))
            .WithSummary("List residents in units, or take them off (1 to 500 per push), by unit and citizen id.")
            .WithDescription("Idempotent: a resident sent again as listed (or a removal of one not listed) is 'unchanged'. Each item is applied or rejected on its own " +
                             "(unit_invalid, citizen_id_invalid, resident_repeated); a push without residents or with more than 500 answers 400 validation_failed. " +
                             "A resident is admitted at the estate's gates without end (its policy requires a booking; the gate displays the unit) and approves visits to the unit. " +
                             "Audited once per push, with its counts. Only a housing estate's operators and city admins; any other venue answers 404.");
        staff.MapGet("/residents", async (Guid id, string? unit, int? limit, ClaimsPrincipal u, EstateService s, CancellationToken ct) => (await s.ResidentsAsync(u.Scope(), id, unit, limit, ct)).ToOk())
            .WithSummary("The estate's residents by unit (at most 500; ?unit= for one unit).");
        staff.MapGet("/visits", async (Guid id, DateTimeOffset? from, DateTimeOffset? to, int? limit, ClaimsPrincipal u, EstateService s, CancellationToken ct) =>
                (await s.TrailAsync(u.Scope(), id, from, to, limit, ct)).ToOk())
            .WithSummary("The estate's visitor trail, newest registration first (at most 500): who (masked name and citizen id), whom, why, when, and the host's decision.")
            .WithDescription("Kept until the visit's window ended Estates:VisitRetentionDays ago (default 14), then purged with the visit's entry at the gates.");

        var estates = app.MapGroup("/v1").WithTags("Estate visits").RequireAuthorization(Policies.Citizen).RequireRateLimiting(RateLimits.PerCitizen);
        estates.MapGet("/estates", async (EstateService s, CancellationToken ct) => TypedResults.Ok(await s.EstatesAsync(ct)))
            .WithSummary("The housing estates a visitor can register at.");
        estates.MapGet("/me/homes", async (ClaimsPrincipal u, EstateService s, CancellationToken ct) => TypedResults.Ok(await s.HomesAsync(u.CitizenId(), ct)))
            .WithSummary("The citizen's own citizen id (to give their estate's office) and the units where they are listed as a resident.");
        estates.MapPost("/me/visits", RegisterAsync)
            .WithSummary("Register a visit: the estate, the host's unit, the purpose and the window (at most 24 hours, starting within 30 days).")
            .WithDescription("Pending until a resident of the unit approves it; approved, the visitor's pass opens the estate's gates during the window. " +
                             "400 validation_failed names the field (a unit nobody is listed in is 'unit'); 409 too_many_visits at 10 visits waiting or to come.");
        estates.MapGet("/me/visits", async (ClaimsPrincipal u, EstateService s, CancellationToken ct) => TypedResults.Ok(await s.MyVisitsAsync(u.CitizenId(), ct)))
            .WithSummary("The citizen's own visits, newest first, with their status (pending, approved, declined, expired).");
        estates.MapGet("/me/visits/{visitId:guid}", async (Guid visitId, ClaimsPrincipal u, EstateService s, CancellationToken ct) => (await s.MyVisitAsync(u.CitizenId(), visitId, ct)).ToOk())
            .WithSummary("One of the citizen's own visits.");
        estates.MapGet("/me/hosted-visits", async (ClaimsPrincipal u, EstateService s, CancellationToken ct) => TypedResults.Ok(await s.HostedVisitsAsync(u.CitizenId(), ct)))
            .WithSummary("Visits to the units where the citizen is a resident, newest first: what they approve or decline.");
        estates.MapPost("/me/hosted-visits/{visitId:guid}/approve", async (Guid visitId, ClaimsPrincipal u, EstateService s, CancellationToken ct) =>
                (await s.DecideAsync(u.CitizenId(), visitId, approve: true, ct)).ToOk())
            .WithSummary("Approve a visit to one's unit: the visitor is admitted during its window. Again: unchanged; a declined one: 409 visit_declined; ended: 409 visit_ended.");
        estates.MapPost("/me/hosted-visits/{visitId:guid}/decline", async (Guid visitId, ClaimsPrincipal u, EstateService s, CancellationToken ct) =>
                (await s.DecideAsync(u.CitizenId(), visitId, approve: false, ct)).ToOk())
            .WithSummary("Decline a visit to one's unit, or withdraw an approval: the visitor is no longer admitted. Ended: 409 visit_ended.");
    }

    private static async Task<Results<Created<VisitView>, ProblemHttpResult>> RegisterAsync(VisitRequest request, ClaimsPrincipal user, EstateService s, CancellationToken ct)
    {
        var outcome = await s.RegisterAsync(user.CitizenId(), request, ct);
        return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Created($"/v1/me/visits/{outcome.Value!.Id}", outcome.Value);
    }
}
