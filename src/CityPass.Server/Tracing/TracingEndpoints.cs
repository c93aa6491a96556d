using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;

namespace CityPass.Server.Tracing;

public static class TracingEndpoints
{
    /// <summary>Under the cases' path and policy: a trace is work on a case.</summary>
    public static void MapTracingEndpoints(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/v1/cases").WithTags("Health authority").RequireAuthorization(Policies.Authority);
        cases.MapGet("/{id}/exposures", async (string id, string? citizenId, string? from, string? to, string? minOverlapMinutes, string[]? venueTypes,
                ClaimsPrincipal u, TracingService s, CancellationToken ct) =>
            (await s.TraceAsync(u.Scope(), id, new TraceRequest(citizenId, from, to, minOverlapMinutes, venueTypes), ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("Contact tracing under an open health case: the index citizen's visits in [from, to) (default the last 14 days, at most 31) "
                + "and every citizen whose visit at the same venue overlapped, with the overlap in minutes, largest first; filter by minOverlapMinutes and "
                + "venueTypes (repeat or comma-separate). A visit ends at the recorded exit, else after the venue type's dwell time. Audited (case.trace).");
    }
}
