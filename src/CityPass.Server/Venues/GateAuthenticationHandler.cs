using System.Security.Claims;
using System.Text.Encodings.Web;
using CityPass.Server.Auth;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Venues;

/// <summary>
/// Authenticates gates by their device credential, sent as <c>Authorization: Gate cpg_...</c>.
/// The gate id and venue id become claims; a credential is good for its own gate only.
/// </summary>
/// <remarks>Registered under <see cref="GateScheme.Name"/> by <see cref="GateAuthentication.AddGateAuthentication"/>; Auth's gate policy names that scheme.</remarks>
public sealed class GateAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, GateDirectory gates)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = GateScheme.Name;
    public const string GateIdClaim = GateScheme.GateIdClaim;
    public const string VenueIdClaim = GateScheme.VenueIdClaim;
    private const string FailureKey = "citypass.gate-auth-failure";
    private const string GateKey = "citypass.gate";

    /// <summary>
    /// The gate and venue this request's credential was checked against: the scan uses the same
    /// directory entry instead of looking the gate up again.
    /// </summary>
    public static GateEntry AuthenticatedGate(HttpContext http) =>
        http.Items[GateKey] as GateEntry ?? throw new InvalidOperationException("A gate endpoint was reached without gate authentication.");

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith(SchemeName + " ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        if (!GateCredentials.TryParse(header[(SchemeName.Length + 1)..].Trim(), out var gateId, out var secret)) return Fail(ProblemCodes.GateCredentialInvalid);

        var entry = await gates.FindGateAsync(gateId, Context.RequestAborted);
        var credential = entry?.Gate.Credential;
        // Compare even when the gate is unknown, so timing does not tell which gate ids exist.
        var matches = GateCredentials.Matches(secret, credential?.SecretHash ?? new byte[32]);
        if (entry is null || credential is null || !matches) return Fail(ProblemCodes.GateCredentialInvalid);
        if (!credential.IsActive) return Fail(ProblemCodes.GateCredentialRevoked);

        Context.Items[GateKey] = entry;
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Role, Roles.Gate),
                new Claim(GateIdClaim, gateId.ToString()),
                new Claim(VenueIdClaim, entry.Venue.Id.ToString()),
            ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Fail(string code)
    {
        Context.Items[FailureKey] = code;
        return AuthenticateResult.Fail(code);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var code = Context.Items[FailureKey] as string ?? ProblemCodes.GateCredentialInvalid;
        var title = code == ProblemCodes.GateCredentialRevoked ? "This gate's credential was revoked." : "A valid gate credential is required (Authorization: Gate cpg_...).";
        await Problem.Of(StatusCodes.Status401Unauthorized, code, title).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problem.Of(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, "Gates may only scan.").ExecuteAsync(Context);
}
