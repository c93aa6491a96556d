using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;

namespace CityPass.Server.Dashboard;

public static class DashboardEndpoints
{
    public const string Tag = "City dashboard";

    public static void MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        var dashboard = app.MapGroup("/v1/dashboard").WithTags(Tag).RequireAuthorization(Policies.Authority);
        dashboard.MapGet("/", async (string? minutes, string? top, string? silentAfterMinutes, ClaimsPrincipal u, DashboardService s, HttpContext http, CancellationToken ct) =>
        {
            // A screen polls this: every answer is new.
            http.Response.Headers.CacheControl = "no-store";
            var query = DashboardQuery.Parse(minutes, top, silentAfterMinutes);
            return query.Failure is { } invalid ? invalid.ToProblem() : (await s.ReadAsync(u.Scope(), query.Value!, ct)).ToOk();
        })
            .WithSummary("The city dashboard: scans per minute, the population's colours, busiest venues, occupancy by district and kind, gates, trusted cities.")
            .WithDescription("Scans per minute over the last 'minutes' (5-180, default 60) from the per-minute roll-ups, allowed and refused by reason code; " +
                             "the colour mix of the population and its change since the start of today (Asia/Shanghai); the 'top' (1-50, default 10) venues " +
                             "by scans in the window with who is inside now; occupancy against capacity by district and by venue kind; gates silent for " +
                             "'silentAfterMinutes' (5-1440, default 30), with a clock off by more than 30 s, or that uploaded late scans in the last hour; " +
                             "trusted cities' document freshness. Read-only; no personal data.");
    }
}
