using CityPass.Server.Auth;
using CityPass.Server.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.RateLimiting;

namespace CityPass.Server.Admin;

/// <summary>Policies of the admin console: the API's role sets, authenticated by the console cookie.</summary>
public static class ConsolePolicies
{
    public const string Staff = "console-staff";
    public const string Authority = "console-authority";
    public const string CityAdmin = "console-city-admin";
}

/// <summary>The admin console: Razor Pages under /admin, signed in with <see cref="ConsoleCookie"/>.</summary>
public static class ConsoleSetup
{
    public static IServiceCollection AddCityPassConsole(this IServiceCollection services)
    {
        // One application name on every replica and build, whatever its content root: cookies and antiforgery
        // tokens protected by one replica open on the others (the key ring is shared where Redis is configured).
        services.AddDataProtection().SetApplicationName("CityPass");
        services.AddRazorPages(o =>
        {
            // Every console page needs a signed-in member of staff; authority pages need the authority's roles
            // (the same sets as the /v1 policies). Venue tenancy is not decided here but in the services.
            o.Conventions.AuthorizeFolder("/Admin", ConsolePolicies.Staff);
            o.Conventions.AuthorizeFolder("/Admin/Authority", ConsolePolicies.Authority);
            o.Conventions.AuthorizeFolder("/Admin/City", ConsolePolicies.CityAdmin);
            o.Conventions.AllowAnonymousToPage("/Admin/SignIn");
            o.Conventions.AddPageApplicationModelConvention("/Admin/SignIn", m => m.EndpointMetadata.Add(new EnableRateLimitingAttribute(RateLimits.SignIn)));
        });
        // The console's cookie. Never the default scheme: /v1 accepts bearer tokens only, so a browser's cookie
        // can't be ridden into the API (no CSRF there), and /v1 keeps its 401/403 ProblemDetails.
        services.AddAuthentication().AddCookie(ConsoleCookie.Scheme, ConsoleCookie.Configure);
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicies.Staff, p => p.AddAuthenticationSchemes(ConsoleCookie.Scheme)
                .RequireRole(Roles.CityAdmin, Roles.HealthAuthority, Roles.VenueOperator))
            .AddPolicy(ConsolePolicies.Authority, p => p.AddAuthenticationSchemes(ConsoleCookie.Scheme)
                .RequireRole(Roles.CityAdmin, Roles.HealthAuthority))
            .AddPolicy(ConsolePolicies.CityAdmin, p => p.AddAuthenticationSchemes(ConsoleCookie.Scheme).RequireRole(Roles.CityAdmin));
        return services;
    }
}
