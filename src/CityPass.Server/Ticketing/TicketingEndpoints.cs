using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Ticketing;

public static class TicketingEndpoints
{
    public static void MapTicketingEndpoints(this IEndpointRouteBuilder app)
    {
        // A ticketing system signs in as a member of staff of its venue (a venue operator account) or a city admin.
        var tickets = app.MapGroup("/v1/venues/{id:guid}/tickets").WithTags("Ticketing").RequireAuthorization(Policies.Staff);
        tickets.MapPost("/", async (Guid id, TicketPushRequest r, ClaimsPrincipal u, TicketingService s, CancellationToken ct) => (await s.PushAsync(u.Scope(), id, r, ct)).ToOk())
            .WithMetadata(new RequestSizeLimitAttribute(TicketingService.MaxBodyBytes))
            .WithSummary("Push bookings in bulk (1 to 500): create, replace or cancel each by the ticketing system's own booking id, with the citizen, the seat or zone and when it admits.")
            .WithDescription("Idempotent per booking id: a booking sent again replaces the stored one ('updated', or 'unchanged' when nothing differs), never adds a second. " +
                             "Each booking is applied or rejected on its own, with a per-item code (booking_id_invalid, booking_id_repeated, citizen_id_invalid, seat_invalid, window_invalid, booking_not_found); " +
                             "a push without bookings or with more than 500 answers 400 validation_failed. At a venue whose policy requires a booking, a ticket admits within its window and the scan answer carries its seat. " +
                             "Audited once per push, with its counts.");
        tickets.MapGet("/{bookingId}", async (Guid id, string bookingId, ClaimsPrincipal u, TicketingService s, CancellationToken ct) => (await s.GetAsync(u.Scope(), id, bookingId, ct)).ToOk())
            .WithSummary("One booking as stored, by the ticketing system's id (cancelled ones too).");
    }
}
