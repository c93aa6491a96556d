using Microsoft.Extensions.Options;

namespace CityPass.Server.Federation;

public static class FederationRegistration
{
    /// <summary>
    /// The signed document this city publishes, the cities it trusts and their refresh (FederationOptions are bound
    /// by the host). After the record stores: the refresher's first reload reads them.
    /// </summary>
    public static IServiceCollection AddCityPassFederation(this IServiceCollection services)
    {
        services.AddSingleton<KeySetPublisher>();
        services.AddSingleton<FederatedTrust>();
        services.AddSingleton<TrustedCityService>();
        services.AddSingleton<FederationMetrics>();
        services.AddHostedService<KeySetRefresher>();
        services.AddHttpClient(TrustedCityService.HttpClientName, (sp, client) =>
        {
            client.Timeout = sp.GetRequiredService<IOptions<FederationOptions>>().Value.FetchTimeout;
            client.DefaultRequestHeaders.UserAgent.ParseAdd("CityPass-Federation/1");
        });
        services.AddHealthChecks().AddCheck<FederationHealthCheck>("federation", tags: ["ready"]);
        return services;
    }
}
