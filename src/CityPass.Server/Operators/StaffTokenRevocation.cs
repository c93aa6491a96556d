using System.Security.Claims;
using CityPass.Server.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace CityPass.Server.Operators;

/// <summary>
/// A staff token lives for hours and carries role and venues as claims: each request checks that the account still
/// exists with the security stamp the token was issued with (any change of the account replaces it), through the
/// brief <see cref="OperatorCache"/>, so a deleted or changed account's token stops at once.
/// </summary>
public static class StaffTokenRevocation
{
    /// <summary>Adds the check to the bearer scheme that <see cref="AuthSetup.AddCityPassAuth"/> sets up.</summary>
    public static IServiceCollection AddStaffTokenRevocation(this IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.Events.OnTokenValidated = RefuseRevokedStaffTokensAsync);

    private static async Task RefuseRevokedStaffTokensAsync(TokenValidatedContext context)
    {
        var user = context.Principal;
        if (user is null || !user.HasClaim("aud", SignInTokens.StaffAudience)) return;
        var accounts = context.HttpContext.RequestServices.GetRequiredService<OperatorCache>();
        var op = Guid.TryParse(user.FindFirstValue("sub"), out var id) ? await accounts.GetAsync(id, context.HttpContext.RequestAborted) : null;
        if (op is null || op.SecurityStamp != user.FindFirstValue(Roles.StampClaim)) context.Fail(new StaffTokenRevokedException());
    }
}
