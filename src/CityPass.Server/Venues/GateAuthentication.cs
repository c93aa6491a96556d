using Microsoft.AspNetCore.Authentication;

namespace CityPass.Server.Venues;

public static class GateAuthentication
{
    /// <summary>Adds the gate scheme beside the bearer scheme that <see cref="Auth.AuthSetup.AddCityPassAuth"/> sets up.</summary>
    public static IServiceCollection AddGateAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, GateAuthenticationHandler>(GateAuthenticationHandler.SchemeName, null);
        return services;
    }
}
