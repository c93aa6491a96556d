using CityPass.Server.Problems;
using CityPass.Server.Venues;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityPass.Server.Health;

/// <summary>
/// <c>/health/ready</c>: each store asked now, and the gate directory's age. Not ready (503) while the hot
/// state is away: no scan can be decided here, so the load balancer should send gates elsewhere. Degraded
/// (200, and said so) while only the system of record is away: scans go on from the hot state and the
/// directory's copy, passes from the active citizens; what needs PostgreSQL answers 503 store_unavailable.
/// </summary>
public sealed class StoresHealthCheck(StoreMonitor monitor, GateDirectory directory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await monitor.ProbeAsync(cancellationToken);
        var hot = monitor.DownSince(Store.HotState);
        var records = monitor.DownSince(Store.Records);
        var stale = directory.StaleFor;
        var data = new Dictionary<string, object>
        {
            ["hotState"] = hot is null ? "up" : $"down since {hot:O}",
            ["records"] = records is null ? "up" : $"down since {records:O}",
            ["gateDirectory"] = stale is { } age ? $"stale: loaded {age.TotalSeconds:0} s ago, served for up to {directory.MaxStale.TotalSeconds:0} s" : "fresh",
        };
        if (hot is not null) return HealthCheckResult.Unhealthy($"The {StoreFailures.NameOf(Store.HotState)} does not answer: scans cannot be decided.", data: data);
        if (records is not null || stale is not null)
        {
            return HealthCheckResult.Degraded(
                $"The {StoreFailures.NameOf(Store.Records)} does not answer: scans go on from the hot state, changes answer 503 store_unavailable.", data: data);
        }
        return HealthCheckResult.Healthy("Every store answers.", data);
    }
}
