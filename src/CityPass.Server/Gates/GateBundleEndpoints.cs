using System.Text;
using CityPass.Core.Gates;
using CityPass.Server.Auth;
using CityPass.Server.Federation;
using CityPass.Server.Problems;
using CityPass.Server.RateLimiting;
using CityPass.Server.Venues;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Gates;

public static class GateBundleEndpoints
{
    public static void MapGateBundleEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/gates/me/bundle", Results<ContentHttpResult, ProblemHttpResult> (HttpContext http, GateBundleService bundles, TimeProvider clock) =>
        {
            var outcome = bundles.BundleFor(GateAuthenticationHandler.AuthenticatedGate(http));
            if (outcome.Failure is { } f) return f.ToProblem();
            // Signed for this gate at this moment; the gate keeps its own copy.
            http.Response.Headers.CacheControl = "no-store";
            // The gate measures its clock's drift against this, whatever server or proxy sits in front.
            http.Response.Headers.Date = clock.GetUtcNow().ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Text(outcome.Value!, FederationEndpoints.JoseJson, Encoding.UTF8);
        })
            .WithTags("Gates").RequireAuthorization(Policies.Gate).RequireRateLimiting(RateLimits.PerGate)
            .Produces<string>(StatusCodes.Status200OK, FederationEndpoints.JoseJson)
            .WithSummary("The calling gate's offline bundle: trusted key sets and its venue's policy, signed by the city's federation key (" + GateBundle.MediaType + ").")
            .WithDescription("A gate fetches it whenever it is online and decides by it, by signature, while the server does not answer; past its maximum age it refuses. Compare the response's Date header with the gate's clock.");
    }
}
