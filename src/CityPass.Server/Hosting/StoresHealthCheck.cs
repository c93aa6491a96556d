using CityPass.Server.Citizens;
using CityPass.Server.Scans;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityPass.Server.Hosting;

/// <summary>Ready when both the system of record and the hot state answer (PostgreSQL and Redis when configured).</summary>
public sealed class StoresHealthCheck(ICitizenStore citizens, IHotState hot) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await citizens.ListAsync(null, 1, timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || timeout.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The system of record does not answer.", e);
        }
        try
        {
            await hot.GetOccupancyAsync(Guid.Empty, timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || timeout.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("The hot state does not answer.", e);
        }
        return HealthCheckResult.Healthy();
    }
}
