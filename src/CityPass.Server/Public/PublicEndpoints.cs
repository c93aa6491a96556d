using CityPass.Server.Citizens;
using CityPass.Core.Keys;
using CityPass.Server.Problems;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Public;

public sealed record PublicOccupancy(Guid VenueId, string Name, int Count, int? Capacity);

/// <summary>What anyone may read: how full venues are (no personal data), this city's public keys, liveness.</summary>
public static class PublicEndpoints
{
    public static void MapPublicEndpoints(this IEndpointRouteBuilder app)
    {
        var pub = app.MapGroup("/v1/public").WithTags("Public").AllowAnonymous();
        pub.MapGet("/venues", async (VenueService s, CancellationToken ct) =>
            TypedResults.Ok((await s.GetAllOccupancyAsync(ct)).Select(o => new PublicOccupancy(o.VenueId, o.Name, o.Count, o.Capacity)).ToList()))
            .WithSummary("Every venue with how many people are inside and its capacity.");
        pub.MapGet("/venues/{id:guid}/occupancy", async Task<Results<Ok<PublicOccupancy>, ProblemHttpResult>> (Guid id, VenueService s, CancellationToken ct) =>
        {
            var o = await s.GetOccupancyAsync(null, id, ct);
            return o.Failure is { } f ? f.ToProblem() : TypedResults.Ok(new PublicOccupancy(o.Value!.VenueId, o.Value.Name, o.Value.Count, o.Value.Capacity));
        }).WithSummary("How many people are inside a venue, and its capacity.");

        app.MapGet("/.well-known/citypass/keys.json", (IIssuerKeySource keys, HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=300";
            return TypedResults.Text(keys.Current.PublicKeys.ToJson(), "application/json");
        }).WithTags("Public").AllowAnonymous().WithSummary("This city's public key set, for offline gates and other cities.")
            .Produces<object>(StatusCodes.Status200OK, "application/json");

        app.MapGet("/v1/ping", () => TypedResults.Text("pong")).WithTags("Public").AllowAnonymous()
            .WithSummary("Does nothing: the load tests' baseline for this server's HTTP ceiling.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");

        // Only the development sender has an outbox, and it is only registered in the embedded default and
        // Development: anywhere else this route would hand any citizen's code to anyone.
        if (app.ServiceProvider.GetService<ISmsSender>() is DevelopmentSmsSender outbox)
        {
            app.MapGet("/v1/dev/sms-outbox", Results<Ok<string>, ProblemHttpResult> (string phone) =>
                PhoneNumbers.TryNormalise(phone, out var p) && outbox.LastMessageTo(p) is { } m ? TypedResults.Ok(m) : Problem.NotFound("Message"))
                .WithTags("Development").AllowAnonymous().ExcludeFromDescription();
        }
    }
}
