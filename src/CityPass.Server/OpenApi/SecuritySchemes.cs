using CityPass.Server.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace CityPass.Server.OpenApi;

/// <summary>The document's security schemes, named as the authentication schemes they describe.</summary>
internal static class SecuritySchemes
{
    public const string Bearer = JwtBearerDefaults.AuthenticationScheme;
    public const string Gate = GateScheme.Name;

    /// <summary>
    /// The document's scheme for a policy's authentication scheme. An unknown one fails the document
    /// (and so the tests) rather than leaving an operation that needs a credential without one.
    /// </summary>
    public static string For(string authenticationScheme) => authenticationScheme switch
    {
        Bearer => Bearer,
        Gate => Gate,
        _ => throw new InvalidOperationException($"No OpenAPI security scheme describes the authentication scheme '{authenticationScheme}'."),
    };
}
