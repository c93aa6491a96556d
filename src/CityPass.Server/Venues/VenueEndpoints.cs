using CityPass.Core.Venues;
using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Federation;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Venues;

public static class VenueEndpoints
{
    public static void MapVenueEndpoints(this IEndpointRouteBuilder app)
    {
        var venues = app.MapGroup("/v1/venues").WithTags("Venues").RequireAuthorization(Policies.Staff);
        venues.MapGet("/", async (ClaimsPrincipal u, VenueService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(u.Scope(), ct)))
            .WithSummary("The venues the caller may see.");
        venues.MapPost("/", async Task<Results<Created<VenueView>, ProblemHttpResult>> (VenueDraft d, ClaimsPrincipal u, VenueService s, CancellationToken ct) =>
        {
            var outcome = await s.CreateAsync(u.Scope(), d, ct);
            return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Created($"/v1/venues/{outcome.Value!.Id}", outcome.Value);
        })
            .WithSummary("Create a venue (city admins).");
        venues.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.GetAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("One venue.");
        venues.MapPut("/{id:guid}", async (Guid id, VenueDraft d, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.UpdateAsync(u.Scope(), id, d, ct)).ToOk())
            .WithSummary("Rename or re-describe a venue.");
        venues.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.DeleteAsync(u.Scope(), id, ct)).ToNoContent())
            .WithSummary("Delete a venue with its gates (city admins). Scan records stay.");
        venues.MapGet("/{id:guid}/policy", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.GetPolicyAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("The venue's entry policy.");
        venues.MapPut("/{id:guid}/policy", async (Guid id, VenuePolicyDocument p, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.SetPolicyAsync(u.Scope(), id, p, ct)).ToOk())
            .WithSummary("Set the entry policy: allowed colours, required credentials, capacity, opening hours, anti-passback, booking.");
        venues.MapGet("/{id:guid}/occupancy", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.GetOccupancyAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("How many people are inside the venue now, and its capacity.");
        venues.MapGet("/{id:guid}/gates", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.ListGatesAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("The venue's gates, with each gate's clock drift and last late upload.");
        venues.MapPost("/{id:guid}/gates", async Task<Results<Created<GateView>, ProblemHttpResult>> (Guid id, GateDraft d, ClaimsPrincipal u, VenueService s, CancellationToken ct) =>
        {
            var outcome = await s.CreateGateAsync(u.Scope(), id, d, ct);
            return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Created($"/v1/gates/{outcome.Value!.Id}", outcome.Value);
        }).WithSummary("Add a gate to a venue.");
        venues.MapGet("/{id:guid}/bookings", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.ListBookingsAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("The citizens with a ticket or booking for the venue.");
        venues.MapPut("/{id:guid}/bookings/{citizenId}", async (Guid id, string citizenId, ClaimsPrincipal u, VenueService s, CancellationToken ct) =>
            (await s.SetBookingAsync(u.Scope(), id, citizenId, booked: true, ct)).ToNoContent()).WithSummary("Record a citizen's ticket or booking for the venue.");
        venues.MapDelete("/{id:guid}/bookings/{citizenId}", async (Guid id, string citizenId, ClaimsPrincipal u, VenueService s, CancellationToken ct) =>
            (await s.SetBookingAsync(u.Scope(), id, citizenId, booked: false, ct)).ToNoContent())
            .WithSummary("Remove a citizen's ticket or booking for the venue.");

        var gates = app.MapGroup("/v1/gates").WithTags("Venues").RequireAuthorization(Policies.Staff);
        gates.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.GetGateAsync(u.Scope(), id, ct)).ToOk())
            .WithSummary("One gate, with its clock drift and last late upload.");
        gates.MapPut("/{id:guid}", async (Guid id, GateDraft d, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.UpdateGateAsync(u.Scope(), id, d, ct)).ToOk())
            .WithSummary("Rename a gate.");
        gates.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.DeleteGateAsync(u.Scope(), id, ct)).ToNoContent())
            .WithSummary("Delete a gate; its credential goes with it.");
        gates.MapPost("/{id:guid}/credentials", async (Guid id, ClaimsPrincipal u, VenueService s, KeySetPublisher federation, HttpContext http, CancellationToken ct) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            var issued = await s.IssueCredentialAsync(u.Scope(), id, ct);
            return (issued.Value is { } value ? value with { EnrolmentLink = EnrolmentLinks.For(http.Request, value.Credential, federation).ToString() } : issued).ToOk();
        }).WithSummary("Provision the gate's device credential. The secret is in this answer only; it is stored hashed. Replaces any earlier credential.")
            .WithDescription("enrolmentLink holds the credential, this server's origin and the city's federation key fingerprint: a gate running the SDK enrols from it (citypass-gate enrol).");
        gates.MapDelete("/{id:guid}/credentials", async (Guid id, ClaimsPrincipal u, VenueService s, CancellationToken ct) => (await s.RevokeCredentialAsync(u.Scope(), id, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Revoke the gate's credential: it stops working at once.");
    }
}
