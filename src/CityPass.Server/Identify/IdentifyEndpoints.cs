using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using CityPass.Server.RateLimiting;

namespace CityPass.Server.Identify;

public static class IdentifyEndpoints
{
    public static void MapIdentifyEndpoints(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/v1/me").WithTags("Identity consents").RequireAuthorization(Policies.Citizen).RequireRateLimiting(RateLimits.PerCitizen);
        me.MapGet("/consents", async (ClaimsPrincipal u, IdentifyService s, CancellationToken ct) => TypedResults.Ok(await s.ConsentsAsync(u.CitizenId(), ct)))
            .WithSummary("The citizen's consents to be identified, per venue kind; the venue kinds that ask, with what they ask; the citizen's own changes.")
            .WithDescription("Without a consent a venue of that kind is told nothing, not even the member id.");
        me.MapPut("/consents/{venueKind}", async (string venueKind, ConsentRequest request, ClaimsPrincipal u, IdentifyService s, CancellationToken ct) =>
                (await s.GrantAsync(u.CitizenId(), venueKind, request, ct)).ToOk())
            .WithSummary("Agree to be identified at venues of this kind: they get a member id (their own, unrelated to any other venue's) and the listed claims.")
            .WithDescription("Replaces the previous list: send the claims to keep (masked_name, age_band, eid_verified; [] for the member id alone). Applies from the next scan. " +
                             "400 validation_failed names venueKind or claims. The citizen's own act: kept in their consent history, not the staff audit log.");
        me.MapDelete("/consents/{venueKind}", async (string venueKind, ClaimsPrincipal u, IdentifyService s, CancellationToken ct) =>
                (await s.WithdrawAsync(u.CitizenId(), venueKind, ct)).ToNoContent())
            .WithSummary("Withdraw the consent for venues of this kind: from the next scan they are told nothing. Idempotent.");
        me.MapGet("/disclosures", async (int? limit, ClaimsPrincipal u, IdentifyService s, CancellationToken ct) => (await s.DisclosuresAsync(u.CitizenId(), limit, ct)).ToOk())
            .WithSummary("What venues were told about the citizen, newest first (default 50, at most 200): venue, time, member id and each claim's value.")
            .WithDescription("Kept for Identify:DisclosureRetentionDays (default 180), then purged.");

        var staff = app.MapGroup("/v1/venues/{id:guid}").WithTags("Identify").RequireAuthorization(Policies.Staff);
        staff.MapGet("/disclosures", async (Guid id, DateTimeOffset? from, DateTimeOffset? to, int? limit, ClaimsPrincipal u, IdentifyService s, CancellationToken ct) =>
                (await s.VenueDisclosuresAsync(u.Scope(), id, from, to, limit, ct)).ToOk())
            .WithSummary("The venue's disclosure log, newest first (default 50, at most 200): member ids and the claims shared, never citizens' ids.")
            .WithDescription("The venue's operators and city admins only; any other venue, and the health authority, answer 404.");
    }
}
