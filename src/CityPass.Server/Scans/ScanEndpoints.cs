using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.RateLimiting;
using CityPass.Server.Problems;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Scans;

public static class ScanEndpoints
{
    public static void MapScanEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/v1/scans").WithTags("Gates").RequireAuthorization(Policies.Gate).RequireRateLimiting(RateLimits.PerGate);
        g.MapPost("/", ScanAsync)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("Verify a scanned pass and decide: ALLOW or DENY with a stable reason code. Idempotent on scanId, per gate.")
            .WithDescription("A text that is not a valid pass answers 422 with the token failure code (expired, signature_invalid, malformed, ...): treat it as DENY.");

        // Under the citizen's own routes, with their policies: the history is the citizen's, the log it is read from is this feature's.
        var me = app.MapGroup("/v1/me").WithTags("Citizen").RequireAuthorization(Policies.Citizen).RequireRateLimiting(RateLimits.PerCitizen);
        me.MapGet("/scans", GetScansAsync).WithSummary("The citizen's own scan history, newest first.");

        // Under the venue's routes, with their policy and tag: the log is the venue's, read from this feature's archive.
        var venues = app.MapGroup("/v1/venues").WithTags("Venues").RequireAuthorization(Policies.Staff);
        venues.MapGet("/{id:guid}/scans", async (Guid id, ClaimsPrincipal u, ScanLogService log, DateTimeOffset? from, DateTimeOffset? to, bool? allowed, Guid? gateId,
            string? before, int? limit, bool? disagreements, CancellationToken ct) =>
            (await log.VenueScansAsync(u.Scope(), id, new ScanFilter(from, to, allowed, gateId, before, limit, disagreements ?? false), ct)).ToOk())
            .WithSummary("The venue's scan log, newest first; page with 'before' = the previous page's 'next'.")
            .WithDescription("Scans from a gate's offline journal carry the gate's own decision ('offline') and whether the server, deciding after the fact, " +
                             "disagrees with it ('disagrees'); 'disagreements=true' lists only those.");
        venues.MapGet("/{id:guid}/scans.csv", ExportCsvAsync).WithSummary("The venue's scan log in the time range as CSV (streamed).")
            .Produces<string>(StatusCodes.Status200OK, "text/csv");
    }

    private static async Task<Results<Ok<ScanResponse>, ProblemHttpResult>> ScanAsync(ScanRequest request, HttpContext http, ScanService scans, CancellationToken ct)
    {
        var outcome = await scans.ScanAsync(GateAuthenticationHandler.AuthenticatedGate(http), request, ct);
        if (outcome.Failure is { Status: StatusCodes.Status422UnprocessableEntity } f)
        {
            // Turnstiles treat an unreadable pass like any refusal; say so in the body too.
            return Problem.Of(f.Status, f.Code, f.Title, extensions: new Dictionary<string, object?> { ["decision"] = "deny" });
        }
        return outcome.ToOk();
    }

    private static async Task<Results<Ok<ScanPage>, ProblemHttpResult>> GetScansAsync(ClaimsPrincipal user, ScanLogService log,
        DateTimeOffset? from, DateTimeOffset? to, string? before, int? limit, CancellationToken ct) =>
        (await log.CitizenScansAsync(user.CitizenId(), new ScanFilter(from, to, null, null, before, limit), ct)).ToOk();

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportCsvAsync(Guid id, ClaimsPrincipal u, ScanLogService log, HttpContext http,
        DateTimeOffset? from, DateTimeOffset? to, bool? allowed, Guid? gateId, bool? disagreements, CancellationToken ct)
    {
        var scope = u.Scope();
        if (await http.RequestServices.GetRequiredService<VenueService>().VisibleAsync(scope, id, ct) is null) return Problem.NotFound("Venue");
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"scans-{id:N}.csv\"";
        var failure = await log.WriteVenueCsvAsync(scope, id, new ScanFilter(from, to, allowed, gateId, null, 1000, disagreements ?? false), http.Response.Body, ct);
        return failure is { } f ? f.ToProblem() : TypedResults.Empty;
    }
}
