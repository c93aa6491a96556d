using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.RateLimiting;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Operators;

public sealed record MeView(Guid Id, string Username, string Role, IReadOnlyList<Guid> VenueIds);

public static class OperatorEndpoints
{
    public static void MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/v1/auth").WithTags("Staff sign-in");
        auth.MapPost("/token", async Task<Results<Ok<StaffToken>, ProblemHttpResult>> (SignInRequest r, OperatorService s, CancellationToken ct) =>
        {
            var outcome = await s.SignInAsync(r, SignInChannel.Api, ct);
            return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Ok(outcome.Value.Token);
        }).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).WithSummary("Staff sign-in: username + password -> bearer token (JWT).");
        auth.MapGet("/me", (ClaimsPrincipal u) =>
        {
            var s = u.Scope();
            return TypedResults.Ok(new MeView(s.OperatorId, s.Actor, s.Role.ToString(), [.. s.VenueIds]));
        }).RequireAuthorization(Policies.Staff).WithSummary("Who the bearer token belongs to: id, username, role and venues.");

        var ops = app.MapGroup("/v1/operators").WithTags("City admin").RequireAuthorization(Policies.CityAdmin);
        ops.MapGet("/", async (OperatorService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithSummary("Every staff account, with its role, venues and whether it is disabled.");
        ops.MapPost("/", async Task<Results<Created<OperatorView>, ProblemHttpResult>> (OperatorDraft d, ClaimsPrincipal u, OperatorService s, CancellationToken ct) =>
        {
            var outcome = await s.CreateAsync(u.Scope(), d, ct);
            return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Created($"/v1/operators/{outcome.Value!.Id}", outcome.Value);
        }).ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Create a staff account with a role (and venues, for venue operators).");
        ops.MapPut("/{id:guid}", async (Guid id, OperatorDraft d, ClaimsPrincipal u, OperatorService s, CancellationToken ct) => (await s.UpdateAsync(u.Scope(), id, d, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Change a staff account's username, name, role, venues or password; effective at once (its tokens and sessions stop working). Audited.");
        ops.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal u, OperatorService s, CancellationToken ct) => (await s.DeleteAsync(u.Scope(), id, ct)).ToNoContent())
            .ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Delete a staff account (its audit entries keep its username). To keep the account but stop it, disable it.");
        ops.MapPost("/{id:guid}/disable", async (Guid id, ClaimsPrincipal u, OperatorService s, CancellationToken ct) => (await s.SetDisabledAsync(u.Scope(), id, true, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Disable a staff account at once: it cannot sign in (403 account_disabled), and its tokens and console sessions stop working. Audited.");
        ops.MapPost("/{id:guid}/enable", async (Guid id, ClaimsPrincipal u, OperatorService s, CancellationToken ct) => (await s.SetDisabledAsync(u.Scope(), id, false, ct)).ToOk())
            .WithSummary("Enable a disabled staff account again. Audited.");
        ops.MapPost("/{id:guid}/password-reset", async (Guid id, ClaimsPrincipal u, OperatorService s, HttpContext http, CancellationToken ct) =>
        {
            // The new password is in this answer only: no cache may keep it.
            http.Response.Headers.CacheControl = "no-store";
            return (await s.ResetPasswordAsync(u.Scope(), id, ct)).ToOk();
        }).WithSummary("Reset a staff account's password to a new random one, returned in this answer only; its tokens and sessions stop working. Audited.");
    }
}
