using CityPass.Server.Retention;
using Microsoft.Extensions.Options;

namespace CityPass.Server.Estates;

/// <summary>
/// Purges, hourly, visits whose window ended more than the retention period ago (<see cref="EstateOptions.VisitRetentionDays"/>),
/// with the tickets they wrote.
/// </summary>
public sealed class VisitRetentionWorker(IEstateStore store, IOptions<EstateOptions> options, TimeProvider timeProvider, ILogger<VisitRetentionWorker> logger)
    : HourlyPurgeWorker(timeProvider, logger)
{
    protected override string What => "Visit";

    protected override TimeSpan Retention => options.Value.VisitRetention;

    protected override Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) => store.PurgeVisitsAsync(cutoff, cancellationToken);
}
