using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Keys;

public static class KeyEndpoints
{
    public static void MapKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/keys").WithTags("Keys").RequireAuthorization(Policies.CityAdmin);
        keys.MapGet("/", (IssuerKeyService s) => TypedResults.Ok(s.Get()))
            .WithSummary("This city's issuer keys (signing keys and secrets, never their private halves): state, window, which one signs now.");
        keys.MapPost("/", async (KeyCreateRequest r, ClaimsPrincipal u, IssuerKeyService s, CancellationToken ct) => (await s.CreateAsync(u.Scope(), r, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create a signing key and a secret that sign from activatesAt (default: now + Keys:ActivationLead). Published at once, so gates and other " +
                "cities learn them before the first pass carries them. The keys signing until then stay active (a fallback) until retired. Audited.");
        keys.MapPost("/{kind}/{id:int}/activate", async (string kind, int id, KeyChangeRequest r, ClaimsPrincipal u, IssuerKeyService s, CancellationToken ct) =>
                (await s.ActivateAsync(u.Scope(), kind, id, r, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("A pending key (and the key created with it) signs from now. Gates and cities that have not fetched the key set since it was " +
                "created refuse its passes until they do. Audited.");
        keys.MapPost("/{kind}/{id:int}/retire", async (string kind, int id, KeyChangeRequest r, ClaimsPrincipal u, IssuerKeyService s, CancellationToken ct) =>
                (await s.RetireAsync(u.Scope(), kind, id, r, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("An active key may sign no more from now; passes it issued stay valid until they expire. Refused (key_set_gap) if no other key would sign. Audited.");
        keys.MapPost("/{kind}/{id:int}/revoke", async (string kind, int id, KeyChangeRequest r, ClaimsPrincipal u, IssuerKeyService s, CancellationToken ct) =>
                (await s.RevokeAsync(u.Scope(), kind, id, r, ct)).ToOk())
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Every pass under the key is refused from now (key_revoked), here at once, at gates and other cities when they refresh. " +
                "A pending key is withdrawn. Refused (key_set_gap) if no other key would sign. The reason is required. Audited.");
    }
}
