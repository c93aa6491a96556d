using System.Security.Claims;
using CityPass.Core.Citizens;
using CityPass.Server.Auth;
using CityPass.Server.RateLimiting;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Citizens;

public sealed record OtpRequest(string? Phone);

public sealed record SessionRequest(string? Phone, string? Code);

public sealed record PassView(string Text, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAfter, StatusView Status,
    string DisplayName, IReadOnlyList<string> Credentials, string Issuer);

public static class CitizenEndpoints
{
    public static void MapCitizenEndpoints(this IEndpointRouteBuilder app)
    {
        var signIn = app.MapGroup("/v1/citizens").WithTags("Citizen sign-in").AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);
        signIn.MapPost("/otp", RequestCodeAsync).WithSummary("Send a one-time sign-in code to a citizen's phone (answers 202 whether or not the phone is known).");
        signIn.MapPost("/session", OpenSessionAsync).ProducesProblem(StatusCodes.Status401Unauthorized).WithSummary("Exchange phone + one-time code for a citizen bearer token.");

        var me = app.MapGroup("/v1/me").WithTags("Citizen").RequireAuthorization(Policies.Citizen).RequireRateLimiting(RateLimits.PerCitizen);
        me.MapGet("/pass", GetPassAsync).WithSummary("The citizen's live pass: text for the QR, validity, status and masked name.");
        me.MapGet("/pass.svg", GetPassSvgAsync).WithSummary("The live pass as an SVG QR code (the same text as /v1/me/pass until it refreshes).")
            .Produces<string>(StatusCodes.Status200OK, "image/svg+xml");
        me.MapGet("/pass.png", GetPassPngAsync).WithSummary("The live pass as a PNG QR code.").Produces<Stream>(StatusCodes.Status200OK, "image/png");
        me.MapGet("/status-history", GetStatusHistoryAsync)
            .WithSummary("The citizen's own status history, newest first: colour, when, the reason, the case and the role (never the name) of who changed it.");
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> RequestCodeAsync(OtpRequest request, CitizenSignIn signIn, CancellationToken ct) =>
        await signIn.RequestCodeAsync(request.Phone, ct) is { } failure ? failure.ToProblem() : TypedResults.Accepted((string?)null);

    private static async Task<Results<Ok<CitizenSession>, ProblemHttpResult>> OpenSessionAsync(SessionRequest request, CitizenSignIn signIn, CancellationToken ct) =>
        (await signIn.VerifyAsync(request.Phone, request.Code, ct)).ToOk();

    private static async Task<Results<Ok<PassView>, ProblemHttpResult>> GetPassAsync(ClaimsPrincipal user, IGrainFactory grains, CitizenPassIssuer issuer)
    {
        var current = await grains.Citizen(user.CitizenId()).GetPassAsync();
        if (current is null) return Problem.NotFound("Citizen");
        var (pass, c) = (current.Pass, current.Citizen);
        return TypedResults.Ok(new PassView(pass.Text, pass.IssuedAt, pass.ExpiresAt, current.RefreshAfter, StatusView.From(c.Status),
            NameMasking.Mask(c.FullName), c.Credentials.ToWireNames(), issuer.Issuer.ToString()));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetPassSvgAsync(ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        var current = await grains.Citizen(user.CitizenId()).GetPassAsync();
        if (current is null) return Problem.NotFound("Citizen");
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(QrRenderer.Svg(current.Pass.Text)), "image/svg+xml");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetPassPngAsync(ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        var current = await grains.Citizen(user.CitizenId()).GetPassAsync();
        if (current is null) return Problem.NotFound("Citizen");
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(QrRenderer.Png(current.Pass.Text), "image/png");
    }

    /// <summary>Newest first, as a phone shows a history; the staff route keeps the store's oldest-first order.</summary>
    private static async Task<Results<Ok<IReadOnlyList<StatusHistoryView>>, ProblemHttpResult>> GetStatusHistoryAsync(ClaimsPrincipal user, ICitizenStore store, CancellationToken ct)
    {
        var id = user.CitizenId();
        if (await store.GetAsync(id, ct) is null) return Problem.NotFound("Citizen");
        var history = await store.GetStatusHistoryAsync(id, ct);
        return TypedResults.Ok<IReadOnlyList<StatusHistoryView>>(history.Reverse().Select(StatusHistoryView.From).ToList());
    }
}
