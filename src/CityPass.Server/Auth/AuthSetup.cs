using System.Security.Claims;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace CityPass.Server.Auth;

public static class AuthSetup
{
    public static IServiceCollection AddCityPassAuth(this IServiceCollection services)
    {
        services.AddSingleton<SignInTokens>();
        // The gate scheme is the Venues feature's (GateAuthentication), beside the gate directory it checks.
        // No default authenticate scheme: each policy names the one scheme its callers use, so a gate's
        // scan runs only the gate handler and a citizen's request only the JWT handler (the profile
        // of the scan path showed the JWT handler running before every gate check).
        services.AddAuthentication(o =>
            {
                o.DefaultChallengeScheme = JwtBearerDefaults.AuthenticationScheme;
                o.DefaultForbidScheme = JwtBearerDefaults.AuthenticationScheme;
            })
            .AddJwtBearer();

        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<SignInTokens>((o, tokens) =>
        {
            // Keep claim names as written (sub, the role URI): no legacy inbound renaming.
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = SignInTokens.Issuer,
                ValidAudiences = [SignInTokens.StaffAudience, SignInTokens.CitizenAudience],
                IssuerSigningKey = tokens.SigningKey,
                // Only what we sign with: a token naming another algorithm (none, HS512 with our key, ...) is refused.
                ValidAlgorithms = [SignInTokens.Algorithm],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateLifetime = true,
                // Lifetimes are checked against the real clock (IdentityModel's TimeProvider hook is internal).
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = ClaimTypes.Name,
                RoleClaimType = ClaimTypes.Role,
            };
            // OnTokenValidated, the check that a staff token's account is unchanged, is the Operators feature's
            // (StaffTokenRevocation): it owns the accounts and their security stamps.
            o.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var (code, title) = context.AuthenticateFailure switch
                    {
                        SecurityTokenExpiredException => (ProblemCodes.TokenExpired, "The sign-in token has expired: sign in again."),
                        StaffTokenRevokedException => (ProblemCodes.TokenRevoked, "The account was changed or deleted since this token was issued: sign in again."),
                        not null => (ProblemCodes.TokenInvalid, "The sign-in token is not valid here."),
                        null when context.Request.Headers.Authorization.Count > 0 => (ProblemCodes.TokenInvalid, "The sign-in token is not valid here."),
                        null => (ProblemCodes.TokenMissing, "Sign in first: a bearer token is required."),
                    };
                    await Problem.Of(StatusCodes.Status401Unauthorized, code, title).ExecuteAsync(context.HttpContext);
                },
                OnForbidden = context => Problem.Of(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, "Your role may not do this.").ExecuteAsync(context.HttpContext),
            };
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Citizen, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole(Roles.Citizen).RequireClaim("aud", SignInTokens.CitizenAudience))
            .AddPolicy(Policies.Gate, p => p.AddAuthenticationSchemes(GateScheme.Name).RequireRole(Roles.Gate))
            .AddPolicy(Policies.Staff, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole(Roles.CityAdmin, Roles.HealthAuthority, Roles.VenueOperator).RequireClaim("aud", SignInTokens.StaffAudience))
            .AddPolicy(Policies.Authority, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole(Roles.CityAdmin, Roles.HealthAuthority).RequireClaim("aud", SignInTokens.StaffAudience))
            .AddPolicy(Policies.CityAdmin, p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole(Roles.CityAdmin).RequireClaim("aud", SignInTokens.StaffAudience));
        return services;
    }
}

/// <summary>The staff token's account was deleted or changed after the token was issued.</summary>
public sealed class StaffTokenRevokedException() : SecurityTokenException("The staff account was deleted or changed since the token was issued.");
