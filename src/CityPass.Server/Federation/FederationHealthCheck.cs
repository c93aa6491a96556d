using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityPass.Server.Federation;

/// <summary>
/// Degraded (never unhealthy: another city's outage must not take this city's servers out of rotation) while any
/// trusted city is not fresh; the data names each city's state.
/// </summary>
public sealed class FederationHealthCheck(FederatedTrust trust) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var cities = trust.Cities;
        var data = cities.ToDictionary(c => c.City.Issuer, c => (object)c.State.ToString().ToLowerInvariant());
        var notFresh = cities.Where(c => c.State != TrustState.Fresh).Select(c => $"{c.City.Issuer} {c.State.ToString().ToLowerInvariant()}").ToList();
        return Task.FromResult(notFresh.Count == 0
            ? HealthCheckResult.Healthy($"{cities.Count} trusted cities, all fresh.", data)
            : HealthCheckResult.Degraded("Trusted cities not fresh: " + string.Join(", ", notFresh) + ".", data: data));
    }
}
