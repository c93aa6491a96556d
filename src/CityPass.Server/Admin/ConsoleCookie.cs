using System.Security.Claims;
using CityPass.Server.Auth;
using CityPass.Server.Operators;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CityPass.Server.Admin;

/// <summary>
/// The admin console's sign-in cookie. It carries the same claims as a staff bearer token, so
/// <see cref="AccessScope.From"/> reads both alike and the services enforce one set of rules.
/// </summary>
public static class ConsoleCookie
{
    public const string Scheme = "Console";
    public const string SignInPath = "/admin/signin";

    public static void Configure(CookieAuthenticationOptions o)
    {
        o.Cookie.Name = "citypass.console";
        // Only the console's own requests carry it.
        o.Cookie.Path = "/admin";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.LoginPath = SignInPath;
        o.LogoutPath = "/admin/signout";
        o.AccessDeniedPath = "/admin/denied";
        o.ReturnUrlParameter = "returnUrl";
        o.ExpireTimeSpan = SignInTokens.StaffLifetime;
        o.SlidingExpiration = true;
        o.Events.OnValidatePrincipal = RefreshFromStoreAsync;
    }

    public static ClaimsPrincipal PrincipalFor(Operator op)
    {
        var role = op.Role switch
        {
            OperatorRole.CityAdmin => Roles.CityAdmin,
            OperatorRole.HealthAuthority => Roles.HealthAuthority,
            OperatorRole.VenueOperator => Roles.VenueOperator,
        };
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, op.Id.ToString()),
            new(ClaimTypes.Name, op.Username),
            new(ClaimTypes.Role, role),
            new(JwtRegisteredClaimNames.Aud, SignInTokens.StaffAudience),
            new("display_name", op.DisplayName),
            new(Roles.StampClaim, op.SecurityStamp),
        };
        claims.AddRange(op.VenueIds.Select(v => new Claim(Roles.VenueClaim, v.ToString())));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    // A cookie lives for hours; a deleted operator, or one whose account changed since (role, venues,
    // password, username: each replaces the security stamp), must not keep the old rights that long,
    // so each request compares the cookie's stamp with the account's current one and signs out on a mismatch.
    private static async Task RefreshFromStoreAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var accounts = context.HttpContext.RequestServices.GetRequiredService<OperatorCache>();
        var op = Guid.TryParse(id, out var guid) ? await accounts.GetAsync(guid, context.HttpContext.RequestAborted) : null;
        if (op is null || op.SecurityStamp != context.Principal!.FindFirstValue(Roles.StampClaim))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }
}
