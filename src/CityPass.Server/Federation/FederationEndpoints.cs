using System.Security.Claims;
using System.Text;
using CityPass.Core.Federation;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;
using CityPass.Server.Auth;
using CityPass.Server.Keys;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Federation;

/// <summary>The federation key's public half, for another city's admin to pin (after comparing the fingerprint out of band).</summary>
public sealed record FederationKeyView(string Issuer, string Suite, string PublicKey, string Fingerprint, string DocumentPath);

public static class FederationEndpoints
{
    public const string DocumentPath = "/.well-known/citypass/keyset.jws";
    public const string KeyPath = "/.well-known/citypass/federation-key.json";

    /// <summary>The media type of a JWS in JSON serialization (RFC 7515 §9.2.1).</summary>
    public const string JoseJson = "application/jose+json";

    public static void MapFederationEndpoints(this IEndpointRouteBuilder app)
    {
        // Created now, so the gauges exist from the start.
        app.ServiceProvider.GetRequiredService<FederationMetrics>();

        app.MapGet(DocumentPath, Results<ContentHttpResult, ProblemHttpResult> (KeySetPublisher publisher, HttpContext http) =>
        {
            if (publisher.Current() is not { } document) return NotPublished();
            http.Response.Headers.CacheControl = "public, max-age=300";
            return TypedResults.Text(document.Text, JoseJson, Encoding.UTF8);
        }).WithTags("Public").AllowAnonymous().Produces<string>(StatusCodes.Status200OK, JoseJson)
            .ProducesProblem(StatusCodes.Status404NotFound).WithSummary("This city's key set signed with its federation key (flattened JWS), for the cities that trust it.");
        app.MapGet(KeyPath, Results<Ok<FederationKeyView>, ProblemHttpResult> (KeySetPublisher publisher, KeyMaterial keys) =>
            publisher.FederationKey is { } key
                ? TypedResults.Ok(new FederationKeyView(keys.Issuer.ToString(), key.Key.Suite.ToWireName(),
                    Convert.ToBase64String(key.PublicKey.ExportSubjectPublicKeyInfo()), key.Fingerprint, DocumentPath))
                : NotPublished())
            .WithTags("Public").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status404NotFound).WithSummary("This city's federation public key and its fingerprint, for another city's admin to pin.");

        var cities = app.MapGroup("/v1/federation/cities").WithTags("Federation").RequireAuthorization(Policies.CityAdmin);
        cities.MapGet("/", async (TrustedCityService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithSummary("The cities whose passes are accepted, with their document's state (pending, fresh, failing, stale, expired).");
        cities.MapGet("/{issuer}", async (string issuer, TrustedCityService s, CancellationToken ct) => (await s.GetAsync(issuer, ct)).ToOk())
            .WithSummary("One trusted city, with the keys of its last good document.");
        cities.MapPost("/", async Task<Results<Created<TrustedCityView>, ProblemHttpResult>> (TrustedCityDraft d, ClaimsPrincipal u, TrustedCityService s, CancellationToken ct) =>
        {
            var outcome = await s.AddAsync(u.Scope(), d, ct);
            return outcome.Failure is { } f ? f.ToProblem() : TypedResults.Created($"/v1/federation/cities/{outcome.Value!.Issuer}", outcome.Value);
        }).ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Trust a city: its issuer code, its pinned federation public key, and its document URL (fetched at once) or none (upload it). Audited.");
        cities.MapPut("/{issuer}", async (string issuer, TrustedCityDraft d, ClaimsPrincipal u, TrustedCityService s, CancellationToken ct) =>
            (await s.UpdateAsync(u.Scope(), issuer, d, ct)).ToOk())
            .WithSummary("Change a trusted city's name, key or URL. A changed key drops the document held until one verifies under it. Audited.");
        cities.MapDelete("/{issuer}", async (string issuer, ClaimsPrincipal u, TrustedCityService s, CancellationToken ct) =>
            (await s.RemoveAsync(u.Scope(), issuer, ct)).ToNoContent())
            .WithSummary("Stop trusting a city: its passes are unknown_issuer from now on. Audited.");
        cities.MapPost("/{issuer}/refresh", async (string issuer, ClaimsPrincipal u, TrustedCityService s, CancellationToken ct) =>
            (await s.RefreshAsync(u.Scope().Actor, issuer, ct)).ToOk())
            .WithSummary("Fetch the city's document now: accepted (newer), unchanged, or refused with a code (the document held is kept).");
        cities.MapPut("/{issuer}/document", UploadAsync)
            .Accepts<string>(JoseJson, "application/json")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("Upload the city's signed document by hand; 422 with a code if it does not verify, is expired or is not newer.");
    }

    private static async Task<Results<Ok<DocumentCheck>, ProblemHttpResult>> UploadAsync(string issuer, HttpRequest request, ClaimsPrincipal u, TrustedCityService s, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[SignedKeySet.MaxDocumentBytes + 1];
        var length = await reader.ReadBlockAsync(buffer.AsMemory(), ct);
        if (length == 0) return Problem.Of(StatusCodes.Status400BadRequest, ProblemCodes.BodyRequired, "The signed document is the request body.");
        if (length > SignedKeySet.MaxDocumentBytes) return Problem.Of(StatusCodes.Status422UnprocessableEntity, KeySetDocumentFailure.TooLarge.ToCode(), "The document is larger than any key set.");
        return (await s.UploadAsync(u.Scope(), issuer, new string(buffer, 0, length), ct)).ToOk();
    }

    private static ProblemHttpResult NotPublished() =>
        Problem.Of(StatusCodes.Status404NotFound, FederationCodes.NotPublished, "This city has no federation key, so it publishes no signed key set.");
}
